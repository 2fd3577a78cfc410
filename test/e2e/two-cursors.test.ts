/**
 * Long reads with two and four cursors (src/load/windows.ts, cursor-segments.ts), through the CLI
 * into DuckDB and PostgreSQL: the result equals the sandbox exactly, costs what one cursor costs
 * plus the few requests around each meeting point, and a SIGKILL while the cursors read loses nothing: the
 * committed bookmark never passes a record that was not committed, and a rerun converges with no
 * duplicate. A recording proxy in front of the sandbox shows that both cursors really ran.
 *
 * `PIPEDRIVE_LOADER_SECOND_CURSOR_AFTER=2` starts the second cursor after two pages, so a
 * 4,000-deal sandbox (8 deal pages, 16 activity pages) exercises it quickly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli, type CliOptions, type CliResult } from '../helpers/cli.js';
import { compareEntity, snapshotWarehouse, type WarehouseSnapshot } from '../helpers/compare.js';
import { snapshotPostgres } from '../helpers/compare-postgres.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

const STREAMS = 'deals,activities';
const DUCKDB_SCHEMAS = ['one_duckdb', 'two_duckdb', 'killed_duckdb'];
const ENTITIES: SandboxEntity[] = ['deals', 'activities'];

let sandbox: Sandbox;
let proxy: Server;
let proxyUrl: string;
/** Every API request's path and query, as the proxy forwarded it. */
const seen: URL[] = [];
let db: PostgresTestDatabase;
let dir: string;

/** Forwards to the sandbox and remembers each request; bodies pass through untouched. */
async function startProxy(target: string): Promise<void> {
  proxy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    if (!url.pathname.startsWith('/_sandbox/')) seen.push(url);
    fetch(url, { headers: { 'x-api-token': String(req.headers['x-api-token'] ?? '') } })
      .then(async (response) => {
        const body = Buffer.from(await response.arrayBuffer());
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'date', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
          const value = response.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        res.writeHead(response.status, { ...headers, 'content-length': body.length });
        res.end(body);
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 23, deals: 4_000 });
  await startProxy(sandbox.url);
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pdl-two-cursors-'));
  // PostgreSQL, and one DuckDB file per schema (the target's name is the schema's).
  const duckdb = Object.fromEntries(DUCKDB_SCHEMAS.map((schema) => [schema, { type: 'duckdb', path: duckdbFile(schema) }]));
  writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...db.settings }, ...duckdb } } }));
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await sandbox?.close();
  await db?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

type Target = 'duckdb' | 'pg';

function load(target: Target, schema: string, secondCursorAfter: string, extra: readonly string[] = [], onSpawn?: CliOptions['onSpawn']): Promise<CliResult> {
  return spawnCli(
    ['load', '--schema', schema, '--target', target === 'pg' ? 'pg' : schema, '--streams', STREAMS, '--pipedrive-url', proxyUrl, '--requests-per-2s', '1000', ...extra],
    {
      cwd: dir,
      env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined, PIPEDRIVE_LOADER_SECOND_CURSOR_AFTER: secondCursorAfter },
      onSpawn,
    },
  );
}

function duckdbFile(schema: string): string {
  return join(dir, `file_${schema}.duckdb`);
}

async function snapshot(target: Target, schema: string): Promise<WarehouseSnapshot> {
  return target === 'pg' ? snapshotPostgres(db, schema) : snapshotWarehouse(duckdbFile(schema), schema);
}

async function rows(target: Target, schema: string, sql: string): Promise<Record<string, unknown>[]> {
  return target === 'pg' ? db.sql(sql) : queryDuckDBFile(duckdbFile(schema), sql);
}

async function expectEqualsSandbox(target: Target, schema: string): Promise<void> {
  const taken = await snapshot(target, schema);
  for (const entity of ENTITIES) {
    const result = await compareEntity(taken, sandbox, entity);
    expect({ entity, missing: result.missing, extra: result.extra }).toEqual({ entity, missing: [], extra: [] });
    expect(result.mismatches.slice(0, 5)).toEqual([]);
  }
  for (const table of ENTITIES) {
    const [counts] = await rows(target, schema, `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${schema}.${table}`);
    expect(Number(counts?.n)).toBe(Number(counts?.ids));
  }
}

/**
 * Requests per list path of the runs between two points, how many of them read newest first, and
 * how many pairs were split (a split's ascending cursor starts with both `updated_since` and
 * `updated_until`: src/load/cursor-segments.ts).
 */
