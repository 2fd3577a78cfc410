/**
 * PostgreSQL for `npm run bench`: a fresh database (BENCH_DATABASE_URL, else TEST_DATABASE_URL,
 * else the local server at 127.0.0.1:5432) dropped afterwards, the profile pointing at it, and the
 * CPU its backends spend, read from /proc when the server is local.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
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
export function processCpuSeconds(pid: number): number | undefined {
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
