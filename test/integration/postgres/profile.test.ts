/**
 * An existing dbt-postgres profile works unchanged: its keys, the `database` and `pass` aliases,
 * env_var() values (which render numbers as strings unless piped through `| int`), and clear
 * ConfigurationErrors for what cannot work. Then real connections: errors are classified and
 * never show the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../adapters/index.js';
import { parsePostgresConnection } from '../../../adapters/postgres/index.js';
import { targetFromProfiles } from '../../../src/config/profiles.js';
import { ConfigurationError, WarehouseTerminalError, WarehouseTransientError } from '../../../src/errors.js';
import { createTestDatabase, type PostgresTestDatabase } from '../../helpers/postgres.js';

let db: PostgresTestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.dispose();
});

const PROFILE = `
pipedrive:
  target: dev
  outputs:
    dev:
      type: postgres
      host: "{{ env_var('PGHOST') }}"
      port: "{{ env_var('PGPORT') }}"
      user: "{{ env_var('PGUSER') }}"
      password: "{{ env_var('DBT_ENV_SECRET_PGPASSWORD', '') }}"
      database: "{{ env_var('PGDATABASE') }}"
      schema: analytics
      search_path: somewhere_else
      threads: 4
      keepalives_idle: 0
      connect_timeout: "{{ env_var('PGCONNECT_TIMEOUT', '10') | int }}"
      sslmode: disable
`;

const env = (): Record<string, string> => ({
  PGHOST: db.server.host,
  PGPORT: String(db.server.port),
  PGUSER: db.server.user,
  PGDATABASE: db.database,
  ...(db.server.password ? { DBT_ENV_SECRET_PGPASSWORD: db.server.password } : {}),
});

describe('dbt-postgres profiles', () => {
  it('reads a dbt profile unchanged: env_var strings, the database alias, ignored dbt keys', () => {
    const target = targetFromProfiles(PROFILE, 'profiles.yml', { env: env() });
    expect(target.type).toBe('postgres');
    const settings = parsePostgresConnection(target.settings);
    expect(settings).toMatchObject({ host: db.server.host, port: db.server.port, user: db.server.user, database: db.database, connectTimeout: 10, ssl: false });
    expect(parsePostgresConnection({ host: 'h', user: 'u', dbname: 'd', pass: 'secret', port: 6543 })).toMatchObject({ password: 'secret', port: 6543 });
    expect(parsePostgresConnection({ host: 'h', user: 'u', dbname: 'd' })).toMatchObject({ port: 5432, connectTimeout: 10 });
    expect(parsePostgresConnection({ host: 'h', user: 'u', dbname: 'd', sslmode: 'require' }).ssl).toEqual({ rejectUnauthorized: false });
  });

  it.each([
    [{ user: 'u', dbname: 'd' }, /`host` is required/],
    [{ host: 'h', dbname: 'd' }, /`user` is required/],
    [{ host: 'h', user: 'u' }, /`dbname` \(or `database`\) is required/],
    [{ host: 'h', user: 'u', dbname: 'a', database: 'b' }, /disagree/],
    [{ host: 'h', user: 'u', dbname: 'd', port: 'fifty' }, /`port` must be a whole number from 1 to 65535, got "fifty"/],
    [{ host: 'h', user: 'u', dbname: 'd', port: 70000 }, /`port` must be a whole number/],
    [{ host: 'h', user: 'u', dbname: 'd', sslmode: 'sometimes' }, /`sslmode` must be one of disable, allow, prefer, require, verify-ca, verify-full/],
    [{ host: 'h', user: 'u', dbname: 'd', connect_timeout: -1 }, /`connect_timeout`/],
    [{ host: 'h', user: 'u', dbname: 'd', sslmode: 'verify-full', sslrootcert: '/nonexistent/root.crt' }, /cannot read sslrootcert/],
  ])('rejects %j with a clear ConfigurationError', (settings, message) => {
    expect(() => parsePostgresConnection(settings)).toThrow(ConfigurationError);
    expect(() => parsePostgresConnection(settings)).toThrow(message);
  });

  it('connects with the rendered profile through the registry', async () => {
    const target = targetFromProfiles(PROFILE, 'profiles.yml', { env: env() });
    const adapter = await loadAdapter('postgres');
    const client = adapter.createClient(target);
    await client.open();
    try {
      expect(await client.query('SELECT current_database() AS db, current_setting($1) AS tz', ['TimeZone'])).toEqual([{ db: db.database, tz: 'UTC' }]);
      expect(client.describeTarget()).toBe(`PostgreSQL database ${db.database} at ${db.server.host}:${db.server.port} as ${db.server.user}`);
    } finally {
      await client.close();
    }
  });
});

describe('sslmode', () => {
  const usesTls = async (extra: Record<string, unknown>): Promise<{ server: unknown; session: unknown }> => {
    const client = (await loadAdapter('postgres')).createClient(db.target(extra));
    await client.open();
    try {
      const [row] = await client.query(
        "SELECT current_setting('ssl') AS server, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS session",
      );
      return { server: row?.['server'], session: row?.['session'] };
    } finally {
      await client.close();
    }
  };

  it('prefers TLS when sslmode is absent or prefer (libpq and dbt default), and falls back to plain text', async () => {
    for (const extra of [{}, { sslmode: 'prefer' }]) {
      const { server, session } = await usesTls(extra);
      expect(session).toBe(server === 'on');
      console.info(`sslmode ${JSON.stringify(extra)}: server TLS ${String(server)}, session TLS ${String(session)}`);
    }
  });

  it('uses TLS with sslmode require when the server offers it', async () => {
    const probe = await usesTls({ sslmode: 'disable' });
    if (probe.server !== 'on') {
      console.info('sslmode require: skipped, this server has TLS off');
      return;
    }
    expect(await usesTls({ sslmode: 'require' })).toEqual({ server: 'on', session: true });
  });

  it('never uses TLS with sslmode disable', async () => {
    expect((await usesTls({ sslmode: 'disable' })).session).toBe(false);
  });
});

describe('PostgreSQL errors', () => {
  const PASSWORD = 'hunter2-secret';
  const target = (extra: Record<string, unknown>) => ({ ...db.target(extra), secrets: [PASSWORD] });

  it('reports a missing database as terminal, with a hint and without the password', async () => {
    const client = (await loadAdapter('postgres')).createClient(target({ dbname: 'no_such_db', password: PASSWORD }));
    const error = await client.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/database "no_such_db" does not exist.*3D000.*Create the database first/s);
    expect((error as Error).message).not.toContain(PASSWORD);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('reports a refused connection as transient, without the password', async () => {
    const client = (await loadAdapter('postgres')).createClient(target({ host: '127.0.0.1', port: 1, password: PASSWORD, connect_timeout: 2 }));
    const error = await client.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTransientError);
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  it('reports a connection ended by the server (admin shutdown) as transient, and recovers', async () => {
    const client = (await loadAdapter('postgres')).createClient(target({ application_name: 'pdl-victim' }));
    await client.open();
    try {
      const sleeping = client.query('SELECT pg_sleep(30)').catch((e: unknown) => e);
      for (let i = 0; i < 50; i++) {
        const [row] = await db.sql<{ n: number }>(
          "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'pdl-victim' AND query LIKE 'SELECT pg_sleep%'",
        );
        if (row?.n) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const error = await sleeping;
      expect(error).toBeInstanceOf(WarehouseTransientError);
      expect((error as Error).message).toMatch(/terminating connection|Connection terminated/);
      // The pool drops the dead connection; the next statement gets a fresh one.
      expect(await client.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await client.close();
    }
  });
});
