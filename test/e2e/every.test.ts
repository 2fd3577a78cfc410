/**
 * `load --every` as a user runs it: the real CLI in its own process with the bundled sandbox,
 * stopped by SIGTERM. The cycles are seconds apart thanks to the hidden `--every-minimum 1s`
 * (the real minimum is 1m); `--full-refresh` makes every cycle rewrite every person, page by page
 * (`--batch-rows 500` = one 500-record page per committed batch), so the rows of each run are
 * visible by their `_load_id`. The signal lands inside the third run by a barrier, not a timer:
 * once the second run is logged, the sandbox (in this process) holds the third persons page asked
 * for after that, and the signal is sent while the loader waits for it.
 *
 * What must hold whenever the signal lands: one line per run, every run recorded and closed
 * (none left `running`), and the stopped run's rows are whole committed batches: a multiple of
 * the batch size, forming a prefix of the update-time order, with the bookmark committed with
 * them.
 *
 * A second signal abandons the batch in flight: the run is still recorded as interrupted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';
import { JSON_LOG_KEYS } from '../../src/cli/output.js';

const SCHEMA = 'every_test';
const BATCH = 500;
let dir: string;

interface LogLine {
  readonly level: string;
  readonly event: string;
  readonly stream: string | null;
  readonly records: number | null;
  readonly requests: number | null;
  readonly tokens: number | null;
  readonly duration: number | null;
  readonly load_id: string | null;
  readonly message: string;
  readonly [key: string]: unknown;
}

function jsonLines(stdout: string): LogLine[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

function query(sql: string): Promise<Record<string, unknown>[]> {
  return queryDuckDBFile(join(dir, 'pipedrive.duckdb'), sql);
}

function isoSecond(value: unknown): string {
  return (value as Date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Calls `act` with the `count`-th line of `event` once stdout holds it. */
