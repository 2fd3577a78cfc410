/**
 * The CLI into PostgreSQL when something happens to a batch's transaction while it is open, and
 * the exit code and the run record that follow. The barrier: a session of the test holds
 * `_loader_state` in SHARE mode (reads pass, writes wait), so the loader's batch transaction,
 * having written its rows, waits on the bookmark's DELETE; the test sees it there in
 * pg_stat_activity (a lock wait in a transaction with an xid, in this database only) and acts.
 * No sleeps, no timing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { loadIdOf, spawnCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

const APP = 'pdl-e2e-session-failures';
const SCHEMA = 'session_failures';
let db: PostgresTestDatabase;
let sandbox: Sandbox;
let dir: string;
/** Deals after the first, complete load: what every later run must leave. */
let loadedDeals: number;

function load(target: string, extra: readonly string[], onSpawn?: (child: ChildProcess, stdout: () => string) => void): Promise<CliResult> {
  return spawnCli(
    ['load', '--schema', SCHEMA, '--target', target, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--log-format', 'json', ...extra],
    {
      cwd: dir,
      env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
      ...(onSpawn ? { onSpawn: (child, output) => onSpawn(child, output.stdout) } : {}),
    },
  );
}

/** Polls (every 20 ms) until `check` yields a value; a barrier on observed state, not a delay. */
async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The loader's backend once its batch transaction (it has written: an xid) waits for a lock. */
async function batchWaitingForLock(): Promise<number> {
  return until(async () => {
    const rows = await db.sql<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = $1
         AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL`,
      [APP],
    );
    return rows[0]?.pid;
  });
}

/** A session of the test holding `_loader_state` in SHARE mode until `release`. */
async function holdLoaderState(): Promise<{ release: () => Promise<void> }> {
  const holder = new pg.Client({ ...(db.settings as pg.ClientConfig), database: db.database, application_name: 'pdl-e2e-holder' });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(`LOCK TABLE ${SCHEMA}._loader_state IN SHARE MODE`);
  return {
    release: async () => {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    },
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  sandbox = await startSandbox({ seed: 21, deals: 300 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-pg-session-'));
  const output = { type: 'postgres', ...db.settings, application_name: APP };
  writeFileSync(
    join(dir, 'profiles.yml'),
    stringify({ pipedrive: { target: 'pg', outputs: { pg: output, pg_short_locks: { ...output, lock_timeout: 1 } } } }),
  );
  // A first load creates the schema and the bookmark rows the later runs rewrite.
  const first = await load('pg', ['--streams', 'deals']);
  expect(first.code).toBe(0);
  loadedDeals = await dealCount();
  expect(loadedDeals).toBeGreaterThan(0);
}, 180_000);

afterAll(async () => {
  await sandbox?.close();
  await db?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The message of the run's `failed` line (JSON log), '' when there is none. */
function failure(result: CliResult): string {
  const line = result.stdout.split('\n').find((text) => text.includes('"event":"failed"'));
  return line === undefined ? '' : String((JSON.parse(line) as { message: unknown }).message);
}

/** Rows in deals; a duplicate id fails the test. */
async function dealCount(): Promise<number> {
  const [row] = await db.sql<{ n: string; ids: string }>(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${SCHEMA}.deals`);
  expect(row?.n).toBe(row?.ids);
  return Number(row?.n);
}

describe('a batch transaction that fails under the loader', () => {
  it('exits 6 with the server\'s reason when its backend is terminated, and a rerun converges', { timeout: 180_000 }, async () => {
    const holder = await holdLoaderState();
    let result: CliResult;
    try {
      result = await load('pg', ['--streams', 'deals', '--full-refresh'], () => {
        void batchWaitingForLock().then((pid) => db.sql('SELECT pg_terminate_backend($1)', [pid]));
      });
    } finally {
      await holder.release();
    }
    expect(failure(result)).toMatch(/terminating connection due to administrator command/);
    expect(failure(result)).not.toMatch(/ROLLBACK|Client has encountered a connection error/);
    expect(result.code).toBe(6);
    const [run] = await db.sql<{ status: string }>(`SELECT status FROM ${SCHEMA}._loader_runs WHERE load_id = $1`, [loadIdOf(result)]);
    expect(run?.status).toBe('failed');
    const rerun = await load('pg', ['--streams', 'deals']);
    expect(rerun.code).toBe(0);
    expect(await dealCount()).toBe(loadedDeals);
  });

  it('exits 7 after lock_timeout when another session holds a loader table, naming what to do', { timeout: 120_000 }, async () => {
    const holder = await holdLoaderState();
    let result: CliResult;
    try {
      result = await load('pg_short_locks', ['--streams', 'deals', '--full-refresh']);
    } finally {
      await holder.release();
    }
    expect(result.code).toBe(7);
    expect(failure(result)).toMatch(/waited 1 s \(lock_timeout\) for a lock another session holds/);
    expect(failure(result)).toMatch(/pg_blocking_pids/);
  });
});

describe('a second SIGINT while a batch transaction is open', () => {
  it('exits 130 within the deadline and records the run as interrupted; the batch is rolled back', { timeout: 180_000 }, async () => {
    const holder = await holdLoaderState();
    let result: CliResult;
    try {
      result = await load('pg', ['--streams', 'deals', '--full-refresh'], (child, stdout) => {
        void (async () => {
          await batchWaitingForLock();
          child.kill('SIGINT');
          await until(async () => (stdout().includes('"event":"stop_requested"') ? true : undefined));
          child.kill('SIGINT');
        })();
      });
    } finally {
      await holder.release();
    }
    const events = result.stdout.split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toContain('stop_forced');
    expect(events).not.toContain('run_record_failed');
    expect(result.code).toBe(130);
    const runs = await db.sql<{ status: string; error: string | null; finished_at: Date | null }>(
      `SELECT status, error, finished_at FROM ${SCHEMA}._loader_runs WHERE load_id = $1`,
      [loadIdOf(result)],
    );
    expect(runs[0]).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/^Stopped by a second signal/) });
    expect(runs[0]?.finished_at).not.toBeNull();
    // The abandoned batch's rows never committed; the deals of the earlier runs are intact.
    expect(await dealCount()).toBe(loadedDeals);
  });
});
