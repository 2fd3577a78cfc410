/**
 * The cloud-cost scenario of `npm run bench`: 100,000 deals with 40 custom fields loaded through
 * the real CLI into the recording fakes of BigQuery and Snowflake (test/integration/*), which the
 * real SDKs reach on 127.0.0.1. Prints, per warehouse and per 100,000 rows, what the run would be
 * billed for: jobs or statements by kind, bytes staged, and the loader's peak RSS, CPU and wall
 * time next to the time the fake spent answering. No credentials: the BigQuery profile carries a
 * static OAuth token, the Snowflake one a password, and both fakes accept anything.
 *
 * The fakes keep counters, not requests (`keepRequests: false`), and answer every SELECT with no
 * rows, so the loader sees an empty warehouse: every commit (a unit of up to 50,000 rows on both)
 * is staged, merged and bookmarked as on a first backfill.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakeBigQuery, type FakeBigQueryStats } from '../test/integration/bigquery/fake-server.js';
import { FakeSnowflake, type FakeSnowflakeStats } from '../test/integration/snowflake/fake-snowflake.js';

export interface LoaderRun {
  readonly exitCode: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

/** Runs the loader child (bench/cloud-child.mjs) with `env` added. */
export type RunCloudLoader = (dir: string, env: Readonly<Record<string, string>>) => Promise<LoaderRun>;

function writeProfile(dir: string, target: string, output: Record<string, unknown>): void {
  writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target, outputs: { [target]: output } } }));
}

const per100k = (value: number, rows: number): string => (rows === 0 ? 'n/a' : ((value * 100_000) / rows).toFixed(0));
const mb = (bytes: number, rows: number): string => (rows === 0 ? 'n/a' : `${((bytes * 100_000) / rows / 1e6).toFixed(1)} MB`);

function describeRun(run: LoaderRun, busyMs: number, rows: number): string {
  return (
    `loader: exit ${run.exitCode}, ${run.seconds.toFixed(1)} s wall (${Math.round(rows / run.seconds).toLocaleString('en-US')} rows/s), ` +
    `${run.cpuSeconds.toFixed(1)} s CPU, peak RSS ${run.peakRssMb.toFixed(0)} MB; the fake answered for ${(busyMs / 1000).toFixed(1)} s of it`
  );
}

export async function bigqueryCost(dir: string, rows: number, run: RunCloudLoader): Promise<FakeBigQueryStats> {
  const fake = new FakeBigQuery({ keepRequests: false });
  await fake.start();
  try {
    writeProfile(dir, 'bq', {
      type: 'bigquery', method: 'oauth-secrets', token: 'bench-static-token', project: 'bench-proj', location: 'EU', api_endpoint: fake.url,
    });
    const result = await run(dir, {});
    const s = fake.stats;
    console.log(`\n## cloud-cost: BigQuery (fake REST API, real @google-cloud/bigquery), ${rows.toLocaleString('en-US')} deals, 40 custom fields`);
    console.log(`  per 100,000 rows: ${per100k(s.loadJobs, rows)} load jobs, ${per100k(s.merges, rows)} merges (MERGE, or INSERT…SELECT from staging), ${per100k(s.ddl, rows)} DDL, ` +
      `${per100k(s.transactionControl, rows)} transaction control (BEGIN/COMMIT/ROLLBACK/ABORT_SESSION), ${per100k(s.stateWrites, rows)} state writes, ` +
      `${per100k(s.otherQueries, rows)} other queries = ${per100k(s.loadJobs + s.merges + s.ddl + s.transactionControl + s.stateWrites + s.otherQueries, rows)} jobs; ` +
      `${per100k(s.otherApiCalls, rows)} other API calls (tables.insert …)`);
    console.log(`  bytes staged: ${mb(s.bytesStaged, rows)} of NDJSON per 100,000 rows`);
    console.log(`  ${describeRun(result, s.busyMs, rows)}`);
    return s;
  } finally {
    await fake.stop();
  }
}

export async function snowflakeCost(dir: string, rows: number, run: RunCloudLoader): Promise<FakeSnowflakeStats> {
  const fake = new FakeSnowflake({
    keepRequests: false,
    // Every query answers no rows (an empty warehouse), except the adapter's session check.
    respond: (sql) => (/^\s*(SELECT|WITH)\b/i.test(sql) && !sql.includes('CURRENT_DATABASE()') ? { columns: [], rows: [] } : undefined),
  });
  await fake.start();
  try {
    writeProfile(dir, 'sf', { type: 'snowflake', account: 'bench', user: 'loader', password: 'bench-password', database: 'analytics', warehouse: 'loading' });
    const result = await run(dir, { BENCH_SNOWFLAKE_ACCESS_URL: fake.url });
    const s = fake.stats;
    console.log(`\n## cloud-cost: Snowflake (fake REST API, real snowflake-sdk), ${rows.toLocaleString('en-US')} deals, 40 custom fields`);
    console.log(`  per 100,000 rows: ${per100k(s.loads, rows)} staging loads (array-bound INSERTs, PUTs, COPY INTO from a stage), ${per100k(s.merges, rows)} merges (MERGE, or INSERT…SELECT from staging), ${per100k(s.ddl, rows)} DDL, ` +
      `${per100k(s.transactionControl, rows)} BEGIN/COMMIT/ROLLBACK, ${per100k(s.stateWrites, rows)} state writes, ${per100k(s.otherStatements, rows)} other statements ` +
      `= ${per100k(s.loads + s.merges + s.ddl + s.transactionControl + s.stateWrites + s.otherStatements, rows)} statements`);
    console.log(`  bytes staged: ${mb(s.bytesStaged, rows)} of bound values and gzipped CSV per 100,000 rows; ` +
      `${s.ddlCommitsOfWrites} DDL statements committed an open transaction that had written (must be 0)`);
    console.log(`  ${describeRun(result, s.busyMs, rows)}`);
    return s;
  } finally {
    await fake.stop();
  }
}
