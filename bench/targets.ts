/**
 * The two warehouses the loader-versus-reference scenarios write, behind one shape: a fresh
 * target for each run, the row count, the loader's bookmark, a snapshot to restore before each
 * incremental run, the PostgreSQL backends' CPU, and the `EXCEPT ALL` check that the loader's
 * table and the reference's hold the same rows.
 */
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { stringify } from 'yaml';
import type { ReferenceOptions } from './measure.js';
import { createBenchDatabase, watchBackendCpu, writePostgresProfile, type PostgresBenchDatabase } from './postgres.js';

export const LOADER_SCHEMA = 'bench';
export const REFERENCE_SCHEMA = 'ref';
/** Columns that say which run wrote a row, so they differ between the two by design. */
const RUN_COLUMNS = new Set(['_loaded_at', '_load_id']);

export interface Difference {
  /** Rows of the loader's table missing from the reference's (EXCEPT ALL), and the other way round. */
  readonly loaderOnly: number;
  readonly referenceOnly: number;
  readonly columns: number;
}

export interface BenchTarget {
  readonly name: 'pg' | 'duckdb';
  /** Arguments that point the loader at this target. */
  readonly loaderArgs: readonly string[];
  readonly reference: Pick<ReferenceOptions, 'target' | 'pgUrl' | 'duckdbPath' | 'loaderDuckdbPath' | 'memoryLimit'>;
  /** Drops what the loader wrote, so its next run is a first load. */
  resetLoader(): Promise<void>;
  count(table?: string): Promise<number>;
  bookmark(stream: string): Promise<string | undefined>;
  /** CPU of the database server while `work` runs; undefined when it runs in the loader's process or elsewhere. */
  serverCpu<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number | undefined }>;
  difference(table: string): Promise<Difference>;
  snapshot(): Promise<void>;
  restore(): Promise<void>;
  dispose(): Promise<void>;
}

async function withPg<T>(url: URL, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoted = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function exceptAllSql(columns: readonly string[], left: string, right: string): string {
  const list = columns.map(quoted).join(', ');
  return `SELECT count(*) AS n FROM (SELECT ${list} FROM ${left} EXCEPT ALL SELECT ${list} FROM ${right}) AS differences`;
}

export async function postgresTarget(dir: string): Promise<BenchTarget | undefined> {
  let db: PostgresBenchDatabase;
  try {
    db = await createBenchDatabase();
  } catch (error) {
    console.log(`  PostgreSQL: skipped, no server to create a bench database in (${String(error)}); set BENCH_DATABASE_URL`);
    return undefined;
  }
  writePostgresProfile(dir, db.settings);
  const template = `${db.name}_base`;
  const admin = <T>(work: (client: pg.Client) => Promise<T>) => withPg(db.adminUrl, work);
  return {
    name: 'pg',
    loaderArgs: ['--target', 'pg'],
    reference: { target: 'pg', pgUrl: db.url.href },
    resetLoader: () => withPg(db.url, async (client) => void (await client.query(`DROP SCHEMA IF EXISTS ${LOADER_SCHEMA} CASCADE`))),
    count: (table = 'deals') =>
      withPg(db.url, async (client) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${LOADER_SCHEMA}.${quoted(table)}`)).rows[0]?.n)),
    bookmark: (stream) =>
      withPg(db.url, async (client) =>
        (await client.query<{ bookmark: string }>(`SELECT bookmark FROM ${LOADER_SCHEMA}._loader_state WHERE stream = $1`, [stream])).rows[0]?.bookmark),
    async serverCpu(work) {
      const watch = await watchBackendCpu(db.adminUrl, db.name);
      const result = await work();
      return { result, seconds: await watch.stop() };
    },
    difference: (table) =>
      withPg(db.url, async (client) => {
        const { rows } = await client.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
          [LOADER_SCHEMA, table],
        );
        const columns = rows.map((row) => row.column_name).filter((name) => !RUN_COLUMNS.has(name));
        const loader = `${LOADER_SCHEMA}.${quoted(table)}`;
        const reference = `${REFERENCE_SCHEMA}.${quoted(table)}`;
        const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
        return {
          loaderOnly: await count(exceptAllSql(columns, loader, reference)),
          referenceOnly: await count(exceptAllSql(columns, reference, loader)),
          columns: columns.length,
        };
      }),
    snapshot: () =>
      admin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${quoted(template)}`);
        await client.query(`CREATE DATABASE ${quoted(template)} TEMPLATE ${quoted(db.name)}`);
      }),
    restore: () =>
      admin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${quoted(db.name)} WITH (FORCE)`);
        await client.query(`CREATE DATABASE ${quoted(db.name)} TEMPLATE ${quoted(template)}`);
      }),
    async dispose() {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${quoted(template)} WITH (FORCE)`));
      await db.dispose();
    },
  };
}

