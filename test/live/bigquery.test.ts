/**
 * The shared adapter conformance suite against real BigQuery. Runs only when credentials are in
 * the environment; otherwise the file shows one skipped test saying what to set:
 *
 *   BIGQUERY_TEST_PROJECT            the GCP project to create test datasets in (required)
 *   BIGQUERY_TEST_KEYFILE            a service account key file (method: service-account), or
 *   GOOGLE_APPLICATION_CREDENTIALS   application default credentials (method: oauth)
 *   BIGQUERY_TEST_LOCATION           dataset location, default US
 *
 * The suite creates one dataset per test (`<case>_<run tag><n>`); every dataset created during
 * the run is deleted with its tables afterwards. Use a project meant for tests.
 * See adapters/bigquery/README.md#live-tests.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TargetConfig } from '../../src/config/target.js';
import { conformanceSuite } from '../conformance/suite.js';

const project = process.env['BIGQUERY_TEST_PROJECT'];
const keyfile = process.env['BIGQUERY_TEST_KEYFILE'];
const adc = process.env['GOOGLE_APPLICATION_CREDENTIALS'];
const location = process.env['BIGQUERY_TEST_LOCATION'] ?? 'US';
const configured = Boolean(project && (keyfile || adc));

if (!configured) {
  describe('BigQuery live conformance', () => {
    it.skip('skipped: set BIGQUERY_TEST_PROJECT and BIGQUERY_TEST_KEYFILE (or GOOGLE_APPLICATION_CREDENTIALS) to run it', () => undefined);
  });
}

describe.skipIf(!configured)('BigQuery live conformance', () => {
  const target: TargetConfig = {
    type: 'bigquery',
    name: 'live-test',
    settings: {
      ...(keyfile ? { method: 'service-account', keyfile } : { method: 'oauth' }),
      project,
      location,
      job_retries: 1,
    },
    secrets: [],
  };
  let bigquery: BigQuery;
  let existing = new Set<string>();
  let startedAt = 0;

  beforeAll(async () => {
    bigquery = new BigQuery({ projectId: project, location, ...(keyfile ? { keyFilename: keyfile } : {}) });
    startedAt = Date.now();
    const [datasets] = await bigquery.getDatasets({ all: true });
    existing = new Set(datasets.map((dataset) => String(dataset.id)));
  });

  afterAll(async () => {
    // Every dataset this run created (named like the suite's `<case>_<tag><n>`), with its tables.
    const [datasets] = await bigquery.getDatasets({ all: true });
    for (const dataset of datasets) {
      const id = String(dataset.id);
      if (existing.has(id) || !/^[a-z_]+_[a-z0-9]+$/.test(id)) continue;
      const [metadata] = await dataset.getMetadata();
      if (Number(metadata.creationTime) < startedAt - 60_000) continue;
      await dataset.delete({ force: true });
    }
  });

  conformanceSuite({
    name: 'bigquery',
    adapter: async () => (await import('../../adapters/bigquery/index.js')).bigqueryAdapter,
    async freshTarget() {
      return target;
    },
    // Each batch is a load job: keep the crash test's second batch modest.
    crashBatchRows: 10_000,
    // Dataset names take letters, digits and underscores; table and column names no quote or
    // semicolon (flexible column names: letters, marks, digits, _ - space & % = + : ' < > # |).
    hostileNames: {
      schema: 'we_ird_drop_schema',
      table: 'Täble mit Leerzeichen-x',
      injection: "co l' -- DROP TABLE t",
      unicode: 'ünï code',
      reserved: 'select',
      punctuation: "it's <&> #|=+:%",
    },
    nullListReadsAsEmpty: true,
  });
});
