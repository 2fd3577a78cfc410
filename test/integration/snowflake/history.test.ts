/**
 * History mode through the real snowflake-sdk against the recording fake: the history's staging
 * table is written before the transaction (CREATE would commit it), and its statements run
 * between BEGIN and COMMIT with the merge and the bookmark, its DROP deferred after COMMIT.
 */
import snowflake from 'snowflake-sdk';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SnowflakeClient } from '../../../adapters/snowflake/index.js';
import { historyBatch } from '../../helpers/history-batch.js';
import { FakeSnowflake } from './fake-snowflake.js';

let fake: FakeSnowflake;

beforeAll(() => {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
  snowflake.configure({ disableOCSPChecks: true });
});
beforeEach(async () => {
  fake = new FakeSnowflake();
  await fake.start();
});
afterEach(async () => fake.stop());

describe('history mode on Snowflake', () => {
  it('stages the versions first, then writes them in the batch transaction, and commits nothing early', async () => {
    const client = new SnowflakeClient(
      { type: 'snowflake', name: 'fake', settings: { account: 'xy12345', user: 'loader', password: 'pw-never-printed', database: 'analytics', warehouse: 'loading' }, secrets: [] },
      { accessUrl: fake.url },
    );
    await client.open();
    fake.configure({
      respond: (sql) => {
        if (sql.startsWith('SELECT COUNT(*) AS "keys"')) {
          return { columns: ['keys', 'matched', 'updated'].map((name) => ({ name, type: 'fixed' })), rows: [['2', '1', '1']] };
        }
        // An empty schema: the history table is created, and its history starts empty.
        if (sql.includes('INFORMATION_SCHEMA.COLUMNS')) return { columns: [{ name: 'table_name', type: 'text' }], rows: [] };
        if (sql.startsWith('SELECT COUNT(*) AS "n"')) return { columns: [{ name: 'n', type: 'fixed' }], rows: [['0']] };
        return undefined;
      },
    });
    await historyBatch(client, [
      { id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z', _loaded_at: '2024-01-02T00:00:00Z', _load_id: 'load-1', _deleted_at: null },
      { id: 1, title: 'b', update_time: '2024-01-01T00:00:00Z', _loaded_at: '2024-01-02T00:00:00Z', _load_id: 'load-1', _deleted_at: null },
      { id: 2, title: 'c', update_time: '2024-01-01T00:00:05Z', _loaded_at: '2024-01-02T00:00:00Z', _load_id: 'load-1', _deleted_at: null },
    ]);
    await client.close();
    const statements = fake.statements.filter((sql) => !sql.startsWith('ALTER SESSION') && !sql.includes('CURRENT_DATABASE()'));
    const begin = statements.lastIndexOf('BEGIN');
    const commit = statements.lastIndexOf('COMMIT');
    const batch = statements.slice(begin, commit + 1).map((sql) => sql.split(/\s+/).slice(0, 3).join(' '));
    // The two staging tables (the history's first, written in forBatch) exist before BEGIN.
    const staged = statements.slice(0, begin).filter((sql) => sql.startsWith('CREATE OR REPLACE TEMPORARY TABLE'));
    expect(staged.map((sql) => /"(_loader_staging_\d+)"/.exec(sql)?.[1])).toEqual(['_loader_staging_1', '_loader_staging_2']);
    expect(batch).toEqual([
      'BEGIN',
      'SELECT COUNT(*) AS',
      'MERGE INTO "pipedrive"."deals"',
      'DELETE FROM "pipedrive"."_loader_state"',
      'INSERT INTO "pipedrive"."_loader_state"',
      'UPDATE "pipedrive"."deals_history" AS', // a version re-read with other values
      'INSERT INTO "pipedrive"."deals_history"', // versions not stored yet
      'UPDATE "pipedrive"."deals_history" AS', // _valid_to and _is_current of the keys staged
      'COMMIT',
    ]);
    expect(statements.slice(commit + 1)).toEqual(['DROP TABLE "pipedrive"."_loader_staging_2"', 'DROP TABLE "pipedrive"."_loader_staging_1"']);
    expect(fake.stats.ddlCommitsOfWrites).toBe(0);
    // One version per key and update_time: the second read of deal 1 at the same time replaced the first.
    const historyLoad = fake.queries.find((q) => String(q.body?.['sqlText']).startsWith('INSERT INTO "pipedrive"."_loader_staging_1"'));
    expect(JSON.stringify(historyLoad?.body?.['bindings'])).toContain('"b"');
    expect(JSON.stringify(historyLoad?.body?.['bindings'])).not.toContain('"a"');
  });
});
