/**
 * The Snowflake adapter driving the REAL snowflake-sdk 3.3 against a local fake of Snowflake's
 * REST API (fake-snowflake.ts) on 127.0.0.1. The fake executes no SQL; these tests check what
 * the adapter sends (SQL, binds, session settings, transaction order) and how it reads answers
 * and errors. Every socket the process opens is recorded, and must go to 127.0.0.1.
 */
import { generateKeyPairSync } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import snowflake from 'snowflake-sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_SETTINGS } from '../../../adapters/snowflake/client.js';
import { SnowflakeClient } from '../../../adapters/snowflake/index.js';
import type { TargetConfig } from '../../../src/config/target.js';
import { ConfigurationError, WarehouseTerminalError, WarehouseTransientError } from '../../../src/errors.js';
import type { LoadContext } from '../../../src/load/context.js';
import { markMissing } from '../../../src/load/deletes.js';
import { SerialQueue } from '../../../src/load/serial.js';
import { upsertBatch, withStaging } from '../../../src/load/upsert.js';
import { StateStore } from '../../../src/state/store.js';
import { FakeSnowflake, type Bindings } from './fake-snowflake.js';

const PASSWORD = 'hunter2-pa55word-NEVER-PRINTED';
const sockets: { host: string | undefined; remote: string | undefined }[] = [];

// Every TCP connection this process opens, with where it went once connected.
const onSocket = (message: unknown): void => {
  const { socket } = message as { socket: Socket };
  const entry = { host: undefined as string | undefined, remote: undefined as string | undefined };
  sockets.push(entry);
  socket.once('lookup', (_error, address: string, _family, host: string) => {
    entry.host = host;
    entry.remote = address;
  });
  socket.once('connect', () => {
    entry.remote = socket.remoteAddress;
  });
};

let fake: FakeSnowflake;

function target(settings: Record<string, unknown> = {}): TargetConfig {
  return {
    type: 'snowflake',
    name: 'fake',
    settings: { account: 'xy12345', user: 'loader', password: PASSWORD, database: 'analytics', warehouse: 'loading', role: 'loader_role', query_tag: 'pipedrive-loader-test', ...settings },
    secrets: [],
  };
}

async function opened(settings: Record<string, unknown> = {}): Promise<SnowflakeClient> {
  const client = new SnowflakeClient(target(settings), { accessUrl: fake.url });
  await client.open();
  return client;
}

/** The statements sent after the session set-up (ALTER SESSION and the session check). */
function statementsAfterOpen(): string[] {
  return fake.statements.filter((sql) => !sql.startsWith('ALTER SESSION') && !sql.includes('CURRENT_DATABASE()'));
}

beforeAll(() => {
  diagnosticsChannel.subscribe('net.client.socket', onSocket);
  // Nothing here may go through a proxy, and OCSP would only apply to https.
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
  snowflake.configure({ disableOCSPChecks: true });
});

afterAll(() => {
  diagnosticsChannel.unsubscribe('net.client.socket', onSocket);
});

beforeEach(async () => {
  fake = new FakeSnowflake();
  await fake.start();
});

afterEach(async () => {
  // Snowflake commits an open transaction before any DDL: no transaction may end that way, or a
  // batch would commit in halves (the client no longer guards against it; the generic code must).
  expect(fake.transactions.filter((transaction) => transaction.end !== 'commit' && transaction.end !== 'rollback')).toEqual([]);
  expect(fake.stats.ddlCommitsOfWrites).toBe(0);
  await fake.stop();
});