function whenLogged(child: ChildProcess, stdout: () => string, event: string, count: number, act: (line: LogLine) => void): void {
  const poll = setInterval(() => {
    const seen = stdout().split('\n').filter((line) => line.includes(`"event":"${event}"`));
    const line = seen[count - 1];
    if (line !== undefined) {
      clearInterval(poll);
      act(JSON.parse(line) as LogLine);
    }
  }, 20);
  child.on('exit', () => clearInterval(poll));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdl-every-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('load --every', () => {
  it('runs cycles until SIGTERM, one line per run, and stops with whole batches only', { timeout: 300_000 }, async () => {
    // 4,000 persons: eight 500-record pages per run, so the held page is always mid-run.
    const sandbox = await startSandbox({ deals: 1000, persons: 4000 });
    const result = await spawnCli(
      [
        'load', '--pipedrive-url', sandbox.url, '--schema', SCHEMA, '--streams', 'persons',
        '--full-refresh', '--batch-rows', String(BATCH), '--requests-per-2s', '8',
        '--every', '1s', '--every-minimum', '1s', '--log-format', 'json',
      ],
      {
        cwd: dir,
        env: { HOME: dir, DBT_PROFILES_DIR: undefined, PIPEDRIVE_API_TOKEN: sandbox.adminToken },
        onSpawn: (child, output) =>
          // Two runs complete; the third (already started, or about to) asks for at most two
          // pages before the fault is armed, so the third page asked for after it is page 3 to 5 of
          // 8. The fault fires (and disarms) when that request arrives; the page is held for 4 s,
          // and the signal goes while the loader waits for it, so it lands after some batches
          // and before the last, however fast or loaded the machine is.
          whenLogged(child, output.stdout, 'run_cycle', 2, () => {
            sandbox.faults.inject({ kind: 'slow', path: '/api/v2/persons', everyNth: 3, times: 1, delayMs: 4_000 });
            const held = setInterval(() => {
              if (sandbox.faults.pending > 0) return;
              clearInterval(held);
              child.kill('SIGTERM');
            }, 10);
            child.on('exit', () => clearInterval(held));
          }),
      },
    ).finally(() => sandbox.close());
    expect(result.stderr).toBe('');
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });

    const lines = jsonLines(result.stdout);
    // Stable keys on every line.
    for (const line of lines) {
      expect(Object.keys(line).slice(0, JSON_LOG_KEYS.length)).toEqual([...JSON_LOG_KEYS]);
    }
    // One line per run, and nothing else but the start, the stop request and the end.
    expect([...new Set(lines.map((line) => line.event))].sort()).toEqual(['every_started', 'every_stopped', 'run_cycle', 'stop_requested']);
    const cycles = lines.filter((line) => line.event === 'run_cycle');
    expect(cycles.map((line) => line['cycle'])).toEqual([1, 2, 3]);
    expect(cycles.map((line) => line['outcome'])).toEqual(['succeeded', 'succeeded', 'interrupted']);
    for (const cycle of cycles) {
      expect(cycle.load_id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      expect(cycle.message).toMatch(/^run \d \(\d+s\): /);
    }
    const [first, second, stopped] = cycles;
    // The stop request names the run it stops, not the one before.
    expect(lines.find((line) => line.event === 'stop_requested')?.load_id).toBe(stopped?.load_id);
    expect(first?.records).toBe(second?.records);
    expect(first?.['next_run_in']).toEqual(expect.any(Number));
    expect(stopped?.['next_run_in']).toBeNull();
    expect(stopped?.message).toContain('stopped by signal after its current batch');

    // Every run is recorded and closed.
    const runs = await query(`SELECT load_id, status, finished_at FROM ${SCHEMA}._loader_runs ORDER BY started_at, load_id`);
    expect(runs.map((run) => [run['load_id'], run['status']])).toEqual(
      cycles.map((cycle) => [cycle.load_id, cycle['outcome']]),
    );
    for (const run of runs) expect(run['finished_at']).not.toBeNull();

    // Whole batches only: the stopped run rewrote a prefix of the update-time order, in 500s.
    const persons = await query(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${SCHEMA}.persons`,
    );
    const total = Number(persons[0]?.['n']);
    expect(Number(persons[0]?.['ids'])).toBe(total);
    expect(total).toBeGreaterThan(2 * BATCH);
    const byRun = await query(
      `SELECT _load_id, count(*) AS n, min(update_time) AS oldest, max(update_time) AS newest
       FROM ${SCHEMA}.persons GROUP BY _load_id`,
    );
    const ofStopped = byRun.find((row) => row['_load_id'] === stopped?.load_id);
    const ofSecond = byRun.find((row) => row['_load_id'] === second?.load_id);
    const rewritten = Number(ofStopped?.['n'] ?? 0);
    expect(rewritten % BATCH).toBe(0);
    expect(rewritten).toBeGreaterThan(0);
    expect(rewritten).toBeLessThan(total);
    expect(byRun.map((row) => row['_load_id']).sort()).toEqual([second?.load_id, stopped?.load_id].sort());
    expect((ofStopped?.['newest'] as Date).getTime()).toBeLessThanOrEqual((ofSecond?.['oldest'] as Date).getTime());
    // The bookmark is exactly the newest row the stopped run committed.
    const [state] = await query(`SELECT bookmark, load_id FROM ${SCHEMA}._loader_state WHERE stream = 'persons'`);
    expect(state).toEqual({ bookmark: isoSecond(ofStopped?.['newest']), load_id: stopped?.load_id });
  });
});

describe('a second SIGTERM', () => {
  it('abandons the batch in flight, yet records the run as interrupted', { timeout: 120_000 }, async () => {
    const schema = 'second_signal';
    const result = await spawnCli(
      [
        'load', '--sandbox', '--sandbox-deals', '20000', '--schema', schema, '--streams', 'persons',
        // One batch holds every page, and pages come one a second: no batch is ever committing
        // when the signals arrive, so the run's record is written at once.
        '--batch-rows', '100000', '--requests-per-2s', '2', '--log-format', 'json',
      ],
      {
        cwd: dir,
        env: { HOME: dir, DBT_PROFILES_DIR: undefined, PIPEDRIVE_API_TOKEN: undefined },
        // Ordered by the child's own output: the second signal only once the first was handled.
        onSpawn: (child, output) =>
          whenLogged(child, output.stdout, 'stream_started', 1, () => {
            child.kill('SIGTERM');
            whenLogged(child, output.stdout, 'stop_requested', 1, () => child.kill('SIGTERM'));
          }),
      },
    );
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 130, signal: null });
    const events = jsonLines(result.stdout).map((line) => line.event);
    expect(events).toContain('stop_requested');
    expect(events).toContain('stop_forced');
    expect(events).not.toContain('run_record_failed');
    const runs = await query(`SELECT status, error, finished_at FROM ${schema}._loader_runs`);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/^Stopped by a second signal/) });
    expect(runs[0]?.['finished_at']).not.toBeNull();
    // Nothing of the abandoned batch reached the table.
    const [count] = await query(`SELECT count(*) AS n FROM ${schema}.persons`);
    expect(Number(count?.['n'])).toBe(0);
  });
});
