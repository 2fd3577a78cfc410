/**
 * How runs are closed in `_loader_runs`, on DuckDB and PostgreSQL (real databases, never mocks):
 * - a run the store started is open until its end is recorded; a second signal can record every
 *   open run as interrupted (recordOpenRunsInterrupted);
 * - a run left `running` by a process that died is closed as interrupted by the next start, which
 *   only ever happens while holding the schema;
 * - the emergency record never overwrites a run that recorded its own end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../adapters/index.js';
import type { WarehouseClient } from '../../../adapters/types.js';
import { migrate } from '../../../migrations/index.js';
import type { TargetConfig } from '../../../src/config/target.js';
import { ABANDONED_RUN_ERROR, openRunIds, recordOpenRunsInterrupted, StateStore } from '../../../src/state/index.js';
import { createTestDatabase, type PostgresTestDatabase } from '../../helpers/postgres.js';

interface Warehouse {
  target(): TargetConfig;
  dispose(): Promise<void>;
}

async function duckdb(): Promise<Warehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'pdl-runs-'));
  return {
    target: () => ({ type: 'duckdb', name: 'test', settings: { path: join(dir, 'state.duckdb') }, secrets: [] }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgres(): Promise<Warehouse> {
  const db: PostgresTestDatabase = await createTestDatabase();
  return { target: () => db.target(), dispose: () => db.dispose() };
}

describe.each([
  ['duckdb', duckdb],
  ['postgres', postgres],
] as const)('runs in _loader_runs on %s', (_name, makeWarehouse) => {
  const schema = 'runs_test';
  let warehouse: Warehouse;
  let client: WarehouseClient;
  let store: StateStore;

  beforeAll(async () => {
    warehouse = await makeWarehouse();
  });
  afterAll(async () => {
    await warehouse.dispose();
  });
  beforeEach(async () => {
    const target = warehouse.target();
    client = (await loadAdapter(target.type)).createClient(target);
    await client.open();
    await client.execute(`DROP SCHEMA IF EXISTS ${client.dialect.quoteIdentifier(schema)} CASCADE`);
    await migrate(client, schema);
    store = new StateStore(client, schema);
  });
  afterEach(async () => {
    // Leave no open run behind for the next test.
    await recordOpenRunsInterrupted('test cleanup', 1_000);
    await client.close();
  });

  it('keeps a started run open until its end is recorded', async () => {
    await store.startRun('load-a', '2026-01-01T10:00:00Z');
    expect(openRunIds()).toEqual(['load-a']);
    await store.finishRun('load-a', { status: 'succeeded', streams: [], requests: 3, tokens: 30 }, '2026-01-01T10:01:00Z');
    expect(openRunIds()).toEqual([]);
    const [run] = await store.readRuns(1);
    expect(run).toMatchObject({ loadId: 'load-a', status: 'succeeded', finishedAt: '2026-01-01T10:01:00Z', requests: 3 });
  });

  it('records every open run as interrupted on demand (the second signal), and forgets it', async () => {
    await store.startRun('load-b', '2026-01-01T10:00:00Z');
    expect(await recordOpenRunsInterrupted('Stopped by a second signal.', 1_000)).toEqual([]);
    expect(openRunIds()).toEqual([]);
    const [run] = await store.readRuns(1);
    expect(run).toMatchObject({ loadId: 'load-b', status: 'interrupted', error: 'Stopped by a second signal.' });
    expect(run?.finishedAt).not.toBeNull();
  });

  it('closes runs a dead process left running when the next run starts', async () => {
    await store.startRun('load-dead', '2026-01-01T10:00:00Z');
    // The process "dies": its run stays `running`, and this process forgets it.
    await store.startRun('load-next', '2026-01-01T11:00:00Z');
    const runs = await store.readRuns(10);
    expect(runs.map((run) => [run.loadId, run.status])).toEqual([
      ['load-next', 'running'],
      ['load-dead', 'interrupted'],
    ]);
    expect(runs[1]).toMatchObject({ error: ABANDONED_RUN_ERROR, finishedAt: '2026-01-01T11:00:00Z' });
    expect(await store.closeAbandonedRuns('2026-01-01T12:00:00Z')).toBe(1);
    expect(await store.closeAbandonedRuns('2026-01-01T12:00:00Z')).toBe(0);
  });

  it('never lets the emergency record overwrite a run that recorded its own end', async () => {
    await store.startRun('load-c', '2026-01-01T10:00:00Z');
    await store.finishRun('load-c', { status: 'succeeded', streams: [], requests: 1, tokens: 10 }, '2026-01-01T10:01:00Z');
    await store.recordInterrupted('load-c', 'too late');
    const [run] = await store.readRuns(1);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
  });
});