describe('signing in and the session', () => {
  it('applies role, warehouse, database and query_tag, and sends the password only in the login request', async () => {
    const client = await opened();
    await client.close();
    const login = fake.requests.find((request) => request.path === '/session/v1/login-request');
    expect(login?.query.get('roleName')).toBe('loader_role');
    expect(login?.query.get('warehouse')).toBe('loading');
    expect(login?.query.get('databaseName')).toBe('analytics');
    const data = login?.body?.['data'] as Record<string, unknown>;
    expect(data['ACCOUNT_NAME']).toBe('xy12345');
    expect(data['LOGIN_NAME']).toBe('loader');
    expect((data['SESSION_PARAMETERS'] as Record<string, unknown>)['QUERY_TAG']).toBe('pipedrive-loader-test');
    expect(fake.statements.slice(0, 2)).toEqual([
      SESSION_SETTINGS,
      'SELECT CURRENT_DATABASE() AS "database", CURRENT_WAREHOUSE() AS "warehouse", CURRENT_ROLE() AS "role"',
    ]);
    // The session token, never the password, authorises the statements.
    for (const request of fake.requests.filter((r) => r.path !== '/session/v1/login-request')) {
      expect(JSON.stringify(request.body ?? {})).not.toContain(PASSWORD);
      expect(JSON.stringify(request.headers)).not.toContain(PASSWORD);
    }
    expect(fake.queries[0]?.headers['authorization']).toBe('Snowflake Token="fake-session-token"');
    // close() ends the server session (which drops its temporary staging tables).
    expect(fake.requests.at(-1)?.path).toBe('/session');
    expect(fake.requests.at(-1)?.query.get('delete')).toBe('true');
    expect(client.describeTarget()).toBe('Snowflake account xy12345, database analytics, warehouse loading');
  });

  it('signs in with a key pair: a JWT, with neither the key nor its passphrase on the wire', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdl-sf-key-'));
    try {
      const passphrase = 'key-passphrase-NEVER-PRINTED';
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      const path = join(dir, 'rsa_key.p8');
      writeFileSync(path, privateKey);
      const client = await opened({ password: undefined, private_key_path: path, private_key_passphrase: passphrase });
      await client.close();
      const data = fake.requests.find((r) => r.path === '/session/v1/login-request')?.body?.['data'] as Record<string, unknown>;
      expect(data['AUTHENTICATOR']).toBe('SNOWFLAKE_JWT');
      expect(String(data['TOKEN']).split('.')).toHaveLength(3);
      const wire = JSON.stringify(fake.requests.map((r) => r.body));
      expect(wire).not.toContain(passphrase);
      expect(wire).not.toContain('PRIVATE KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs in with an OAuth token', async () => {
    const client = await opened({ password: undefined, authenticator: 'oauth', token: 'oauth-token-value' });
    await client.close();
    const data = fake.requests.find((r) => r.path === '/session/v1/login-request')?.body?.['data'] as Record<string, unknown>;
    expect(data['AUTHENTICATOR']).toBe('OAUTH');
    expect(data['TOKEN']).toBe('oauth-token-value');
  });

  it('turns refused credentials into a terminal error with a hint and no password', async () => {
    fake.configure({ rejectLogin: true });
    const error = await opened().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/Incorrect username or password.*390100.*Check user and password/s);
    expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
  });

  it('says when the database or the warehouse is missing or not granted', async () => {
    fake.configure({ session: { database: null } });
    await expect(opened()).rejects.toThrow(/database analytics does not exist or the role LOADER may not use it/);
    fake.configure({ session: { warehouse: null } });
    const error = await opened().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/warehouse loading does not exist.*GRANT USAGE ON WAREHOUSE/);
  });

  it('turns an unreachable server into a transient error', async () => {
    const port = new URL(fake.url).port;
    await fake.stop();
    const client = new SnowflakeClient(target({ connect_retries: 0 }), { accessUrl: `http://127.0.0.1:${port}` });
    const error = await client.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTransientError);
    expect((error as Error).message).toMatch(/signing in/);
    await fake.start(); // for afterEach
  });

  it('refuses profile values the SDK rejects as a configuration error', async () => {
    const client = new SnowflakeClient(target({ password: undefined, private_key_path: '/nonexistent/key.p8' }), { accessUrl: fake.url });
    const error = await client.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/no such file.*Check private_key_path/);
  });
});

