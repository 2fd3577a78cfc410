/**
 * The shared adapter conformance suite (test/conformance/suite.ts) against a REAL Snowflake
 * account. It runs only when these variables are set, and skips visibly otherwise:
 *
 *   SNOWFLAKE_TEST_ACCOUNT     account identifier, e.g. xy12345.eu-central-1 or myorg-myaccount
 *   SNOWFLAKE_TEST_USER        the user to sign in as
 *   SNOWFLAKE_TEST_PASSWORD    its password, or instead:
 *   SNOWFLAKE_TEST_PRIVATE_KEY_PATH (+ SNOWFLAKE_TEST_PRIVATE_KEY_PASSPHRASE) for a key pair
 *   SNOWFLAKE_TEST_DATABASE    an existing database where the role may CREATE SCHEMA
 *   SNOWFLAKE_TEST_WAREHOUSE   a warehouse the role may use (an X-Small is plenty)
 *   SNOWFLAKE_TEST_ROLE        optional
 *
 * Every test creates its own schemas (unique names ending in this run's tag) and they are all
 * dropped after the test, and again after the file for anything a test left (the crash test's
 * child process creates one itself). See adapters/snowflake/README.md for the cost.
 */
import { afterAll, describe, it } from 'vitest';
import { snowflakeAdapter } from '../../adapters/snowflake/index.js';
import type { Adapter, Dialect, WarehouseClient } from '../../adapters/types.js';
import type { TargetConfig } from '../../src/config/target.js';
import { conformanceSuite } from '../conformance/suite.js';

const REQUIRED = ['SNOWFLAKE_TEST_ACCOUNT', 'SNOWFLAKE_TEST_USER', 'SNOWFLAKE_TEST_DATABASE', 'SNOWFLAKE_TEST_WAREHOUSE'] as const;
const env = process.env;
const missing: string[] = REQUIRED.filter((name) => !env[name]);
if (!env['SNOWFLAKE_TEST_PASSWORD'] && !env['SNOWFLAKE_TEST_PRIVATE_KEY_PATH']) missing.push('SNOWFLAKE_TEST_PASSWORD or SNOWFLAKE_TEST_PRIVATE_KEY_PATH');

function liveTarget(): TargetConfig {
  const secrets = [env['SNOWFLAKE_TEST_PASSWORD'], env['SNOWFLAKE_TEST_PRIVATE_KEY_PASSPHRASE']].filter((value): value is string => !!value);
  return {
    type: 'snowflake',
    name: 'live-conformance',
    settings: {
      account: env['SNOWFLAKE_TEST_ACCOUNT'],
      user: env['SNOWFLAKE_TEST_USER'],
      database: env['SNOWFLAKE_TEST_DATABASE'],
      warehouse: env['SNOWFLAKE_TEST_WAREHOUSE'],
      query_tag: 'pipedrive-loader conformance',
      connect_timeout: 30,
      ...(env['SNOWFLAKE_TEST_ROLE'] ? { role: env['SNOWFLAKE_TEST_ROLE'] } : {}),
      ...(env['SNOWFLAKE_TEST_PASSWORD'] ? { password: env['SNOWFLAKE_TEST_PASSWORD'] } : {}),
      ...(env['SNOWFLAKE_TEST_PRIVATE_KEY_PATH'] ? { private_key_path: env['SNOWFLAKE_TEST_PRIVATE_KEY_PATH'] } : {}),
      ...(env['SNOWFLAKE_TEST_PRIVATE_KEY_PASSPHRASE'] ? { private_key_passphrase: env['SNOWFLAKE_TEST_PRIVATE_KEY_PASSPHRASE'] } : {}),
    },
    secrets,
  };
}

/** Schemas the suite created through the adapter, by test; the suffix tells this run's tag. */
const createdSchemas = new Set<string>();
let runTag: string | undefined;
const startedAt = new Date();

/** The real client, whose dialect records every schema the suite creates (for the clean-up). */
function tracked(client: WarehouseClient): WarehouseClient {
  const dialect: Dialect = {
    ...client.dialect,
    createSchema(schema) {
      createdSchemas.add(schema);
      runTag ??= /_([a-z0-9]{4})\d+$/.exec(schema)?.[1];
      return client.dialect.createSchema(schema);
    },
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'dialect') return dialect;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const trackingAdapter: Adapter = {
  dialect: snowflakeAdapter.dialect,
  createClient: (target) => tracked(snowflakeAdapter.createClient(target)),
};

/** Drops `schemas` (and, with `runTag`, every schema of this run) on a client of its own. */
async function dropSchemas(schemas: Iterable<string>, ofRun?: string): Promise<void> {
  const client = snowflakeAdapter.createClient(liveTarget());
  await client.open();
  try {
    // A schema a killed process still locks must not hold the clean-up for hours.
    await client.execute('ALTER SESSION SET LOCK_TIMEOUT = 120');
    const names = new Set(schemas);
    if (ofRun !== undefined) {
      const rows = await client.query('SELECT SCHEMA_NAME AS "name" FROM INFORMATION_SCHEMA.SCHEMATA WHERE CREATED >= ?', [startedAt.toISOString()]);
      const ofThisRun = new RegExp(`_${ofRun}\\d+$`);
      for (const row of rows) if (ofThisRun.test(String(row['name']))) names.add(String(row['name']));
    }
    for (const name of names) {
      await client.execute(`DROP SCHEMA IF EXISTS ${client.dialect.quoteIdentifier(name)} CASCADE`).catch((error: unknown) => {
        console.warn(`Could not drop the test schema ${name}; drop it by hand: ${(error as Error).message}`);
      });
    }
  } finally {
    await client.close();
  }
}

if (missing.length > 0) {
  console.warn(`test/live/snowflake.test.ts skipped: set ${missing.join(', ')} to run the conformance suite against Snowflake.`);
  describe('adapter conformance: snowflake (live)', () => {
    it.skip(`skipped: set ${missing.join(', ')} to run the conformance suite against a real Snowflake account`, () => undefined);
  });
} else {
  afterAll(async () => {
    // Every schema of this run: "<base>_<run tag><counter>" (test/conformance/context.ts).
    await dropSchemas(createdSchemas, runTag);
  });

  conformanceSuite({
    name: 'snowflake (live)',
    adapter: async () => trackingAdapter,
    async freshTarget() {
      return liveTarget();
    },
    async releaseTarget() {
      const schemas = [...createdSchemas];
      createdSchemas.clear();
      if (schemas.length > 0) await dropSchemas(schemas);
    },
    // The crash test's second batch; Snowflake needs no huge batch to be mid-transaction.
    crashBatchRows: 20_000,
  });
}
