/**
 * The fake Snowflake refuses what Snowflake refuses (or this loader must never send), and commits
 * an open transaction before DDL as Snowflake does. fake-rules.ts cites the documentation of each
 * rule. Driven through the adapter (SnowflakeClient) and the real snowflake-sdk.
 */
import snowflake from 'snowflake-sdk';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SnowflakeClient } from '../../../adapters/snowflake/index.js';
import { WarehouseTerminalError } from '../../../src/errors.js';
import { MAX_STATEMENT_BYTES } from './fake-rules.js';
import { FakeSnowflake } from './fake-snowflake.js';

let fake: FakeSnowflake;
let client: SnowflakeClient;

beforeAll(() => {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
  snowflake.configure({ disableOCSPChecks: true });
});

beforeEach(async () => {
  fake = new FakeSnowflake({ maxRequestBytes: 64 * 1024 });
  await fake.start();
  client = new SnowflakeClient(
    { type: 'snowflake', name: 'fake', settings: { account: 'xy12345', user: 'loader', password: 'pw-never-printed', database: 'analytics', warehouse: 'loading' }, secrets: [] },
    { accessUrl: fake.url },
  );
  await client.open();
});

afterEach(async () => {
  await client.close();
  await fake.stop();
});

describe('the fake does what Snowflake does', () => {
  it('DDL in an open transaction commits it first: a later ROLLBACK undoes nothing', async () => {
    await client.execute('BEGIN');
    await client.execute('INSERT INTO "s"."t" ("a") VALUES (?)', [1]);
    await client.execute('CREATE TABLE "s"."u" ("a" NUMBER(38,0))');
    await client.execute('ROLLBACK');
    // What the loader would get: the INSERT committed by the CREATE TABLE, and nothing rolled back.
    expect(fake.transactions).toEqual([{ statements: ['INSERT INTO "s"."t" ("a") VALUES (?)'], end: 'CREATE TABLE "s"."u" ("a" NUMBER(38,0))' }]);
    expect(fake.stats.ddlCommitsOfWrites).toBe(1);
    // The client runs statements as given (it reads no SQL): keeping DDL out of transactions is
    // the generic code's job (ddlInTransaction: false), and sdk-fake.test.ts checks after every
    // test that no transaction ended this way.
  });

  it('refuses statement text over 1 MB', async () => {
    const fits = `SELECT 1 /*${'x'.repeat(MAX_STATEMENT_BYTES - 13)}*/`;
    expect(Buffer.byteLength(fits)).toBe(MAX_STATEMENT_BYTES);
    fake.configure({ keepRequests: false });
    await client.execute(fits);
    const error = await client.execute(`${fits} `).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/exceeds the 1 MB limit on query text size/);
  });

  it('refuses a request over the payload limit (lowered here to 64 KB from the documented 128 MB)', async () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => [String(i), 'x'.repeat(40)]);
    await client.execute('CREATE TEMPORARY TABLE "s"."t" ("a" NUMBER(38,0), "b" VARCHAR)');
    const error = await client.writeStaging({ schema: 's', name: 't' }, [{ name: 'a', type: 'bigint' }, { name: 'b', type: 'string' }], rows.map(([a, b]) => ({ a: Number(a), b: b ?? '' }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/exceeds the maximum payload size of a single request/);
  });

  it('refuses unknown column types, and accepts every type the adapter creates', async () => {
    await expect(client.execute('CREATE TABLE "s"."t" ("a" NUMBER(38,0), "b" INT64)')).rejects.toThrow(/Unsupported data type 'INT64'/);
    await expect(client.execute('ALTER TABLE "s"."t" ADD COLUMN IF NOT EXISTS "c" JSONB')).rejects.toThrow(/Unsupported data type 'JSONB'/);
    const types = ['bigint', 'string', 'decimal', 'double', 'boolean', 'timestamp', 'date', 'time', 'json', 'string_list'] as const;
    await client.writeStaging({ schema: 's', name: 't' }, types.map((type) => ({ name: `c_${type}`, type })), [{ c_bigint: 1 }]);
  });

  it('refuses a bind of an unknown type (sent raw: the SDK only sends types it knows)', async () => {
    const send = async (type: string): Promise<{ success: boolean; message: string | null }> => {
      const response = await fetch(`${fake.url}/queries/v1/query-request?requestId=r-${type}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Snowflake Token="fake-session-token"' },
        body: JSON.stringify({ sqlText: 'SELECT ?', bindings: { '1': { type, value: '1' } } }),
      });
      return (await response.json()) as { success: boolean; message: string | null };
    };
    expect(await send('FIXED')).toMatchObject({ success: true });
    expect(await send('INT64')).toMatchObject({ success: false, message: 'Unsupported bind type INT64 for bind variable 1.' });
  });
});
