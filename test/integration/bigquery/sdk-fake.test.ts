/**
 * The BigQuery adapter driving the real @google-cloud/bigquery SDK against a fake REST API on
 * 127.0.0.1 (fake-server.ts), through the SDK's `apiEndpoint` (the profile's `api_endpoint`).
 * Credentials are the profile's own `method: oauth-secrets` with a static token, so the real
 * auth path runs without a token exchange. Asserts on what the adapter sends, and on how the
 * fake's failures become the project's errors. Every socket opened must go to loopback.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bigqueryAdapter } from '../../../adapters/bigquery/index.js';
import type { WarehouseClient } from '../../../adapters/types.js';
import { WarehouseTerminalError, WarehouseTransientError } from '../../../src/errors.js';
import { upsertBatch } from '../../../src/load/upsert.js';
import { StateStore } from '../../../src/state/store.js';
import { migrate } from '../../../migrations/index.js';
import type { TargetConfig } from '../../../src/config/target.js';
import type { ColumnSpec } from '../../../src/schema/types.js';
import { FakeBigQuery, type QueryOutcome } from './fake-server.js';

const TOKEN = 'ya29.fake-access-token-never-printed';

// Every outgoing connection of this test process, to prove nothing leaves loopback.
const connections: string[] = [];
const originalConnect = net.Socket.prototype.connect;
beforeAll(() => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const [first, second] = args;
    // Node's own callers pass the normalized [options, callback] array as the first argument.
    const options = Array.isArray(first) ? first[0] : first;
    const host = typeof options === 'object' && options !== null ? (options as { host?: string; path?: string }).host ?? (options as { path?: string }).path : second;
    connections.push(String(host ?? 'localhost'));
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});
afterAll(() => {
  net.Socket.prototype.connect = originalConnect;
  expect(connections.length).toBeGreaterThan(0);
  expect(connections.filter((host) => !['127.0.0.1', 'localhost', '::1'].includes(host))).toEqual([]);
});

const fake = new FakeBigQuery();
beforeAll(() => fake.start());
afterAll(() => fake.stop());

let client: WarehouseClient;
const target = (extra: Record<string, unknown> = {}): TargetConfig => ({
  type: 'bigquery',
  name: 'fake',
  settings: {
    method: 'oauth-secrets',
    token: TOKEN,
    project: 'test-proj',
    location: 'EU',
    priority: 'batch',
    maximum_bytes_billed: 1_000_000_000,
    job_execution_timeout_seconds: 300,
    job_retries: 1,
    api_endpoint: fake.url,
    ...extra,
  },
  secrets: [TOKEN],
});

beforeEach(async () => {
  fake.requests.length = 0;
  fake.onQuery = () => ({});
  fake.onLoad = () => undefined;
  client = bigqueryAdapter.createClient(target());
  await client.open();
});
afterEach(() => client.close());

describe('BigQuery adapter against a fake REST API', () => {
  it('runs a parameterised query as a job with the profile options, and decodes the rows', async () => {
    fake.onQuery = () => ({
      schema: {
        fields: [
          { name: 'id', type: 'INTEGER' },
          { name: 'ts', type: 'TIMESTAMP' },
          { name: 'n', type: 'NUMERIC' },
          { name: 'tags', type: 'STRING', mode: 'REPEATED' },
          { name: 'j', type: 'JSON' },
          { name: 'b', type: 'BOOLEAN' },
          { name: 'f', type: 'FLOAT' },
          { name: 'd', type: 'DATE' },
          { name: 't', type: 'TIME' },
          { name: 's', type: 'STRING' },
        ],
      },
      rows: [
        {
          f: [
            { v: '9007199254740993' },
            { v: '1719812793123456' },
            { v: '99.500' },
            { v: [{ v: 'a' }, { v: 'b' }] },
            { v: '{"k":1}' },
            { v: 'true' },
            { v: '1.5E-300' },
            { v: '0001-01-01' },
            { v: '23:59:58' },
            { v: null },
          ],
        },
      ],
    });
    const sql = 'SELECT * FROM `test-proj`.`ds`.`t` WHERE `id` = ? AND `s` = ?';
    const rows = await client.query(sql, [9007199254740993n, "x'); DROP TABLE t; --", null, true, 1.5, 7]);
    expect(rows).toEqual([
      {
        id: 9007199254740993n,
        ts: '2024-07-01T05:46:33.123456Z',
        n: '99.5',
        tags: ['a', 'b'],
        j: '{"k":1}',
        b: true,
        f: 1.5e-300,
        d: '0001-01-01',
        t: '23:59:58',
        s: null,
      },
    ]);
    const [job] = fake.queryJobs();
    expect(job?.sql).toBe(sql);
    expect(job?.config).toMatchObject({
      useLegacySql: false,
      priority: 'BATCH',
      maximumBytesBilled: '1000000000',
      parameterMode: 'POSITIONAL',
      queryParameters: [
        { parameterType: { type: 'INT64' }, parameterValue: { value: '9007199254740993' } },
        { parameterType: { type: 'STRING' }, parameterValue: { value: "x'); DROP TABLE t; --" } },
        { parameterType: { type: 'STRING' }, parameterValue: { value: null } },
        { parameterType: { type: 'BOOL' }, parameterValue: { value: 'true' } },
        { parameterType: { type: 'FLOAT64' }, parameterValue: { value: '1.5' } },
        { parameterType: { type: 'INT64' }, parameterValue: { value: '7' } },
      ],
    });
    expect(job?.job).toMatchObject({
      jobReference: { projectId: 'test-proj', location: 'EU' },
      configuration: { jobTimeoutMs: '300000', labels: { tool: 'pipedrive-loader' } },
    });
    // The static token of the profile is what authenticates every request.
    for (const request of fake.requests) expect(request.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    const results = fake.requests.find((r) => r.path.includes('/queries/'));
    expect(results?.query).toMatchObject({ location: 'EU', 'formatOptions.useInt64Timestamp': 'true' });
  });

  it('stages a batch with a load job and merges it in a session transaction, dropping staging after COMMIT', async () => {
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'bigint' },
      { name: 'title', type: 'string' },
      { name: 'update_time', type: 'timestamp' },
      { name: 'labels', type: 'string_list' },
      { name: 'extra', type: 'json' },
      { name: 'value', type: 'decimal' },
    ];
    fake.onQuery = (sql) => {
      if (sql.includes('AS `matched`')) {
        const fields = ['keys', 'matched', 'updated'].map((name) => ({ name, type: 'INTEGER' }));
        return { schema: { fields }, rows: [{ f: [{ v: '2' }, { v: '1' }, { v: '1' }] }] };
      }
      return {};
    };
    const deals = { schema: 'pipedrive', name: 'deals' };
    const result = await upsertBatch(
      client,
      {
        target: deals,
        columns,
        rows: [
          { id: 1, title: 'a\u0000b "q"\nline', update_time: '2024-01-01T00:00:00Z', labels: ['x', 'y'], extra: '{"k":\n[1]}', value: '12345678901234567890.123456789' },
          { id: 9007199254740993n, title: null, update_time: '2024-01-02T00:00:00.5Z', labels: [], value: 1 },
        ],
        primaryKey: ['id'],
        newestBy: 'update_time',
      },
      (session) => session.execute('DELETE FROM `test-proj`.`pipedrive`.`_loader_state` WHERE `stream` = ?', ['deals']),
    );
    expect(result).toEqual({ inserted: 1, updated: 1, unchanged: 0 });
    // One count query; JSON and ARRAY values compared as JSON text (BigQuery compares neither directly).
    const counts = fake.queryJobs().filter((job) => job.sql.includes('AS `matched`'));
    expect(counts).toHaveLength(1);
    const countSql = counts[0]?.sql ?? '';
    expect(countSql).toContain('TO_JSON_STRING(s.`labels`) IS DISTINCT FROM TO_JSON_STRING(t.`labels`)');
    expect(countSql).toContain('TO_JSON_STRING(s.`extra`) IS DISTINCT FROM TO_JSON_STRING(t.`extra`)');
    expect(countSql).toContain('s.`title` IS DISTINCT FROM t.`title`');

    // The staging table: created with a schema and an expiry, then filled by one load job.
    const created = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/datasets/pipedrive/tables'));
    const tableId = String((created?.json?.['tableReference'] as { tableId: string }).tableId);
    expect(tableId).toMatch(/^_loader_staging_deals_[0-9a-f]{8}_1$/);
    expect(Number(created?.json?.['expirationTime'])).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    const [upload] = fake.uploads();
    expect(upload?.query['uploadType']).toBe('multipart');
    expect(upload?.json).toMatchObject({
      jobReference: { projectId: 'test-proj', location: 'EU' },
      configuration: {
        load: {
          destinationTable: { projectId: 'test-proj', datasetId: 'pipedrive', tableId },
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          createDisposition: 'CREATE_NEVER',
          writeDisposition: 'WRITE_TRUNCATE',
          maxBadRecords: 0,
          schema: {
            fields: [
              { name: 'id', type: 'INT64', mode: 'NULLABLE' },
              { name: 'title', type: 'STRING', mode: 'NULLABLE' },
              { name: 'update_time', type: 'TIMESTAMP', mode: 'NULLABLE' },
              { name: 'labels', type: 'STRING', mode: 'REPEATED' },
              { name: 'extra', type: 'JSON', mode: 'NULLABLE' },
              { name: 'value', type: 'NUMERIC', mode: 'NULLABLE' },
              { name: '_loader_staging_row', type: 'INT64', mode: 'NULLABLE' },
            ],
          },
        },
      },
    });
    expect(upload?.upload).toBe(
      '{"id":"1","title":"ab \\"q\\"\\nline","update_time":"2024-01-01 00:00:00Z","labels":["x","y"],"extra":{"k": [1]},' +
        '"value":"12345678901234567890.123456789","_loader_staging_row":"0"}\n' +
        '{"id":"9007199254740993","update_time":"2024-01-02 00:00:00.5Z","labels":[],"value":"1","_loader_staging_row":"1"}\n',
    );

    // The transaction: BEGIN opens the session, every statement runs in it, COMMIT, then the
    // session ends and the staging table is dropped outside it.
    const jobs = fake.queryJobs();
    const session = (config: Record<string, unknown>) => (config['connectionProperties'] as { key: string; value: string }[] | undefined)?.[0];
    const prefixes = [
      'BEGIN TRANSACTION',
      'SELECT COUNT(*) AS `keys`, COUNT(t.`id`) AS `matched`, SUM(CASE WHEN',
      'MERGE `test-proj`.`pipedrive`.`deals` AS t',
      'DELETE FROM `test-proj`.`pipedrive`.`_loader_state`',
      'COMMIT TRANSACTION',
      'CALL BQ.ABORT_SESSION()',
      `DROP TABLE \`test-proj\`.\`pipedrive\`.\`${tableId}\``,
    ];
    expect(jobs.map((job, index) => (job.sql.startsWith(prefixes[index] ?? '\u0000') ? prefixes[index] : job.sql))).toEqual(prefixes);
    expect(jobs[0]?.config['createSession']).toBe(true);
    expect(session(jobs[0]?.config ?? {})).toBeUndefined();
    for (const job of jobs.slice(1, 6)) expect(session(job.config)).toEqual({ key: 'session_id', value: 'fake-session-1' });
    expect(session(jobs[6]?.config ?? {})).toBeUndefined();
    expect(jobs[3]?.config['queryParameters']).toEqual([{ parameterType: { type: 'STRING' }, parameterValue: { value: 'deals' } }]);
    expect(jobs[2]?.sql).toContain('WHEN MATCHED AND (t.`update_time` IS NULL OR s.`update_time` >= t.`update_time`) THEN');
    for (const job of jobs) expect(job.job).toMatchObject({ jobReference: { location: 'EU' } });
  });

  it('rolls back and ends the session when the work fails, passing the caller error unchanged', async () => {
    const boom = new Error('bookmark write failed');
    await expect(
      client.transaction(async (session) => {
        await session.execute('DELETE FROM `test-proj`.`d`.`t` WHERE TRUE');
        throw boom;
      }),
    ).rejects.toBe(boom);
    const jobs = fake.queryJobs();
    expect(jobs.map((job) => job.sql)).toEqual(['BEGIN TRANSACTION', 'DELETE FROM `test-proj`.`d`.`t` WHERE TRUE', 'ROLLBACK TRANSACTION', 'CALL BQ.ABORT_SESSION()']);
    expect(jobs.slice(1).every((job) => JSON.stringify(job.config['connectionProperties']).includes('fake-session'))).toBe(true);
  });

  it('turns a failed query job into a terminal error with the job message and no secrets', async () => {
    fake.onQuery = () => ({ fail: { reason: 'invalidQuery', location: 'query', message: 'Syntax error: Expected end of input but got identifier "SELEC" at [1:1]' } });
    const error = (await client.execute('SELEC 1').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect(error.message).toMatch(/Syntax error: Expected end of input/);
    expect(error.message).toMatch(/syntax error/);
    expect(error.message).toContain('BigQuery project test-proj, location EU');
    expect(error.message).toContain('HTTP 400, invalidQuery');
    expect(error.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(error.cause)).not.toContain(TOKEN);
    expect(`${error.message} ${String(error.stack)}`).not.toContain(TOKEN);
    // A failed job is not rerun: it is not transient.
    expect(fake.queryJobs()).toHaveLength(1);
  });

  it('reports 401 as a terminal error pointing at the credentials, without the token', async () => {
    fake.inject({ match: (r) => r.method === 'POST', status: 401, errors: [{ reason: 'unauthorized', message: 'Request had invalid authentication credentials.' }] });
    const error = (await client.query('SELECT 1').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('Check `method` and its credentials');
    expect(error.message).not.toContain(TOKEN);
  });

  it('reports 403 quotaExceeded as transient and 403 accessDenied as terminal', async () => {
    fake.inject({ match: (r) => r.method === 'POST', status: 403, errors: [{ reason: 'quotaExceeded', message: 'Quota exceeded: Your project exceeded quota for concurrent queries.' }] });
    const quota = (await client.query('SELECT 1').catch((e: unknown) => e)) as Error;
    expect(quota).toBeInstanceOf(WarehouseTransientError);
    expect(quota.message).toMatch(/Quota exceeded/);
    fake.inject({ match: (r) => r.method === 'POST', status: 403, errors: [{ reason: 'accessDenied', message: 'Access Denied: Project test-proj: User does not have bigquery.jobs.create permission' }] });
    const denied = (await client.query('SELECT 1').catch((e: unknown) => e)) as Error;
    expect(denied).toBeInstanceOf(WarehouseTerminalError);
    expect(denied.message).toContain('BigQuery Job User');
  });

  it('retries a 500 on jobs.insert with the same job id, then succeeds', async () => {
    fake.inject({ match: (r) => r.method === 'POST', status: 500, errors: [{ reason: 'backendError', message: 'Backend error' }] });
    fake.onQuery = () => ({ schema: { fields: [{ name: 'one', type: 'INTEGER' }] }, rows: [{ f: [{ v: '1' }] }] });
    expect(await client.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const inserts = fake.requests.filter((r) => r.method === 'POST');
    expect(inserts).toHaveLength(2);
    const ids = inserts.map((r) => (r.json?.['jobReference'] as { jobId: string }).jobId);
    expect(ids[0]).toBe(ids[1]);
  });

  it('reruns, as a new job, a job that failed with a transient reason (job_retries)', async () => {
    let calls = 0;
    fake.onQuery = (): QueryOutcome => ((calls += 1) === 1 ? { fail: { reason: 'backendError', message: 'Backend error, job aborted' } } : {});
    await client.execute('UPDATE `test-proj`.`d`.`t` SET `a` = ? WHERE TRUE', [1]);
    const ids = fake.queryJobs().map((job) => (job.job['jobReference'] as { jobId: string }).jobId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('fails a wrong-typed cell before anything is sent, naming the column', async () => {
    const columns: ColumnSpec[] = [{ name: 'id', type: 'bigint' }, { name: 'c_bigint', type: 'bigint' }];
    const error = (await client.writeStaging({ schema: 'ds', name: 't' }, columns, [{ id: 1 }, { id: 2, c_bigint: 1.5 }]).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect(error.message).toMatch(/c_bigint/);
    expect(fake.requests).toEqual([]);
  });

  it('surfaces a failed load job with its row errors as a terminal error', async () => {
    fake.onLoad = () => ({ reason: 'invalid', message: "Error while reading data, error message: JSON parsing error in row starting at position 0: Could not convert value to timestamp. Field: c_ts; Value: 'x'" });
    const error = (await client
      .writeStaging({ schema: 'ds', name: 't' }, [{ name: 'c_ts', type: 'string' }], [{ c_ts: 'x' }])
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect(error.message).toContain('load job');
    expect(error.message).toContain('Field: c_ts');
    expect(error.message).not.toContain(TOKEN);
  });

  it('describes a dataset from INFORMATION_SCHEMA, hiding staging tables; an absent dataset is empty', async () => {
    fake.onQuery = () => ({
      schema: { fields: ['table_name', 'column_name', 'data_type'].map((name) => ({ name, type: 'STRING' })) },
      rows: [
        ['deals', 'id', 'INT64'],
        ['deals', 'labels', 'ARRAY<STRING>'],
        ['deals', 'value', 'NUMERIC(38, 9)'],
        ['_loader_staging_deals_ab12cd34_1', 'id', 'INT64'],
        ['notes', 'at', 'TIMESTAMP'],
      ].map((row) => ({ f: row.map((v) => ({ v })) })),
    });
    const tables = await client.describeSchema('pipedrive');
    expect(Object.fromEntries(tables)).toEqual({
      deals: [
        { name: 'id', type: 'bigint' },
        { name: 'labels', type: 'string_list' },
        { name: 'value', type: 'decimal' },
      ],
      notes: [{ name: 'at', type: 'timestamp' }],
    });
    expect(fake.queryJobs()[0]?.sql).toBe('SELECT table_name, column_name, data_type FROM `test-proj`.`pipedrive`.INFORMATION_SCHEMA.COLUMNS\nORDER BY table_name, ordinal_position');
    fake.onQuery = () => ({ fail: { reason: 'notFound', message: 'Not found: Dataset test-proj:absent was not found in location EU' } });
    expect((await client.describeSchema('absent')).size).toBe(0);
  });

  it('creates a dataset with the job in the profile location and describes the target without secrets', async () => {
    for (const sql of client.dialect.createSchema('pipedrive')) await client.execute(sql);
    const [job] = fake.queryJobs();
    expect(job?.sql).toBe('CREATE SCHEMA IF NOT EXISTS `test-proj`.`pipedrive`');
    expect(job?.job).toMatchObject({ jobReference: { location: 'EU' } });
    expect(client.describeTarget()).toBe('BigQuery project test-proj, location EU');
  });

  it('migrates the loader tables outside transactions (ddlInTransaction: false), binding every value', async () => {
    await migrate(client, 'pipedrive');
    const jobs = fake.queryJobs();
    expect(jobs.map((job) => job.sql.split('\n')[0])).toEqual([
      'CREATE SCHEMA IF NOT EXISTS `test-proj`.`pipedrive`',
      'CREATE TABLE IF NOT EXISTS `test-proj`.`pipedrive`.`_loader_migrations` (',
      'SELECT `version` AS `version` FROM `test-proj`.`pipedrive`.`_loader_migrations`',
      'CREATE TABLE IF NOT EXISTS `test-proj`.`pipedrive`.`_loader_state` (',
      'CREATE TABLE IF NOT EXISTS `test-proj`.`pipedrive`.`_loader_runs` (',
      'CREATE TABLE IF NOT EXISTS `test-proj`.`pipedrive`.`_loader_columns` (',
      'INSERT INTO `test-proj`.`pipedrive`.`_loader_migrations` (`version`, `name`, `applied_at`) VALUES (?, ?, ?)',
      'CREATE TABLE IF NOT EXISTS `test-proj`.`pipedrive`.`_loader_rejects` (',
      'INSERT INTO `test-proj`.`pipedrive`.`_loader_migrations` (`version`, `name`, `applied_at`) VALUES (?, ?, ?)',
      'ALTER TABLE `test-proj`.`pipedrive`.`_loader_runs`',
      'INSERT INTO `test-proj`.`pipedrive`.`_loader_migrations` (`version`, `name`, `applied_at`) VALUES (?, ?, ?)',
    ]);
    // No statement ran in a session: BigQuery refuses DDL inside transactions.
    expect(jobs.every((job) => job.config['connectionProperties'] === undefined && job.config['createSession'] === undefined)).toBe(true);
    expect(jobs[6]?.config['queryParameters']).toEqual([
      { parameterType: { type: 'INT64' }, parameterValue: { value: '1' } },
      { parameterType: { type: 'STRING' }, parameterValue: { value: 'loader_tables' } },
      { parameterType: { type: 'STRING' }, parameterValue: { value: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) } },
    ]);
    expect(jobs[3]?.sql).toContain('PRIMARY KEY (`stream`) NOT ENFORCED');
  });

  it('runs every statement where it is issued; a failed merge still drops its staging table, after the session', async () => {
    const deals = { schema: 'pipedrive', name: 'deals' };
    const staging = await client.writeStaging(deals, [{ name: 'id', type: 'bigint' }], [{ id: 1 }, { id: 2 }]);
    fake.requests.length = 0;
    // The client reads no SQL: a DROP sent into the session goes there, where BigQuery refuses it
    // (fake-rules.ts, ddlInTransaction), so the transaction fails and rolls back.
    const drop = `DROP TABLE ${client.dialect.qualify(staging)}`;
    await expect(client.transaction((session) => session.execute(drop))).rejects.toThrow(/not supported inside a transaction/);
    const where = (config: Record<string, unknown>): string => (config['connectionProperties'] ? 'in session' : 'outside');
    expect(fake.queryJobs().map((job) => [job.sql, where(job.config)])).toEqual([
      ['BEGIN TRANSACTION', 'outside'],
      [drop, 'in session'],
      ['ROLLBACK TRANSACTION', 'in session'],
      ['CALL BQ.ABORT_SESSION()', 'in session'],
    ]);
    // The generic path: the plan's drop waits for the transaction's end, committed or not.
    fake.requests.length = 0;
    const failure = new Error('bookmark write failed');
    await expect(
      upsertBatch(client, { target: deals, columns: [{ name: 'id', type: 'bigint' }], rows: [{ id: 1 }], primaryKey: ['id'] }, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    const jobs = fake.queryJobs().map((job) => [job.sql.split('\n')[0], where(job.config)]);
    const tableId = String((fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/tables'))?.json?.['tableReference'] as { tableId: string }).tableId);
    expect(jobs).toEqual([
      ['BEGIN TRANSACTION', 'outside'],
      [expect.stringMatching(/^SELECT COUNT\(\*\)/), 'in session'],
      ['INSERT INTO `test-proj`.`pipedrive`.`deals` (`id`)', 'in session'],
      ['ROLLBACK TRANSACTION', 'in session'],
      ['CALL BQ.ABORT_SESSION()', 'in session'],
      [`DROP TABLE \`test-proj\`.\`pipedrive\`.\`${tableId}\``, 'outside'],
    ]);
  });

  it('writes the column map in one DELETE and one multi-row INSERT, binding each value once per `?`', async () => {
    const store = new StateStore(client, 'pipedrive');
    const mapping = (key: string) => ({
      table_name: 'deals',
      field_key: key,
      subfield: key === 'b2' ? 'currency' : '',
      column_name: `c_${key}`,
      field_name: `Field ${key}`,
      field_type: 'monetary',
      first_seen_at: '2024-01-01T00:00:00Z',
      last_seen_at: '2024-01-02T00:00:00Z',
    });
    await client.transaction((session) => store.saveColumnMappings(session, ['a1', 'b2'].map(mapping)));
    const jobs = fake.queryJobs();
    expect(jobs.map((job) => job.sql)).toEqual([
      'BEGIN TRANSACTION',
      'DELETE FROM `test-proj`.`pipedrive`.`_loader_columns` WHERE (`table_name` = ? AND `field_key` = ? AND `subfield` = ?) OR ' +
        '(`table_name` = ? AND `field_key` = ? AND `subfield` = ?)',
      'INSERT INTO `test-proj`.`pipedrive`.`_loader_columns` (`table_name`, `field_key`, `subfield`, `column_name`, `field_name`, `field_type`, ' +
        '`first_seen_at`, `last_seen_at`) VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)',
      'COMMIT TRANSACTION',
      'CALL BQ.ABORT_SESSION()',
    ]);
    const values = (index: number) => (jobs[index]?.config['queryParameters'] as { parameterValue: { value: unknown } }[]).map((p) => p.parameterValue.value);
    expect(values(1)).toEqual(['deals', 'a1', '', 'deals', 'b2', 'currency']);
    expect(values(2)).toHaveLength(16);
    expect(values(2).slice(8, 11)).toEqual(['deals', 'b2', 'currency']);
  });

  it('runs jobs in execution_project while naming tables in the data project', async () => {
    const billed = bigqueryAdapter.createClient(target({ execution_project: 'billing-proj', priority: 'interactive' }));
    await billed.open();
    await billed.execute(`DELETE FROM ${billed.dialect.qualify({ schema: 'pipedrive', name: 'deals' })} WHERE TRUE`);
    await billed.close();
    const [insert] = fake.requests.filter((r) => r.method === 'POST');
    expect(insert?.path).toBe('/bigquery/v2/projects/billing-proj/jobs');
    expect(fake.queryJobs()[0]?.sql).toBe('DELETE FROM `test-proj`.`pipedrive`.`deals` WHERE TRUE');
    expect(fake.queryJobs()[0]?.config['priority']).toBe('INTERACTIVE');
    expect(billed.describeTarget()).toBe('BigQuery project test-proj, location EU, jobs in billing-proj');
  });

  it('reads every page of a large result', async () => {
    fake.onQuery = () => ({
      schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
      rows: Array.from({ length: 5 }, (_, i) => ({ f: [{ v: String(i + 1) }] })),
      pageSize: 2,
    });
    expect(await client.query('SELECT `id` FROM `test-proj`.`d`.`t` ORDER BY `id`')).toEqual([1, 2, 3, 4, 5].map((id) => ({ id })));
    const pages = fake.requests.filter((r) => r.path.includes('/queries/'));
    expect(pages.map((r) => r.query['pageToken'])).toEqual([undefined, '2', '4']);
  });

  it('opened sockets only to the fake server on loopback', () => {
    expect(connections.length).toBeGreaterThan(0);
    expect(new Set(connections)).toEqual(new Set(['127.0.0.1']));
  });
});
