/**
 * How a batch transaction ends when its session fails under it, against a real server:
 * - its backend is terminated (an admin, a failover, a network cut) while the transaction is open:
 *   the caller gets the real cause as a warehouse error (exit 6), not the failed ROLLBACK's
 *   "Client has encountered a connection error" (a plain Error, exit 1);
 * - another session holds a lock on a table the batch writes (a user's LOCK TABLE, a long dbt
 *   transaction): the batch waits at most `lock_timeout`, then fails with LockBusyError (exit 7)
 *   saying what to do, instead of waiting forever.
 * No sleeps: the test terminates the backend from inside the transaction's own work, and the lock
 * is taken before the batch starts.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresClient } from '../../../adapters/postgres/client.js';
import { parsePostgresConnection } from '../../../adapters/postgres/index.js';
import { ExitCode, LockBusyError, WarehouseTransientError } from '../../../src/errors.js';
import { createTestDatabase, type PostgresTestDatabase } from '../../helpers/postgres.js';

let db: PostgresTestDatabase;
const clients: PostgresClient[] = [];

async function openClient(extra: Record<string, unknown> = {}): Promise<PostgresClient> {
  const client = new PostgresClient(parsePostgresConnection(db.target({ application_name: 'pdl-session-failures', ...extra }).settings));
  await client.open();
  clients.push(client);
  return client;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql('CREATE TABLE batch_rows (id int PRIMARY KEY)');
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await db?.dispose();
});

describe('a batch transaction whose backend is terminated', () => {
  it('fails with the real cause as a warehouse error, and the client goes on with a new connection', async () => {
    const client = await openClient();
    const outcome = await client
      .transaction(async (session) => {
        await session.execute('INSERT INTO batch_rows VALUES (1)');
        const [me] = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const [ended] = await db.sql<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [me?.pid]);
        expect(ended?.ok).toBe(true);
        await session.execute('INSERT INTO batch_rows VALUES (2)');
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(outcome).toBeInstanceOf(WarehouseTransientError);
    const error = outcome as WarehouseTransientError;
    expect(error.exitCode).toBe(ExitCode.warehouse);
    expect(error.message).toMatch(/terminating connection due to administrator command/);
    expect(error.message).not.toMatch(/ROLLBACK|Client has encountered a connection error/);
    expect(await db.sql('SELECT id FROM batch_rows')).toEqual([]);
    // The dead connection is not handed out again.
    await client.transaction((session) => session.execute('INSERT INTO batch_rows VALUES (3)'));
    expect(await db.sql('SELECT id FROM batch_rows')).toEqual([{ id: 3 }]);
    await db.sql('DELETE FROM batch_rows');
  });
});

describe('a lock another session holds on a table the batch writes', () => {
  it('is waited on for lock_timeout seconds at most, then fails with LockBusyError and what to do', { timeout: 30_000 }, async () => {
    const client = await openClient({ lock_timeout: 1 });
    const holder = new pg.Client({ ...(db.settings as pg.ClientConfig), database: db.database, application_name: 'pdl-lock-holder' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE batch_rows IN SHARE MODE');
      const outcome = await client
        .transaction((session) => session.execute('INSERT INTO batch_rows VALUES (4)'))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(outcome).toBeInstanceOf(LockBusyError);
      const error = outcome as LockBusyError;
      expect(error.exitCode).toBe(ExitCode.locked);
      expect(error.message).toMatch(/waited 1 s \(lock_timeout\) for a lock another session holds/);
      expect(error.message).toMatch(/pg_stat_activity/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // Once the lock is gone the same client writes as usual.
    await client.transaction((session) => session.execute('INSERT INTO batch_rows VALUES (5)'));
    expect(await db.sql('SELECT id FROM batch_rows')).toEqual([{ id: 5 }]);
  });

  it('applies a default lock_timeout of 60 s to every pooled session, and 0 means wait forever', async () => {
    const byDefault = await openClient();
    expect(await byDefault.query('SHOW lock_timeout')).toEqual([{ lock_timeout: '1min' }]);
    const forever = await openClient({ lock_timeout: 0 });
    expect(await forever.query('SHOW lock_timeout')).toEqual([{ lock_timeout: '0' }]);
  });
});
