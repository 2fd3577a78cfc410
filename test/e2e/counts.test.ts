/**
 * Counts that mean what they say, through the CLI into DuckDB and PostgreSQL: `updated` counts
 * rows whose values changed, `unchanged` rows read again as stored. A run with nothing changed,
 * a full refresh of unchanged data, and a run after k edits each report exactly that; and
 * `state show --run <id>` prints the figures of the run asked for.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

type Line = Record<string, unknown> & { event: string };

interface Counts {
  readonly records: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

interface Run {
  readonly loadId: string;
  readonly streams: ReadonlyMap<string, Counts>;
  readonly total: Counts;
}

function jsonLines(result: CliResult): Line[] {
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
}

function countsOf(line: Line): Counts {
  return { records: Number(line['records']), inserted: Number(line['inserted']), updated: Number(line['updated']), unchanged: Number(line['unchanged']) };
}

function figures(result: CliResult): Run {
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const lines = jsonLines(result);
  const finished = lines.filter((line) => line.event === 'stream_finished');
  const streams = new Map(finished.map((line) => [String(line['stream']), countsOf(line)]));
  const total = [...streams.values()].reduce(
    (sum, c) => ({ records: sum.records + c.records, inserted: sum.inserted + c.inserted, updated: sum.updated + c.updated, unchanged: sum.unchanged + c.unchanged }),
    { records: 0, inserted: 0, updated: 0, unchanged: 0 },
  );
  const loadId = String(lines.find((line) => line.event === 'run_started')?.['load_id']);
  return { loadId, streams, total };
}

interface Target {
  readonly name: string;
  readonly args: readonly string[];
  setUp(dir: string): Promise<void>;
  /** Rows in a table of the loaded schema. */
  count(table: string): Promise<number>;
  tearDown(): Promise<void>;
}

const SCHEMA = 'counts_e2e';

function duckdbTarget(): Target {
  let dir = '';
  return {
    name: 'DuckDB',
    args: ['--schema', SCHEMA],
    async setUp(d) {
      dir = d;
    },
    async count(table) {
      const { queryDuckDBFile } = await import('../helpers/duckdb-file.js');
      const [row] = await queryDuckDBFile(join(dir, 'pipedrive.duckdb'), `SELECT count(*) AS n FROM ${SCHEMA}.${table}`);
      return Number(row?.['n']);
    },
    async tearDown() {},
  };
}

function postgresTarget(): Target {
  let db: PostgresTestDatabase | undefined;
  return {
    name: 'PostgreSQL',
    args: ['--schema', SCHEMA, '--target', 'pg'],
    async setUp(dir) {
      db = await createTestDatabase();
      writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...db.settings } } } }));
    },
    async count(table) {
      const [row] = await (db as PostgresTestDatabase).sql<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.${table}`);
      return Number(row?.n);
    },
    async tearDown() {
      await db?.dispose();
    },
  };
}

// Two to four loads per test on a shared two-core machine: minutes, not the default minute.
const LOADS_TIMEOUT_MS = 300_000;

describe.each([duckdbTarget(), postgresTarget()])('counts into $name', (target) => {
  let sandbox: Sandbox;
  let dir: string;
  const cli = (args: readonly string[]): Promise<CliResult> =>
    spawnCli([...args, '--pipedrive-url', sandbox.url], {
      cwd: dir,
      env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
    });
  const load = async (extra: readonly string[] = []): Promise<Run> =>
    figures(await cli(['load', ...target.args, '--requests-per-2s', '1000', '--log-format', 'json', ...extra]));

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 29, deals: 300 });
    dir = mkdtempSync(join(tmpdir(), 'pdl-counts-'));
    await target.setUp(dir);
  }, LOADS_TIMEOUT_MS);

  afterAll(async () => {
    await sandbox?.close();
    await target.tearDown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a first run inserts, a second with nothing changed reports 0 updated and its re-reads unchanged', async () => {
    const first = await load();
    expect(first.total.inserted).toBeGreaterThan(0);
    expect(first.total.updated).toBe(0);

    // Lists are read on a cadence (src/load/list-cadence.ts): this run reads them as if it were due.
    const second = await load(['--refresh-lists', 'always']);
    // Today's bug: every re-read row of a table without update_time counted as updated.
    expect(second.total).toMatchObject({ inserted: 0, updated: 0 });
    expect(second.total.unchanged).toBeGreaterThan(0);
    // Full streams re-read every record, all unchanged.
    expect(second.streams.get('stages')).toEqual({ records: await target.count('stages'), inserted: 0, updated: 0, unchanged: await target.count('stages') });
    expect(second.streams.get('users')?.unchanged).toBe(await target.count('users'));
  }, LOADS_TIMEOUT_MS);

  it('a full refresh of unchanged data reports 0 inserted, 0 updated and every row unchanged', async () => {
    const refresh = await load(['--full-refresh']);
    expect(refresh.total).toMatchObject({ inserted: 0, updated: 0 });
    const deals = refresh.streams.get('deals');
    const archived = refresh.streams.get('deals_archived');
    expect((deals?.unchanged ?? 0) + (archived?.unchanged ?? 0)).toBe(await target.count('deals'));
    expect(refresh.streams.get('persons')).toMatchObject({ inserted: 0, updated: 0, unchanged: await target.count('persons') });
  }, LOADS_TIMEOUT_MS);

  it('a run after k edits reports exactly k updated, and state show --run prints that run', async () => {
    sandbox.clock.advance(600);
    const edited = [3, 17, 42];
    for (const id of edited) sandbox.mutate.update('deals', id, { title: `Edited deal ${id}` });
    sandbox.mutate.update('persons', 5, { name: 'Edited person' });
    const run = await load();
    // Archived deals come through their own stream into the same table.
    expect((run.streams.get('deals')?.updated ?? 0) + (run.streams.get('deals_archived')?.updated ?? 0)).toBe(edited.length);
    expect(run.streams.get('persons')?.updated).toBe(1);
    expect(run.total).toMatchObject({ inserted: 0, updated: edited.length + 1 });

    const shown = await cli(['state', 'show', ...target.args, '--run', run.loadId]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Run ${run.loadId}: succeeded`);
    expect(shown.stdout).toMatch(/^stream +records +inserted +updated +unchanged +deleted +columns added +requests +tokens +seconds +status$/m);
    const deals = run.streams.get('deals') as Counts;
    expect(shown.stdout).toMatch(new RegExp(`^deals +${deals.records} +0 +${deals.updated} +${deals.unchanged} +0 +0 +\\d+ +\\d+ +[\\d.]+ +loaded$`, 'm'));

    const json = jsonLines(await cli(['state', 'show', ...target.args, '--run', run.loadId, '--log-format', 'json']));
    expect(json.find((line) => line.event === 'state_run_stream' && line['stream'] === 'deals')).toMatchObject({
      load_id: run.loadId,
      records: deals.records,
      inserted: 0,
      updated: deals.updated,
      unchanged: deals.unchanged,
    });

    const missing = await cli(['state', 'show', ...target.args, '--run', 'no-such-run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr + missing.stdout).toContain('No run no-such-run');
  }, LOADS_TIMEOUT_MS);
});