describe('statements, binds and results', () => {
  it('binds parameters as values, bigints as exact text, and strips NUL from text', async () => {
    const client = await opened();
    await client.execute('INSERT INTO "s"."t" ("id", "s", "b", "n", "x") VALUES (?, ?, ?, ?, ?)', [9007199254740993n, "x'); DROP TABLE t; --\u0000", true, 1.5, null]);
    await client.close();
    const insert = fake.queries.find((q) => String(q.body?.['sqlText']).startsWith('INSERT'));
    expect(insert?.body?.['bindings']).toEqual({
      '1': { type: 'TEXT', value: '9007199254740993' },
      '2': { type: 'TEXT', value: "x'); DROP TABLE t; --" },
      '3': { type: 'BOOLEAN', value: 'true' },
      '4': { type: 'REAL', value: '1.5' },
      '5': { type: 'TEXT', value: null },
    });
  });

  it('uses numbered placeholders, so one value can be referred to twice (the child loader keyset)', async () => {
    const client = await opened();
    const p = (i: number): string => client.dialect.parameter(i);
    const sql = `SELECT "id" FROM "s"."deals" WHERE ("update_time" > CAST(${p(1)} AS TIMESTAMP_TZ) OR ("update_time" = CAST(${p(1)} AS TIMESTAMP_TZ) AND "id" > ${p(2)}))`;
    await client.query(sql, ['2024-01-01T00:00:00Z', 7]);
    await client.close();
    const sent = fake.queries.find((q) => q.body?.['sqlText'] === sql);
    expect(sql).toContain('CAST(:1 AS TIMESTAMP_TZ) OR ("update_time" = CAST(:1 AS TIMESTAMP_TZ) AND "id" > :2)');
    expect(sent?.body?.['bindings']).toEqual({ '1': { type: 'TEXT', value: '2024-01-01T00:00:00Z' }, '2': { type: 'FIXED', value: '7' } });
  });

  it('reads every result type in the loader conventions', async () => {
    const client = await opened();
    fake.configure({
      respond: (sql) =>
        sql === 'SELECT *'
          ? {
              columns: [
                { name: 'id', type: 'fixed' },
                { name: 'small', type: 'fixed' },
                { name: 'value', type: 'fixed', scale: 9 },
                { name: 'ratio', type: 'real' },
                { name: 'flag', type: 'boolean' },
                { name: 'day', type: 'date' },
                { name: 'at', type: 'time' },
                { name: 'ts', type: 'timestamp_tz' },
                { name: 'doc', type: 'variant' },
                { name: 'labels', type: 'array' },
                { name: 'title', type: 'text' },
              ],
              rows: [
                ['9007199254740993', '-42', '12345678901234567890.123456789', '1.5e-300', '1', '10956', '86398.000000000', '1719812793.123456000 1440', '{\n  "a": 1\n}', '[\n  "a",\n  "b"\n]', 'Zoë'],
                ['1', '0', '10.500000000', '0.1', '0', '-719162', '0.000000000', '1719812793.000000000 1560', null, '[]', ''],
              ],
            }
          : undefined,
    });
    expect(await client.query('SELECT *')).toEqual([
      { id: 9007199254740993n, small: -42, value: '12345678901234567890.123456789', ratio: 1.5e-300, flag: true, day: '1999-12-31', at: '23:59:58', ts: '2024-07-01T05:46:33.123456Z', doc: '{\n  "a": 1\n}', labels: ['a', 'b'], title: 'Zoë' },
      { id: 1, small: 0, value: '10.5', ratio: 0.1, flag: false, day: '0001-01-01', at: '00:00:00', ts: '2024-07-01T05:46:33Z', doc: null, labels: [], title: '' },
    ]);
    await client.close();
  });

  it('describes a schema from INFORMATION_SCHEMA, base tables only', async () => {
    const client = await opened();
    fake.configure({
      respond: (sql) =>
        sql.includes('INFORMATION_SCHEMA.COLUMNS')
          ? {
              columns: [
                { name: 'table_name', type: 'text' },
                { name: 'column_name', type: 'text' },
                { name: 'data_type', type: 'text' },
                { name: 'precision', type: 'fixed' },
                { name: 'scale', type: 'fixed' },
              ],
              rows: [
                ['deals', 'id', 'NUMBER', '38', '0'],
                ['deals', 'value', 'NUMBER', '38', '9'],
                ['deals', 'title', 'TEXT', null, null],
                ['deals', 'update_time', 'TIMESTAMP_TZ', null, null],
                ['deals', 'custom', 'VARIANT', null, null],
                ['deals', 'labels', 'ARRAY', null, null],
              ],
            }
          : undefined,
    });
    const tables = await client.describeSchema('pipe"drive');
    await client.close();
    expect([...tables.entries()]).toEqual([
      [
        'deals',
        [
          { name: 'id', type: 'bigint' },
          { name: 'value', type: 'decimal' },
          { name: 'title', type: 'string' },
          { name: 'update_time', type: 'timestamp' },
          { name: 'custom', type: 'json' },
          { name: 'labels', type: 'string_list' },
        ],
      ],
    ]);
    const describe = fake.queries.find((q) => String(q.body?.['sqlText']).includes('INFORMATION_SCHEMA.COLUMNS'));
    expect(describe?.body?.['sqlText']).toContain("t.TABLE_TYPE = 'BASE TABLE'");
    expect(describe?.body?.['bindings']).toEqual({ '1': { type: 'TEXT', value: 'pipe"drive' } });
  });
});

