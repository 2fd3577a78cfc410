/**
 * The PostgreSQL scenario of `npm run bench`: end-to-end rows/s from the sandbox into PostgreSQL,
 * next to a bare COPY of the very same rows into an identical table (the physical limit), their
 * ratio, and the loader's peak RSS. Uses BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the
 * local server at 127.0.0.1:5432, in a fresh database that is dropped afterwards.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { stringify } from 'yaml';

export interface PostgresBenchDatabase {
  readonly url: URL;
  /** The server's maintenance database, for watching the bench database's backends. */
  readonly adminUrl: URL;
  readonly name: string;
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
    adminUrl: base,
    name,
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

/** CPU seconds (user + system) a local process has used so far, from /proc; undefined elsewhere. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export interface BackendCpuWatch {
  /** CPU seconds used by the server processes that served `database` while watched; undefined when the server is not local. */
  stop(): Promise<number | undefined>;
}

/**
 * Polls pg_stat_activity for the backends serving `database` and remembers the latest CPU time of
 * each, so the PostgreSQL share of a run can be reported next to the loader's own CPU. Works only
 * when the server runs on this machine (its processes are in /proc); the last 250 ms of a backend
 * that exits between polls are missed.
 */
export async function watchBackendCpu(adminUrl: URL, database: string): Promise<BackendCpuWatch> {
  const admin = new pg.Client({ connectionString: adminUrl.href });
  await admin.connect();
  const latest = new Map<number, number>();
  let local = true;
  const poll = async (): Promise<void> => {
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
    for (const { pid } of rows) {
      const cpu = processCpuSeconds(pid);
      if (cpu === undefined) local = false;
      else latest.set(pid, cpu);
    }
  };
  let polling = poll();
  const timer = setInterval(() => {
    polling = polling.then(poll, () => undefined);
  }, 250);
  return {
    async stop() {
      clearInterval(timer);
      await polling.then(poll).catch(() => undefined);
      await admin.end();
      return local ? [...latest.values()].reduce((sum, cpu) => sum + cpu, 0) : undefined;
    },
  };
}

export interface BareCopy {
  readonly rows: number;
  readonly seconds: number;
  /** CPU seconds of the PostgreSQL backend that ran the COPY, when the server is local. */
  readonly serverCpuSeconds: number | undefined;
}

/** COPYs the loaded table out, then times a bare COPY of those rows into an identical table. */
export async function bareCopyRate(url: URL, schema: string, table: string): Promise<BareCopy> {
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    const chunks: Buffer[] = [];
    await pipeline(
      client.query(copyTo(`COPY "${schema}"."${table}" TO STDOUT`)),
      new Writable({ write(chunk: Buffer, _encoding, done) { chunks.push(chunk); done(); } }),
    );
    await client.query(`CREATE TABLE "${schema}"."bare_copy" (LIKE "${schema}"."${table}" INCLUDING ALL)`);
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
    const cpuBefore = processCpuSeconds(backend);
    const started = process.hrtime.bigint();
    await client.query('BEGIN');
    await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY "${schema}"."bare_copy" FROM STDIN`)));
    await client.query('COMMIT');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = processCpuSeconds(backend);
    const serverCpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."bare_copy"`);
    return { rows: Number(rows[0]?.n ?? 0), seconds, serverCpuSeconds };
  } finally {
    await client.end();
  }
}
