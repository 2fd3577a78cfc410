/**
 * One run per schema: the schema's advisory lock. A second locker waits up to its limit, then gets
 * LockBusyError; after the release it gets the lock. Losing the lock's connection stops commits.
 *
 * Other test files take advisory locks on the same server at the same time: every look at
 * pg_locks is scoped to this file's own database and to the key of the schema in question.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresClient } from '../../../adapters/postgres/client.js';
import { schemaLockKey } from '../../../adapters/postgres/lock.js';
import { parsePostgresConnection } from '../../../adapters/postgres/index.js';
import { LockBusyError, WarehouseTransientError } from '../../../src/errors.js';
import { createTestDatabase, type PostgresTestDatabase } from '../../helpers/postgres.js';

let db: PostgresTestDatabase;
const clients: PostgresClient[] = [];
async function openClient(applicationName = 'pdl-lock-test'): Promise<PostgresClient> {
  const client = new PostgresClient(parsePostgresConnection(db.target({ application_name: applicationName }).settings));
  await client.open();
  clients.push(client);
  return client;
}
beforeAll(async () => {
  db = await createTestDatabase();
});

/** Backends of this test's database holding the schema's advisory lock. */
async function advisoryLocks(schema: string): Promise<{ pid: number }[]> {
  return db.sql<{ pid: number }>(
    `SELECT pid FROM pg_locks
     WHERE locktype = 'advisory' AND granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
    [schemaLockKey(schema).toString()],
  );
}

/** Polls (every 20 ms) until `check` holds: a barrier on observed state, not a delay. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}
afterAll(async () => {
  for (const client of clients) await client.close();
  await db?.dispose();
});

describe('lockSchema', () => {
  it('makes a second run wait, then fail with LockBusyError; after the release it succeeds', async () => {
    const [first, second] = [await openClient(), await openClient()];
    const release = await first.lockSchema('pipedrive', { waitMs: 0 });
    const started = performance.now();
    const busy = await second.lockSchema('pipedrive', { waitMs: 700 }).catch((e: unknown) => e);
    const waited = performance.now() - started;
    expect(busy).toBeInstanceOf(LockBusyError);
    expect((busy as Error).message).toMatch(/Another pipedrive-loader run is loading schema pipedrive .*Wait for it to finish, or retry later/);
    expect(waited).toBeGreaterThanOrEqual(650); // it waited, rather than failing at once
    console.info(`second locker gave up after ${Math.round(waited)} ms`);
    // Another schema is independent.
    const other = await second.lockSchema('other_schema', { waitMs: 0 });
    await release();
    const again = await second.lockSchema('pipedrive', { waitMs: 0 });
    await again();
    await other();
  });

  it('hands the lock to a waiting run as soon as it is released', async () => {
    const [first, second] = [await openClient(), await openClient('pdl-lock-test-queued')];
    const release = await first.lockSchema('queued', { waitMs: 0 });
    const waiting = second.lockSchema('queued', { waitMs: 60_000 });
    // Released only once the second locker has tried and been refused: its lock connection has
    // run pg_try_advisory_lock, as pg_stat_activity shows.
    await until(async () => {
      const tried = await db.sql(
        `SELECT 1 FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'pdl-lock-test-queued'
           AND query LIKE 'SELECT pg_try_advisory_lock%'`,
      );
      return tried.length > 0;
    });
    await release();
    const releaseSecond = await waiting;
    expect(await advisoryLocks('queued')).toHaveLength(1);
    await releaseSecond();
  });

  it('uses a stable 64-bit key per schema, visible in pg_locks while held', async () => {
    expect(schemaLockKey('pipedrive')).toBe(schemaLockKey('pipedrive'));
    expect(schemaLockKey('pipedrive')).not.toBe(schemaLockKey('pipedrive2'));
    const client = await openClient();
    const release = await client.lockSchema('visible', { waitMs: 0 });
    expect(await advisoryLocks('visible')).toHaveLength(1);
    await release();
    expect(await advisoryLocks('visible')).toHaveLength(0);
  });

  it('refuses to commit once the lock connection is gone, so no other run can interleave', async () => {
    const client = await openClient();
    await client.lockSchema('fragile', { waitMs: 0 });
    await client.execute('CREATE TABLE fragile_rows (a int)');
    // Somebody ends the lock's backend (an admin, a network cut): the server frees the lock.
    const [holder] = await advisoryLocks('fragile');
    await db.sql('SELECT pg_terminate_backend($1)', [holder?.pid]);
    // pg_terminate_backend only signals: wait until the backend is gone and the lock with it,
    // else the check before commit could still see it held.
    await until(async () => (await advisoryLocks('fragile')).length === 0);
    const attempt = client.transaction((session) => session.execute('INSERT INTO fragile_rows VALUES (1)'));
    await expect(attempt).rejects.toThrow(WarehouseTransientError);
    await expect(client.transaction(async () => undefined)).rejects.toThrow(/Lost the lock on schema fragile/);
    expect(await db.sql('SELECT a FROM fragile_rows')).toEqual([]);
    // Another run can now take the lock.
    const other = await openClient();
    await (await other.lockSchema('fragile', { waitMs: 0 }))();
  });
});