function requestsBetween(from: number, to: number): { byPath: Record<string, number>; descending: Record<string, number>; splits: Record<string, number> } {
  const byPath: Record<string, number> = {};
  const descending: Record<string, number> = {};
  const splits: Record<string, number> = {};
  const count = (counts: Record<string, number>, path: string) => (counts[path] = (counts[path] ?? 0) + 1);
  for (const url of seen.slice(from, to)) {
    const params = url.searchParams;
    count(byPath, url.pathname);
    if (params.get('sort_direction') === 'desc') count(descending, url.pathname);
    if (!params.has('cursor') && params.has('updated_since') && params.has('updated_until')) count(splits, url.pathname);
  }
  return { byPath, descending, splits };
}

describe.each<Target>(['duckdb', 'pg'])('a first load with two and four cursors into %s', (target) => {
  it('equals the sandbox and costs one cursor plus at most three requests per pair of cursors', async () => {
    const one = `one_${target}`;
    const two = `two_${target}`;
    const before = seen.length;
    const single = await load(target, one, 'never');
    expect(single.code, single.stderr).toBe(0);
    const afterSingle = seen.length;
    const double = await load(target, two, '2');
    expect(double.code, double.stderr).toBe(0);
    const first = requestsBetween(before, afterSingle);
    const second = requestsBetween(afterSingle, seen.length);
    expect(first.descending).toEqual({});
    for (const path of ['/api/v2/deals', '/api/v2/activities']) {
      // Both cursors ran on the long streams…
      expect(second.descending[path] ?? 0, path).toBeGreaterThanOrEqual(1);
      // …for the same pages, give or take, for each pair, the tail or split, the page in flight and the meeting page.
      const extraRequests = (second.byPath[path] ?? 0) - (first.byPath[path] ?? 0);
      expect(extraRequests, path).toBeGreaterThanOrEqual(1);
      expect(extraRequests, path).toBeLessThanOrEqual(3 * (1 + (second.splits[path] ?? 0)));
    }
    // The 16 activity pages, after two read by one cursor, were long enough for a second pair.
    expect(second.splits['/api/v2/activities'] ?? 0).toBeGreaterThanOrEqual(1);
    // Every other request (the account, field metadata) is the same.
    const others = (counts: Record<string, number>) =>
      Object.entries(counts).filter(([path]) => !['/api/v2/deals', '/api/v2/activities'].includes(path)).sort();
    expect(others(second.byPath)).toEqual(others(first.byPath));
    await expectEqualsSandbox(target, two);
    await expectEqualsSandbox(target, one);
  });

  it('survives a SIGKILL while both cursors read: nothing before the bookmark is missing, and a rerun converges', async () => {
    const schema = `killed_${target}`;
    const args = ['--batch-rows', '500'];
    sandbox.faults.inject({ kind: 'slow', path: '/api/v2/activities', everyNth: 1, delayMs: 150 });
    const from = seen.length;
    const killed = await load(target, schema, '2', args, (child) => {
      // Kill once the newest-first cursor has read a few activity pages: both cursors have
      // handed over pages, and some batches mixing the two have committed.
      const poll = setInterval(() => {
        if ((requestsBetween(from, seen.length).descending['/api/v2/activities'] ?? 0) >= 3) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 5);
    });
    sandbox.faults.clear();
    expect(killed.signal).toBe('SIGKILL');
    const [state] = await rows(target, schema, `SELECT bookmark FROM ${schema}._loader_state WHERE stream = 'activities'`);
    const bookmark = state?.bookmark as string | Date | undefined;
    const committed = await rows(target, schema, `SELECT id FROM ${schema}.activities`);
    const ids = new Set(committed.map((row) => Number(row.id)));
    expect(ids.size).toBe(committed.length);
    expect(ids.size).toBeLessThan(8_000);
    // Batches of 500 rows, the kill after three newest-first pages: some batches have committed.
    expect(bookmark).toBeDefined();
    // The bookmark's promise: every activity updated before it is committed.
    const limit = Date.parse(String(bookmark instanceof Date ? bookmark.toISOString() : bookmark));
    const missing: unknown[] = [];
    for await (const record of sandbox.records('activities')) {
      if (Date.parse(String(record.update_time)) < limit && !ids.has(Number(record.id))) missing.push(record.id);
    }
    expect(missing.slice(0, 5)).toEqual([]);
    const rerun = await load(target, schema, '2');
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectEqualsSandbox(target, schema);
  });
});
