/**
 * The client's own use of pg's Pool, against a real server:
 * - every pooled connection, however many run at once, is in UTC, has the profile's lock_timeout
 *   and runs as its role;
 * - a transaction whose work failed is rolled back before its connection is reused, so the next
 *   user of that connection neither sees its rows nor finds an aborted transaction;
 * - a role that cannot be set fails open() with the server's reason.
 * Concurrency is proven by a barrier (every transaction waits until all are open), not by timing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresClient } from '../../../adapters/postgres/client.js';
import { parsePostgresConnection } from '../../../adapters/postgres/index.js';
import { WarehouseTerminalError } from '../../../src/errors.js';
import { createTestDatabase, type PostgresTestDatabase } from '../../helpers/postgres.js';

let db: PostgresTestDatabase;
const role = `pdl_pool_role_${randomBytes(4).toString('hex')}`;
const clients: PostgresClient[] = [];

async function openClient(extra: Record<string, unknown> = {}): Promise<PostgresClient> {
  const client = new PostgresClient(parsePostgresConnection(db.target({ application_name: 'pdl-pool', ...extra }).settings));
  clients.push(client);
  await client.open();
  return client;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql(`CREATE ROLE ${role}`);
  await db.sql(`GRANT ${role} TO CURRENT_USER`);
  await db.sql('CREATE TABLE pooled (id int PRIMARY KEY)');
  await db.sql(`GRANT ALL ON pooled TO ${role}`);
});

afterAll(async () => {
  for (const client of clients) await client.close();
  // Roles belong to the whole server: drop this one (and its grants here) before the database.
  await db?.sql(`DROP OWNED BY ${role}`);
  await db?.sql(`DROP ROLE ${role}`);
  await db?.dispose();
});

describe('pooled connections', () => {
  it('each of four at once runs in UTC, with lock_timeout, as the profile role', async () => {
    const client = await openClient({ role, lock_timeout: 7 });
    let arrived = 0;
    let everyoneIn: () => void = () => undefined;
    const allIn = new Promise<void>((resolve) => (everyoneIn = resolve));
    const seen = await Promise.all(
      [1, 2, 3, 4].map(() =>
        client.transaction(async (session) => {
          const [row] = await session.query<{ pid: number; who: string; zone: string; wait: string }>(
            "SELECT pg_backend_pid() AS pid, current_user AS who, current_setting('TimeZone') AS zone, current_setting('lock_timeout') AS wait",
          );
          if (++arrived === 4) everyoneIn();
          await allIn;
          return row;
        }),
      ),
    );
    expect(new Set(seen.map((row) => row?.pid)).size).toBe(4);
    for (const row of seen) expect(row).toMatchObject({ who: role, zone: 'UTC', wait: '7s' });
  });

  it('rolls a failed transaction back before its connection is used again', async () => {
    const client = await openClient();
    let pid: number | undefined;
    const failure = await client
      .transaction(async (session) => {
        pid = (await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]?.pid;
        await session.execute('INSERT INTO pooled VALUES (1)');
        // A failed statement leaves the transaction aborted; only ROLLBACK ends it.
        await session.execute('INSERT INTO pooled VALUES (1)');
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(WarehouseTerminalError);
    expect((failure as Error).message).toMatch(/23505/);
    const [again] = await client.query<{ pid: number; open: string | null; rows: string }>(
      'SELECT pg_backend_pid() AS pid, txid_current_if_assigned()::text AS open, (SELECT count(*) FROM pooled)::text AS rows',
    );
    expect(again).toEqual({ pid, open: null, rows: '0' });
  });

  it('fails open() with the server reason when the role cannot be set', async () => {
    const failure = await openClient({ role: `${role}_missing` }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WarehouseTerminalError);
    expect((failure as Error).message).toMatch(new RegExp(`preparing the session: role "${role}_missing" does not exist`));
  });
});