async function withDuckDB<T>(path: string, work: (run: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>, attach?: string): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    if (attach !== undefined) await connection.run(`ATTACH '${attach.replaceAll("'", "''")}' AS loader_file (READ_ONLY)`);
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export function duckdbTarget(dir: string): BenchTarget {
  const loaderFile = join(dir, 'pipedrive.duckdb');
  const referenceFile = join(dir, 'reference.duckdb');
  const files = (path: string) => [path, `${path}.wal`];
  const remove = (path: string) => files(path).forEach((file) => rmSync(file, { force: true }));
  const copy = (from: string, to: string) => {
    remove(to);
    for (const [source, target] of [[from, to], [`${from}.wal`, `${to}.wal`]] as const) if (existsSync(source)) copyFileSync(source, target);
  };
  const saved = (path: string) => `${path}.base`;
  // BENCH_DUCKDB_MEMORY_LIMIT: both sides get this buffer pool instead of the loader's default
  // (the loader through a profiles.yml in its folder, found as a user's would be).
  const memoryLimit = process.env.BENCH_DUCKDB_MEMORY_LIMIT?.trim() || undefined;
  if (memoryLimit !== undefined) {
    const output = { type: 'duckdb', path: loaderFile, memory_limit: memoryLimit };
    writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'duckdb', outputs: { duckdb: output } } }));
  }
  return {
    name: 'duckdb',
    loaderArgs: [],
    reference: { target: 'duckdb', duckdbPath: referenceFile, loaderDuckdbPath: loaderFile, memoryLimit },
    resetLoader: async () => remove(loaderFile),
    count: (table = 'deals') => withDuckDB(loaderFile, async (run) => Number((await run(`SELECT count(*) AS n FROM ${LOADER_SCHEMA}.${quoted(table)}`))[0]?.n)),
    bookmark: (stream) =>
      withDuckDB(loaderFile, async (run) => {
        const value = (await run(`SELECT bookmark FROM ${LOADER_SCHEMA}._loader_state WHERE stream = '${stream.replaceAll("'", "''")}'`))[0]?.bookmark;
        return typeof value === 'string' ? value : undefined;
      }),
    // DuckDB runs inside the loader's process: its CPU is the loader's.
    serverCpu: async (work) => ({ result: await work(), seconds: undefined }),
    difference: (table) =>
      withDuckDB(
        referenceFile,
        async (run) => {
          const columns = (
            await run(
              `SELECT column_name FROM information_schema.columns WHERE table_catalog = 'loader_file' AND table_schema = '${LOADER_SCHEMA}' ` +
                `AND table_name = '${table}' ORDER BY ordinal_position`,
            )
          )
            .map((row) => String(row.column_name))
            .filter((name) => !RUN_COLUMNS.has(name));
          const loader = `loader_file.${LOADER_SCHEMA}.${quoted(table)}`;
          const reference = `reference.${REFERENCE_SCHEMA}.${quoted(table)}`;
          const count = async (sql: string) => Number((await run(sql))[0]?.n);
          return {
            loaderOnly: await count(exceptAllSql(columns, loader, reference)),
            referenceOnly: await count(exceptAllSql(columns, reference, loader)),
            columns: columns.length,
          };
        },
        loaderFile,
      ),
    snapshot: async () => {
      copy(loaderFile, saved(loaderFile));
      copy(referenceFile, saved(referenceFile));
    },
    restore: async () => {
      copy(saved(loaderFile), loaderFile);
      copy(saved(referenceFile), referenceFile);
    },
    dispose: async () => undefined,
  };
}
