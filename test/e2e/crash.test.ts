/**
 * A crash at any moment must lose nothing: SIGKILL the CLI in the middle of a load (no handler
 * can run), check that what it committed is consistent, rerun, and converge with no duplicates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliOptions } from '../helpers/cli.js';
import { startGatedProxy } from '../helpers/gated-proxy.js';
import { compareEntity, snapshotWarehouse } from '../helpers/compare.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

const SCHEMA = 'crash_test';
let sandbox: Sandbox;
let dir: string;

function load(onSpawn?: CliOptions['onSpawn']) {
  return spawnCli(
    ['load', '--schema', SCHEMA, '--streams', 'deals', '--batch-rows', '1000', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000'],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined }, onSpawn },
  );
}

function query(sql: string): Promise<Record<string, unknown>[]> {
  return queryDuckDBFile(join(dir, 'pipedrive.duckdb'), sql);
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 9, deals: 12_000 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-crash-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL in the middle of a load', () => {
  it('keeps only committed batches with their bookmark, and a rerun converges with no duplicate ids', async () => {
    // Slow pages keep the kill well inside the stream: 24 pages of deals at ~200 ms each.
    sandbox.faults.inject({ kind: 'slow', path: '/api/v2/deals', everyNth: 1, delayMs: 200 });
    let killedAfter = '';
    const killed = await load((child, output) => {
      // With 2-page batches and at most one commit in flight, the batch of pages 1–2 has
      // committed before page 5 is requested; so once the 6th deals page is requested, at least
      // one batch is committed: kill there, far from the end (24 pages), whatever the speed.
      const poll = setInterval(() => {
        const pages = sandbox.stats.snapshot().byRoute['GET /api/v2/deals']?.requests ?? 0;
        if (pages >= 6) {
          clearInterval(poll);
          killedAfter = output.stdout();
          child.kill('SIGKILL');
        }
      }, 5);
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(killedAfter).not.toMatch(/deals: \d+ records/); // killed before the stream finished

    const [partial] = await query(
      // Archived deals are a stream of their own, read at the same time into the same table.
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, max(update_time) FILTER (WHERE NOT is_archived) AS newest FROM ${SCHEMA}.deals`,
    );
    const [state] = await query(`SELECT bookmark FROM ${SCHEMA}._loader_state WHERE stream = 'deals'`);
    const committed = Number(partial?.n);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(12_000);
    expect(Number(partial?.ids)).toBe(committed);
    // The bookmark never runs ahead of committed data: it is exactly the newest committed row.
    const newest = (partial?.newest as Date).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(state?.bookmark).toBe(newest);

    sandbox.faults.clear();
    const rerun = await load();
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    // The rerun resumed from the bookmark rather than starting over.
    expect(rerun.stdout).toContain(`deals: reading changes since ${newest}`);

    const [final] = await query(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${SCHEMA}.deals`);
    expect(Number(final?.ids)).toBe(Number(final?.n));
    const snapshot = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    const comparison = await compareEntity(snapshot, sandbox, 'deals');
    expect(comparison.missing).toEqual([]);
    expect(comparison.extra).toEqual([]);
    expect(comparison.mismatches.slice(0, 5)).toEqual([]);
  });
});

describe('two runs against the same target', () => {
  it('refuses the second one with exit code 7 and a clear message, and the first one finishes', async () => {
    const other = await startSandbox({ seed: 10, deals: 3_000 });
    // The first run is held at its first deals page (it has the DuckDB file open by then) until
    // the second has been refused: a barrier, however long the second takes to start.
    const proxy = await startGatedProxy(other.url, '/api/v2/deals');
    const lockDir = mkdtempSync(join(tmpdir(), 'pdl-lock-'));
    try {
      const args = ['load', '--schema', 'locked', '--streams', 'deals', '--pipedrive-url', proxy.url, '--requests-per-2s', '1000'];
      const env = { PIPEDRIVE_API_TOKEN: other.adminToken, HOME: lockDir, DBT_PROFILES_DIR: undefined };
      let second: Promise<Awaited<ReturnType<typeof spawnCli>>> | undefined;
      const first = await spawnCli(args, {
        cwd: lockDir,
        env,
        onSpawn: () => {
          second = proxy.held.then(() => spawnCli(args, { cwd: lockDir, env })).finally(() => proxy.open());
        },
      });
      expect(first.code).toBe(0);
      const refused = await second;
      expect(refused?.code).toBe(7);
      expect(refused?.stderr).toMatch(/another pipedrive-loader run or program has \.\/pipedrive\.duckdb open/);
    } finally {
      await proxy.close();
      await other.close();
      rmSync(lockDir, { recursive: true, force: true });
    }
  });
});