describe('staging and merging', () => {
  const columns = [
    { name: 'id', type: 'bigint' },
    { name: 'title', type: 'string' },
    { name: 'doc', type: 'json' },
    { name: 'labels', type: 'string_list' },
    { name: 'update_time', type: 'timestamp' },
  ] as const;
  const deals = { schema: 'pipedrive', name: 'deals' };

  it('stages rows by array binding every cell as text, then converts json and lists with PARSE_JSON', async () => {
    const client = await opened();
    const staging = await client.writeStaging(deals, columns, [
      { id: 1, title: 'a\u0000b', doc: '{"k":"\\u0000x"}', labels: ['x', 'y\u0000'], update_time: '2024-01-01T00:00:00Z' },
      { id: 2n, title: null, doc: null, labels: [], update_time: null },
    ]);
    await client.close();
    expect(staging).toEqual({ schema: 'pipedrive', name: '_loader_staging_1' });
    expect(statementsAfterOpen()).toEqual([
      'CREATE OR REPLACE TEMPORARY TABLE "pipedrive"."_loader_staging_1_raw" ("id" NUMBER(38,0), "title" VARCHAR, "doc" VARCHAR, "labels" VARCHAR, "update_time" TIMESTAMP_TZ, "_loader_staging_row" NUMBER(38,0))',
      'INSERT INTO "pipedrive"."_loader_staging_1_raw" ("id", "title", "doc", "labels", "update_time", "_loader_staging_row") VALUES (?, ?, ?, ?, ?, ?)',
      'CREATE OR REPLACE TEMPORARY TABLE "pipedrive"."_loader_staging_1" AS SELECT "id", "title", PARSE_JSON("doc") AS "doc", PARSE_JSON("labels")::ARRAY AS "labels", "update_time", "_loader_staging_row" FROM "pipedrive"."_loader_staging_1_raw"',
      'DROP TABLE "pipedrive"."_loader_staging_1_raw"',
    ]);
    const insert = fake.queries.find((q) => String(q.body?.['sqlText']).startsWith('INSERT'));
    expect(insert?.body?.['bindings']).toEqual({
      '1': { type: 'TEXT', value: ['1', '2'] },
      '2': { type: 'TEXT', value: ['ab', null] },
      '3': { type: 'TEXT', value: ['{"k":"x"}', null] },
      '4': { type: 'TEXT', value: ['["x","y"]', '[]'] },
      '5': { type: 'TEXT', value: ['2024-01-01T00:00:00Z', null] },
      '6': { type: 'TEXT', value: ['0', '1'] },
    } satisfies Bindings);
  });

  it('refuses a wrong-typed cell naming the column, before any SQL', async () => {
    const client = await opened();
    const before = fake.statements.length;
    const error = await client.writeStaging(deals, columns, [{ id: 1.5 }]).catch((e: unknown) => e);
    await client.close();
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/column id of "pipedrive"."deals": expected a bigint value, got number 1.5/);
    expect(fake.statements.length).toBe(before);
  });

  it('stages before the transaction, then counts, merges and writes the bookmark between BEGIN and COMMIT', async () => {
    const client = await opened();
    // One staged key exists in the target (so the batch is merged, not inserted).
    fake.configure({
      respond: (sql) =>
        sql.startsWith('SELECT COUNT(*) AS "keys"')
          ? { columns: ['keys', 'matched', 'updated'].map((name) => ({ name, type: 'fixed' })), rows: [['1', '1', '1']] }
          : undefined,
    });
    const store = new StateStore(client, 'pipedrive');
    const result = await upsertBatch(
      client,
      { target: deals, columns: [columns[0], columns[1], columns[4]], rows: [{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }], primaryKey: ['id'], newestBy: 'update_time' },
      (session) => store.saveBookmark(session, 'deals', '2024-01-01T00:00:00Z', 'load-1', new Date('2024-01-02T00:00:00Z')),
    );
    await client.close();
    expect(result).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const kinds = statementsAfterOpen().map((sql) => sql.split(/\s+/).slice(0, 2).join(' '));
    expect(kinds).toEqual([
      'CREATE OR',
      'INSERT INTO',
      'BEGIN',
      'SELECT COUNT(*)',
      'MERGE INTO',
      'DELETE FROM',
      'INSERT INTO',
      'COMMIT',
      // Deferred: DROP is DDL and would have committed the merge before the bookmark.
      'DROP TABLE',
    ]);
    expect(statementsAfterOpen().at(-1)).toBe('DROP TABLE "pipedrive"."_loader_staging_1"');
    const bookmark = fake.queries.find((q) => String(q.body?.['sqlText']).startsWith('INSERT INTO "pipedrive"."_loader_state"'));
    expect(bookmark?.body?.['bindings']).toEqual({
      '1': { type: 'TEXT', value: 'deals' },
      '2': { type: 'TEXT', value: '2024-01-01T00:00:00Z' },
      '3': { type: 'TEXT', value: 'load-1' },
      '4': { type: 'TEXT', value: '2024-01-02T00:00:00.000Z' },
    });
  });

  it('marks deletes (src/load/deletes.ts) with the anti-join, the clearing and the bookmark in one transaction', async () => {
    const client = await opened();
    fake.configure({
      respond: (sql) => (sql.startsWith('SELECT COUNT(*) AS "missing"') ? { columns: [{ name: 'missing', type: 'fixed' }], rows: [['2']] } : undefined),
    });
    // Only what markMissing reads of a LoadContext.
    const context = {
      warehouse: client,
      schema: 'pipedrive',
      store: new StateStore(client, 'pipedrive'),
      models: new Map([['deals', {}]]),
      sync: { writePlan: () => ({ primaryKey: ['id'], columns: [{ name: 'id', type: 'bigint' }, { name: 'is_deleted', type: 'boolean' }] }) },
      loadId: 'load-1',
      loadedAt: '2024-01-02T00:00:00Z',
      writes: new SerialQueue(),
    } as unknown as LoadContext;
    expect(await markMissing(context, 'deals', [1, 2])).toBe(2);
    await client.close();
    expect(statementsAfterOpen().map((sql) => sql.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'CREATE OR',
      'INSERT INTO',
      'BEGIN',
      'SELECT COUNT(*)',
      'UPDATE "pipedrive"."deals"',
      'UPDATE "pipedrive"."deals"',
      'DELETE FROM',
      'INSERT INTO',
      'COMMIT',
      'DROP TABLE',
    ]);
    const mark = fake.queries.find((q) => String(q.body?.['sqlText']).includes('= CAST(:1 AS TIMESTAMP_TZ)'));
    expect(mark?.body?.['bindings']).toEqual({ '1': { type: 'TEXT', value: '2024-01-02T00:00:00Z' } });
  });

  it('rolls back when the work fails, and still drops the staging table afterwards', async () => {
    const client = await opened();
    const failure = new Error('bookmark write failed');
    await expect(
      withStaging(client, { target: deals, columns: [columns[0]], rows: [{ id: 1 }] }, async (session, stage) => {
        const plan = client.dialect.merge({ target: deals, staging: await stage(), primaryKey: ['id'], columns: ['id'] });
        for (const sql of plan.inTransaction) await session.execute(sql);
        throw failure;
      }),
    ).rejects.toBe(failure);
    await client.close();
    expect(statementsAfterOpen().slice(2)).toEqual(['BEGIN', expect.stringMatching(/^MERGE INTO/), 'ROLLBACK', 'DROP TABLE "pipedrive"."_loader_staging_1"']);
  });

  it('runs statements as given, and refuses to stage inside a transaction (the CREATE would commit it)', async () => {
    const client = await opened();
    await client.transaction(async (session) => {
      await session.execute('UPDATE "pipedrive"."deals" SET "note" = ?', ['x']);
      await expect(session.writeStaging(deals, [columns[0]], [{ id: 1 }])).rejects.toThrow(/would commit the open transaction/);
    });
    await client.close();
    expect(statementsAfterOpen()).toEqual(['BEGIN', 'UPDATE "pipedrive"."deals" SET "note" = ?', 'COMMIT']);
  });

  it('writes the column map in one DELETE and one multi-row INSERT, every value bound', async () => {
    const client = await opened();
    const store = new StateStore(client, 'pipedrive');
    const mapping = (key: string) => ({
      table_name: 'deals',
      field_key: key,
      subfield: '',
      column_name: `c_${key}`,
      field_name: `Field ${key}`,
      field_type: 'varchar',
      first_seen_at: '2024-01-01T00:00:00Z',
      last_seen_at: '2024-01-02T00:00:00Z',
    });
    await client.transaction((session) => store.saveColumnMappings(session, ['a1', 'b2', 'c3'].map(mapping)));
    await client.close();
    expect(statementsAfterOpen()).toEqual([
      'BEGIN',
      'DELETE FROM "pipedrive"."_loader_columns" WHERE ("table_name" = :1 AND "field_key" = :2 AND "subfield" = :3) OR ' +
        '("table_name" = :4 AND "field_key" = :5 AND "subfield" = :6) OR ("table_name" = :7 AND "field_key" = :8 AND "subfield" = :9)',
      'INSERT INTO "pipedrive"."_loader_columns" ("table_name", "field_key", "subfield", "column_name", "field_name", "field_type", ' +
        '"first_seen_at", "last_seen_at") VALUES (:1, :2, :3, :4, :5, :6, :7, :8), (:9, :10, :11, :12, :13, :14, :15, :16), ' +
        '(:17, :18, :19, :20, :21, :22, :23, :24)',
      'COMMIT',
    ]);
    const insert = fake.queries.find((q) => String(q.body?.['sqlText']).startsWith('INSERT INTO "pipedrive"."_loader_columns"'));
    expect(Object.keys(insert?.body?.['bindings'] as Bindings)).toHaveLength(24);
    expect((insert?.body?.['bindings'] as Bindings)['18']).toEqual({ type: 'TEXT', value: 'c3' });
  });

  it('writes JSON run stats through PARSE_JSON in INSERT … SELECT (no expression may stand in VALUES)', async () => {
    const client = await opened();
    const store = new StateStore(client, 'pipedrive');
    fake.configure({
      respond: (sql) => (sql.startsWith('SELECT "started_at"') ? { columns: [{ name: 'started_at', type: 'text' }], rows: [['2024-01-01T00:00:00Z']] } : undefined),
    });
    await store.finishRun('load-1', { status: 'succeeded', streams: [], requests: 1, tokens: 2 }, '2024-01-01T00:01:00Z');
    await client.close();
    const insert = statementsAfterOpen().find((sql) => sql.startsWith('INSERT INTO "pipedrive"."_loader_runs"'));
    expect(insert).toBe(
      'INSERT INTO "pipedrive"."_loader_runs" ("load_id", "started_at", "finished_at", "status", "streams", "requests", "tokens", "error") ' +
        'SELECT :1, :2, :3, :4, PARSE_JSON(:5), :6, :7, :8',
    );
  });
});

