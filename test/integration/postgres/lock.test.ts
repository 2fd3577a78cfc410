/**
 * One run per schema: the schema's advisory lock. A second locker waits up to its limit, then gets
 * LockBusyError; after the release it gets the lock. Losing the lock's connection stops commits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresClient } from '../../../adapters/postgres/client.js';
import { schemaLockKey } from '../../../adapters/postgres/lock.js';
import { parsePostgresSettings } from '../../../adapters/postgres/index.js';
import { LockBusyError, WarehouseTransientError } from '../../../src/errors.js';
import { createTestDatabase, type PostgresTestDatabase } from '../../helpers/postgres.js';

let db: PostgresTestDatabase;
const clients: PostgresClient[] = [];
async function openClient(): Promise<PostgresClient> {
  const client = new PostgresClient(parsePostgresSettings(db.target({ application_name: 'pdl-lock-test' }).settings));
  await client.open();
  clients.push(client);
  return client;
}
beforeAll(async () => {
  db = await createTestDatabase();
});
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
    const [first, second] = [await openClient(), await openClient()];
    const release = await first.lockSchema('queued', { waitMs: 0 });
    const waiting = second.lockSchema('queued', { waitMs: 10_000 });
    setTimeout(() => void release(), 300);
    const releaseSecond = await waiting;
    await releaseSecond();
  });

  it('uses a stable 64-bit key per schema, visible in pg_locks while held', async () => {
    expect(schemaLockKey('pipedrive')).toBe(schemaLockKey('pipedrive'));
    expect(schemaLockKey('pipedrive')).not.toBe(schemaLockKey('pipedrive2'));
    const client = await openClient();
    const release = await client.lockSchema('visible', { waitMs: 0 });
    const key = schemaLockKey('visible');
    const held = await db.sql(
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = $1::bigint",
      [key.toString()],
    );
    expect(held).toHaveLength(1);
    await release();
    expect(await db.sql("SELECT 1 FROM pg_locks WHERE locktype = 'advisory'")).toHaveLength(0);
  });

  it('refuses to commit once the lock connection is gone, so no other run can interleave', async () => {
    const client = await openClient();
    await client.lockSchema('fragile', { waitMs: 0 });
    await client.execute('CREATE TABLE fragile_rows (a int)');
    // Somebody ends the lock's backend (an admin, a network cut): the server frees the lock.
    await db.sql(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = $1::bigint",
      [schemaLockKey('fragile').toString()],
    );
    const attempt = client.transaction((session) => session.execute('INSERT INTO fragile_rows VALUES (1)'));
    await expect(attempt).rejects.toThrow(WarehouseTransientError);
    await expect(client.transaction(async () => undefined)).rejects.toThrow(/Lost the lock on schema fragile/);
    expect(await db.sql('SELECT a FROM fragile_rows')).toEqual([]);
    // Another run can now take the lock.
    const other = await openClient();
    await (await other.lockSchema('fragile', { waitMs: 0 }))();
  });
});
