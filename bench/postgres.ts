/**
 * The PostgreSQL scenario of `npm run bench`: end-to-end rows/s from the sandbox into PostgreSQL,
 * next to a bare COPY of the very same rows into an identical table (the physical limit), their
 * ratio, and the loader's peak RSS. Uses BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the
 * local server at 127.0.0.1:5432, in a fresh database that is dropped afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { stringify } from 'yaml';

export interface PostgresBenchDatabase {
  readonly url: URL;
  readonly settings: Record<string, unknown>;
  dispose(): Promise<void>;
}

export async function createBenchDatabase(): Promise<PostgresBenchDatabase> {
  const base = new URL(process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `pdl_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base.href });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base.href);
  url.pathname = `/${name}`;
  return {
    url,
    settings: {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      dbname: name,
    },
    async dispose() {
      const client = new pg.Client({ connectionString: base.href });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export function writePostgresProfile(dir: string, settings: Record<string, unknown>): void {
  writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...settings } } } }));
}

/** COPYs the loaded table out, then times a bare COPY of those rows into an identical table. */
export async function bareCopyRate(url: URL, schema: string, table: string): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    const chunks: Buffer[] = [];
    await pipeline(
      client.query(copyTo(`COPY "${schema}"."${table}" TO STDOUT`)),
      new Writable({ write(chunk: Buffer, _encoding, done) { chunks.push(chunk); done(); } }),
    );
    await client.query(`CREATE TABLE "${schema}"."bare_copy" (LIKE "${schema}"."${table}" INCLUDING ALL)`);
    const started = process.hrtime.bigint();
    await client.query('BEGIN');
    await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY "${schema}"."bare_copy" FROM STDIN`)));
    await client.query('COMMIT');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."bare_copy"`);
    return { rows: Number(rows[0]?.n ?? 0), seconds };
  } finally {
    await client.end();
  }
}