describe('errors from the server', () => {
  it('turns a SQL compilation error into a terminal error that keeps a sanitized cause', async () => {
    const client = await opened();
    fake.configure({
      respond: (sql) =>
        sql === 'SELEC 1' ? { error: { code: '001003', sqlState: '42000', message: "SQL compilation error:\nsyntax error line 1 at position 0 unexpected 'SELEC'." } } : undefined,
    });
    const error = await client.execute('SELEC 1').catch((e: unknown) => e);
    await client.close();
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/syntax error line 1.*error 001003, SQLSTATE 42000/s);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(((error as Error).cause as Error & { code?: string }).code).toBe('001003');
  });

  it('turns missing grants into a terminal error with what to grant', async () => {
    const client = await opened();
    fake.configure({
      respond: (sql) =>
        sql.startsWith('CREATE SCHEMA')
          ? { error: { code: '003001', sqlState: '42501', message: "SQL access control error:\nInsufficient privileges to operate on database 'ANALYTICS'" } }
          : undefined,
    });
    const error = await client.execute(client.dialect.createSchema('pipedrive')[0] ?? '').catch((e: unknown) => e);
    await client.close();
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/Insufficient privileges.*CREATE SCHEMA on the database/s);
  });

  it('turns a lock timeout into a transient error', async () => {
    const client = await opened();
    fake.configure({
      respond: (sql) =>
        sql.startsWith('MERGE')
          ? { error: { code: '000625', sqlState: '57014', message: 'Statement 01b8 has locked table DEALS in transaction 1 and this lock has not yet been released.' } }
          : undefined,
    });
    await expect(client.execute('MERGE INTO x')).rejects.toBeInstanceOf(WarehouseTransientError);
    await client.close();
  });

  it('retries a 503 from the service (the SDK does) and then succeeds', async () => {
    const client = await opened();
    fake.failNextQueries(503);
    await client.execute('INSERT INTO "s"."t" VALUES (1)');
    await client.close();
    const attempts = fake.queries.filter((q) => q.body?.['sqlText'] === 'INSERT INTO "s"."t" VALUES (1)');
    expect(attempts).toHaveLength(2);
    // The same request, retried: same requestId, with the SDK's retry counter.
    expect(attempts[1]?.query.get('requestId')).toBe(attempts[0]?.query.get('requestId'));
    expect(attempts[1]?.query.get('retryCount')).toBe('1');
  });
});

// Last in the file (tests run in order): every socket of every test above went to loopback.
describe('network', () => {
  it('opened sockets only to 127.0.0.1 (no Snowflake host, OCSP or telemetry endpoint elsewhere)', () => {
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) expect(socket.remote ?? '127.0.0.1').toBe('127.0.0.1');
    expect(sockets.filter((socket) => socket.host !== undefined && socket.host !== '127.0.0.1')).toEqual([]);
  });
});
