/**
 * The fake BigQuery refuses what BigQuery refuses (fake-rules.ts cites the documentation of
 * each rule). Driven through the adapter and the real SDK where the adapter can reach the rule,
 * and with plain REST calls where only a misbehaving client could (a session used twice at once).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bigqueryAdapter } from '../../../adapters/bigquery/index.js';
import type { WarehouseClient } from '../../../adapters/types.js';
import { WarehouseTerminalError } from '../../../src/errors.js';
import { MAX_QUERY_CHARACTERS } from './fake-rules.js';
import { FakeBigQuery } from './fake-server.js';

const fake = new FakeBigQuery();
beforeAll(() => fake.start());
afterAll(() => fake.stop());

let client: WarehouseClient;
beforeEach(async () => {
  fake.requests.length = 0;
  client = bigqueryAdapter.createClient({
    type: 'bigquery',
    name: 'fake',
    settings: { method: 'oauth-secrets', token: 'static-token', project: 'p', location: 'EU', job_retries: 0, api_endpoint: fake.url },
    secrets: ['static-token'],
  });
  await client.open();
});
afterEach(() => client.close());

/** Inserts a query job with plain REST, as any client could; returns the job id. */
async function insertJob(sql: string, extra: Record<string, unknown> = {}): Promise<string> {
  const jobId = `job-${Math.random().toString(36).slice(2)}`;
  const response = await fetch(`${fake.url}/bigquery/v2/projects/p/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jobReference: { projectId: 'p', jobId }, configuration: { query: { query: sql, useLegacySql: false, ...extra } } }),
  });
  expect(response.status).toBe(200);
  return jobId;
}

/** The job's outcome as jobs.get reports it once DONE: its error message, or 'ok'. */
async function outcome(jobId: string): Promise<string> {
  const job = (await (await fetch(`${fake.url}/bigquery/v2/projects/p/jobs/${jobId}`)).json()) as { status: { errorResult?: { message: string } } };
  return job.status.errorResult?.message ?? 'ok';
}

describe('the fake refuses what BigQuery refuses', () => {
  it('DDL on a permanent table inside a transaction, but not outside one, nor on a temporary table', async () => {
    const create = 'CREATE TABLE `p`.`d`.`t` (`a` INT64)';
    const refused = await client.transaction((session) => session.execute(create)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WarehouseTerminalError);
    expect((refused as Error).message).toMatch(/CREATE TABLE is not supported inside a transaction/);
    for (const ddl of ['ALTER TABLE `p`.`d`.`t` ADD COLUMN `b` STRING', 'DROP TABLE `p`.`d`.`t`']) {
      await expect(client.transaction((session) => session.execute(ddl))).rejects.toThrow(/not supported inside a transaction/);
    }
    // Temporary tables are allowed in a transaction; permanent DDL outside one.
    await client.transaction(async (session) => {
      await session.execute('CREATE TEMP TABLE `scratch` (`a` INT64)');
      await session.execute('DROP TABLE `scratch`');
    });
    await client.execute(create);
    await client.execute('DROP TABLE `p`.`d`.`t`');
  });

  it('a second query in a session while its first one is still running', async () => {
    const begin = await insertJob('BEGIN TRANSACTION', { createSession: true });
    const job = (await (await fetch(`${fake.url}/bigquery/v2/projects/p/jobs/${begin}`)).json()) as { statistics: { sessionInfo: { sessionId: string } } };
    const session = { connectionProperties: [{ key: 'session_id', value: job.statistics.sessionInfo.sessionId }] };
    const first = await insertJob('UPDATE `p`.`d`.`t` SET `a` = 1 WHERE TRUE', session);
    // The first query has not been seen finished: the session is busy.
    const second = await insertJob('UPDATE `p`.`d`.`t` SET `a` = 2 WHERE TRUE', session);
    expect(await outcome(second)).toMatch(/concurrent queries are not allowed within a session/);
    expect(await outcome(first)).toBe('ok');
    // Once a client has seen it finish, the session takes the next query.
    const third = await insertJob('COMMIT TRANSACTION', session);
    expect(await outcome(third)).toBe('ok');
  });

  it('a query longer than 1,024K characters', async () => {
    const fits = `SELECT 1 /*${'x'.repeat(MAX_QUERY_CHARACTERS - 13)}*/`;
    expect(fits.length).toBe(MAX_QUERY_CHARACTERS);
    await client.execute(fits);
    const error = await client.execute(`${fits} `).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/The query is too large\. The maximum standard SQL query length is 1024\.00K characters/);
  });

  it('unknown types in a column definition, a query parameter, a table resource and a load schema', async () => {
    await expect(client.execute('CREATE TABLE `p`.`d`.`t` (`a` INT64, `b` VARCHAR)')).rejects.toThrow(/VARCHAR is not a valid value/);
    await expect(client.execute('ALTER TABLE `p`.`d`.`t` ADD COLUMN IF NOT EXISTS `c` DOUBLE')).rejects.toThrow(/DOUBLE is not a valid value/);
    await client.execute('CREATE TABLE `p`.`d`.`t` (`a` INT64 NOT NULL, `b` ARRAY<STRING>, `c` NUMERIC(38, 9), PRIMARY KEY (`a`) NOT ENFORCED) CLUSTER BY `a`');
    const parameter = await insertJob('SELECT ?', { parameterMode: 'POSITIONAL', queryParameters: [{ parameterType: { type: 'VARCHAR' }, parameterValue: { value: 'x' } }] });
    expect(await outcome(parameter)).toMatch(/VARCHAR is not a valid value/);
    const table = await fetch(`${fake.url}/bigquery/v2/projects/p/datasets/d/tables`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tableReference: { projectId: 'p', datasetId: 'd', tableId: 't' }, schema: { fields: [{ name: 'a', type: 'INT' }] } }),
    });
    expect(table.status).toBe(400);
    expect(JSON.stringify(await table.json())).toMatch(/INT is not a valid value/);
    // The adapter's own staging schema passes (every logical type once).
    const types = ['bigint', 'string', 'decimal', 'double', 'boolean', 'timestamp', 'date', 'time', 'json', 'string_list'] as const;
    await client.writeStaging({ schema: 'd', name: 't' }, types.map((type) => ({ name: `c_${type}`, type })), [{ c_bigint: 1 }]);
  });
});
