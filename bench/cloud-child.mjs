// The loader child of the cloud-cost scenario (bench/cloud.ts): the real CLI (child.mjs), with
// one substitution when BENCH_SNOWFLAKE_ACCESS_URL is set. The BigQuery adapter reads its endpoint
// from the profile (`api_endpoint`), so BigQuery runs the CLI untouched; the Snowflake adapter has
// no profile key for an endpoint (only the SnowflakeClient's `accessUrl` option, meant for tests),
// so its registry entry is replaced by the same adapter built with that option. Everything else —
// profile parsing, sign-in through snowflake-sdk, the pipeline — is what users run.
import { ADAPTERS } from '../dist/adapters/index.js';

const accessUrl = process.env.BENCH_SNOWFLAKE_ACCESS_URL;
if (accessUrl) {
  ADAPTERS.snowflake = async () => {
    const { snowflakeAdapter, SnowflakeClient } = await import('../dist/adapters/snowflake/index.js');
    return { ...snowflakeAdapter, createClient: (target) => new SnowflakeClient(target, { accessUrl }) };
  };
}

await import('./child.mjs');
