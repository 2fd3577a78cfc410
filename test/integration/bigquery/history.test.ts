/**
 * History mode through the real @google-cloud/bigquery SDK against the recording fake: the
 * history's versions go through a load job into a staging table, and its statements run in the
 * batch's session transaction with the merge and the bookmark; the staging DROPs wait for COMMIT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigqueryAdapter } from '../../../adapters/bigquery/index.js';
import { historyBatch } from '../../helpers/history-batch.js';
import { FakeBigQuery } from './fake-server.js';

const TOKEN = 'ya29.fake-access-token-never-printed';
const fake = new FakeBigQuery();
beforeAll(() => fake.start());
afterAll(() => fake.stop());

describe('history mode on BigQuery', () => {
  it('writes the versions in the batch transaction and drops both staging tables after COMMIT', async () => {
    fake.onQuery = (sql) => {
      if (sql.includes('AS `matched`')) {
        const fields = ['keys', 'matched', 'updated'].map((name) => ({ name, type: 'INTEGER' }));
        return { schema: { fields }, rows: [{ f: [{ v: '2' }, { v: '1' }, { v: '1' }] }] };
      }
      return {};
    };
    fake.onLoad = () => undefined;
    const client = bigqueryAdapter.createClient({
      type: 'bigquery',
      name: 'fake',
      settings: { method: 'oauth-secrets', token: TOKEN, project: 'test-proj', location: 'EU', api_endpoint: fake.url },
      secrets: [TOKEN],
    });
    await client.open();
    await historyBatch(client, [
      { id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z', _loaded_at: '2024-01-02T00:00:00Z', _load_id: 'load-1', _deleted_at: null },
      { id: 2, title: 'c', update_time: '2024-01-01T00:00:05Z', _loaded_at: '2024-01-02T00:00:00Z', _load_id: 'load-1', _deleted_at: null },
    ]);
    await client.close();
    const jobs = fake.queryJobs().map((job) => job.sql);
    const begin = jobs.lastIndexOf('BEGIN TRANSACTION');
    const commit = jobs.lastIndexOf('COMMIT TRANSACTION');
    const kinds = jobs.slice(begin, commit + 1).map((sql) => sql.split(/\s+/).slice(0, 3).join(' '));
    expect(kinds).toEqual([
      'BEGIN TRANSACTION',
      'SELECT COUNT(*) AS',
      'MERGE `test-proj`.`pipedrive`.`deals` AS',
      'DELETE FROM `test-proj`.`pipedrive`.`_loader_state`',
      'INSERT INTO `test-proj`.`pipedrive`.`_loader_state`',
      'UPDATE `test-proj`.`pipedrive`.`deals_history` AS',
      'INSERT INTO `test-proj`.`pipedrive`.`deals_history`',
      'UPDATE `test-proj`.`pipedrive`.`deals_history` AS',
      'COMMIT TRANSACTION',
    ]);
    const after = jobs.slice(commit + 1).filter((sql) => sql.startsWith('DROP TABLE'));
    expect(after).toHaveLength(2);
    expect(after.some((sql) => sql.includes('_loader_staging_deals_history_'))).toBe(true);
    // The history's hash over business columns only, as TO_JSON_STRING of a STRUCT.
    const insert = jobs.find((sql) => sql.startsWith('INSERT INTO `test-proj`.`pipedrive`.`deals_history`')) ?? '';
    expect(insert).toContain('TO_HEX(MD5(TO_JSON_STRING(STRUCT(s.`id`, s.`title`, s.`update_time`))))');
    // Created before the session: the history table (DDL commits) and its first, empty, history.
    expect(jobs.slice(0, begin).some((sql) => sql.startsWith('CREATE TABLE IF NOT EXISTS `test-proj`.`pipedrive`.`deals_history`'))).toBe(true);
  });
});
