/**
 * Commit units on Snowflake (adapters/snowflake/staging-file.ts), driven through the REAL
 * snowflake-sdk against the local fake (fake-snowflake.ts, fake-stage.ts): batches appended to a
 * gzipped CSV file, then one PUT (the SDK uploads the file itself) and one COPY INTO, and the
 * merge of the whole unit with its state in one transaction.
 */
import snowflake from 'snowflake-sdk';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SnowflakeClient } from '../../../adapters/snowflake/index.js';
import type { TargetConfig } from '../../../src/config/target.js';
import { mergeStaged } from '../../../src/load/upsert.js';
import type { ColumnSpec, Row } from '../../../src/schema/types.js';
import { FakeSnowflake } from './fake-snowflake.js';

const TARGET: TargetConfig = {
  type: 'snowflake',
  name: 'fake',
  settings: { account: 'xy12345', user: 'loader', password: 'fake-password', database: 'analytics', warehouse: 'loading' },
  secrets: [],
};
const deals = { schema: 'pipedrive', name: 'deals' };
const columns: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'update_time', type: 'timestamp' },
  { name: 'labels', type: 'string_list' },
];

let fake: FakeSnowflake;
let client: SnowflakeClient;

beforeAll(() => {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
  snowflake.configure({ disableOCSPChecks: true, logLevel: 'OFF' });
});

beforeEach(async () => {
  fake = new FakeSnowflake();
  await fake.start();
  client = new SnowflakeClient(TARGET, { accessUrl: fake.url });
  await client.open();
});

afterEach(async () => {
  await client.close();
  await fake.stop();
});

const sent = (): string[] => fake.statements.filter((sql) => !sql.startsWith('ALTER SESSION') && !sql.includes('CURRENT_DATABASE()'));

describe('Snowflake commit units staged through a file', () => {
  it('declares unit sizing, and stages many batches with one PUT and one COPY, every value as a batch would bind it', async () => {
    expect(client.batchSizing?.unit?.maxRows).toBeGreaterThanOrEqual(10_000);
    const file = await client.openStagingFile(deals, columns);
    const first: Row[] = [
      { id: 1, title: 'say "hi",\nthen go', update_time: '2024-01-01T00:00:00Z', labels: ['a', 'b'] },
      { id: 2, title: '', update_time: null, labels: [] },
    ];
    const second: Row[] = [{ id: 1, title: null, update_time: '2024-01-02T00:00:00Z', labels: null }];
    await file.append(first);
    await file.append(second);
    expect(file.rows).toBe(3);
    expect(sent()).toEqual([]); // appending is local: nothing reaches Snowflake before load()
    const staging = await file.load();
    await file.discard();

    const statements = sent();
    expect(statements.map((sql) => sql.split(' ').slice(0, 2).join(' '))).toEqual([
      'CREATE TEMPORARY',
      "PUT 'file://",
      'CREATE OR',
      'COPY INTO',
      'CREATE OR',
      'DROP TABLE',
    ].map((start) => (start.startsWith('PUT') ? expect.stringMatching(/^PUT 'file:\/\//) : start)));
    expect(statements[1]).toMatch(/^PUT 'file:\/\/.+\/unit\.csv\.gz' @"pipedrive"\."_loader_stage"\/_loader_staging_1\/ AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP/);
    expect(statements[3]).toContain('FROM @"pipedrive"."_loader_stage"/_loader_staging_1/');
    expect(statements[4]).toContain('PARSE_JSON("labels")::ARRAY');
    expect(staging).toEqual({ schema: 'pipedrive', name: '_loader_staging_1' });
    // What COPY read: quotes and newlines kept, '' apart from NULL, positions across batches.
    expect(fake.copied).toHaveLength(1);
    expect(fake.copied[0]?.records).toEqual([
      ['1', 'say "hi",\nthen go', '2024-01-01T00:00:00Z', '["a","b"]', '0'],
      ['2', '', null, '[]', '1'],
      ['1', null, '2024-01-02T00:00:00Z', null, '2'],
    ]);
    expect(fake.stats.loads).toBe(2); // the PUT and the COPY
  });

  it('merges a staged unit and its state in one transaction, then drops the staging table', async () => {
    const file = await client.openStagingFile(deals, columns);
    await file.append([{ id: 7, title: 'x', update_time: '2024-01-01T00:00:00Z', labels: [] }]);
    const staging = await file.load();
    await file.discard();
    const before = fake.statements.length;
    await mergeStaged(client, { target: deals, columns, primaryKey: ['id'], newestBy: 'update_time' }, staging, async (session) => {
      await session.execute('UPDATE "pipedrive"."_loader_state" SET "value" = ? WHERE "key" = ?', ['b', 'deals']);
    });
    const after = fake.statements.slice(before);
    expect(after[0]).toBe('BEGIN');
    expect(after.at(-2)).toBe('COMMIT');
    expect(after.at(-1)).toBe('DROP TABLE "pipedrive"."_loader_staging_1"');
    const merged = fake.transactions.at(-1)?.statements ?? [];
    expect(merged.some((sql) => /^(MERGE|INSERT) INTO "pipedrive"\."deals"/.test(sql))).toBe(true);
    expect(merged.some((sql) => sql.includes('_loader_state'))).toBe(true);
  });

  it('refuses to merge a unit the COPY did not load in full', async () => {
    const file = await client.openStagingFile(deals, columns);
    await file.append([{ id: 7, title: 'x', update_time: null, labels: [] }]);
    // COPY finds no file to load (as when its load metadata says the file was loaded before).
    fake.configure({ respond: (sql) => (sql.startsWith('COPY') ? { columns: [{ name: 'status', type: 'text' }], rows: [['Copy executed with 0 files processed.']] } : undefined) });
    await expect(file.load()).rejects.toThrow(/loaded 0 of the 1 staged rows/);
    await file.discard();
  });

  it('stages more rows than one INSERT takes (the deletes comparison of a large table) with one PUT and one COPY', async () => {
    const keys: ColumnSpec[] = [{ name: 'id', type: 'bigint' }];
    const rows: Row[] = Array.from({ length: 25_000 }, (_, index) => ({ id: index + 1 }));
    const staging = await client.writeStaging(deals, keys, rows);
    const statements = sent();
    expect(statements.filter((sql) => sql.startsWith('INSERT'))).toEqual([]);
    expect(statements.filter((sql) => /^(PUT|COPY INTO)\b/.test(sql))).toHaveLength(2);
    expect(fake.copied[0]?.records).toHaveLength(25_000);
    expect(fake.copied[0]?.records.at(-1)).toEqual(['25000', '24999']);
    expect(staging).toEqual({ schema: 'pipedrive', name: '_loader_staging_1' });
    // Its drop runs after the merge's transaction, as the dialect's plan says (DDL would commit it).
    const drop = client.dialect.dropStaging(staging);
    expect(drop.inTransaction).toEqual([]);
    expect(drop.afterTransaction).toEqual([expect.stringMatching(/^DROP TABLE .*"pipedrive"\."_loader_staging_1"$/)]);
  });
});
