/**
 * DuckDB has one writer connection; a statement issued outside the open transaction (another
 * stream's read, the signal handler recording the run as interrupted) must not land inside it.
 * The case that lost data: a second SIGINT while a batch transaction is open. The handler records
 * the run as interrupted, the batch is abandoned (rolled back) — and the record went with it, so
 * `_loader_runs` still said `running`. Here the batch is held open by a promise (the barrier), the
 * record is written, then the batch fails and rolls back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../migrations/index.js';
import { recordOpenRunsInterrupted, StateStore } from '../../../src/state/index.js';
import { tempDatabase, type TempDatabase } from './helpers.js';

const SCHEMA = 'outside_tx';
let db: TempDatabase;

beforeEach(() => {
  db = tempDatabase();
});
afterEach(async () => {
  await db.cleanup();
});

describe('a statement outside the open transaction', () => {
  it('commits on its own: a run recorded interrupted stays so when the batch in flight rolls back', async () => {
    const client = await db.open();
    await migrate(client, SCHEMA);
    await client.execute(`CREATE TABLE ${SCHEMA}.rows (id INTEGER)`);
    const store = new StateStore(client, SCHEMA);
    await store.startRun('load-1', '2026-12-02T14:00:00Z');

    let abandon: (reason: Error) => void = () => undefined;
    const abandoned = new Promise<never>((_, reject) => {
      abandon = reject;
    });
    let inside: () => void = () => undefined;
    const batchOpen = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const batch = client.transaction(async (session) => {
      await session.execute(`INSERT INTO ${SCHEMA}.rows VALUES (1)`);
      inside();
      await abandoned;
    });
    await batchOpen;
    // The second signal's handler, while the batch transaction is open.
    expect(await recordOpenRunsInterrupted('Stopped by a second signal', 2_500)).toEqual([]);
    // Outside reads see committed data only, not the open batch's rows.
    expect(await client.query(`SELECT count(*)::INTEGER AS n FROM ${SCHEMA}.rows`)).toEqual([{ n: 0 }]);
    abandon(new Error('abandoned'));
    await expect(batch).rejects.toThrow('abandoned');

    await client.close();
    const reopened = await db.open();
    expect(await reopened.query(`SELECT status, error FROM ${SCHEMA}._loader_runs`)).toEqual([
      { status: 'interrupted', error: 'Stopped by a second signal' },
    ]);
    expect(await reopened.query(`SELECT count(*)::INTEGER AS n FROM ${SCHEMA}.rows`)).toEqual([{ n: 0 }]);
  });
});
