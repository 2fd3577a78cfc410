/**
 * The reliability suite's shared parts: a target (a DuckDB file or a PostgreSQL database) that the
 * real CLI loads from a sandbox, the check that the warehouse holds exactly what the sandbox
 * holds, and the tally the suite prints at the end (kills and faults survived, hostile values
 * loaded or rejected, rows lost, rows duplicated).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Sandbox, SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli, type CliOptions, type CliResult } from '../helpers/cli.js';
import { compareEntity, snapshotWarehouse, TABLE_OF, type WarehouseSnapshot } from '../helpers/compare.js';
import { snapshotPostgres } from '../helpers/compare-postgres.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

/** The entities every scenario loads: enough streams to run concurrently, few enough to be quick. */
export const ENTITIES: readonly SandboxEntity[] = ['deals', 'persons', 'organizations'];
export const STREAM_LIST = 'deals,persons,organizations';

export interface Tally {
  kills: number;
  killsSurvived: number;
  faults: number;
  faultsSurvived: number;
  hostileValues: number;
  hostileLoadedOrRejected: number;
  driftCases: number;
  driftHealed: number;
  rowsLost: number;
  rowsDuplicated: number;
}

export function newTally(): Tally {
  return {
    kills: 0,
    killsSurvived: 0,
    faults: 0,
    faultsSurvived: 0,
    hostileValues: 0,
    hostileLoadedOrRejected: 0,
    driftCases: 0,
    driftHealed: 0,
    rowsLost: 0,
    rowsDuplicated: 0,
  };
}

export function formatTally(tally: Tally, target: string): string {
  return [
    `Reliability totals on ${target}`,
    `  kills survived           ${tally.killsSurvived} of ${tally.kills}`,
    `  source faults survived   ${tally.faultsSurvived} of ${tally.faults}`,
    `  hostile values loaded or rejected  ${tally.hostileLoadedOrRejected} of ${tally.hostileValues}`,
    `  drift cases healed       ${tally.driftHealed} of ${tally.driftCases}`,
    `  rows lost                ${tally.rowsLost}`,
    `  rows duplicated          ${tally.rowsDuplicated}`,
  ].join('\n');
}

/** Where the CLI writes: one DuckDB file or one PostgreSQL database per target, a schema per scenario. */
export interface ReliabilityTarget {
  readonly name: 'duckdb' | 'postgres';
  load(sandbox: Sandbox, schema: string, extra?: readonly string[], options?: Pick<CliOptions, 'env' | 'onSpawn'>): Promise<CliResult>;
  sql(sql: string): Promise<Record<string, unknown>[]>;
  snapshot(schema: string): Promise<WarehouseSnapshot>;
  dispose(): Promise<void>;
}

function cliArgs(sandbox: Sandbox, schema: string, targetArgs: readonly string[], extra: readonly string[]): string[] {
  return [
    'load', '--schema', schema, '--streams', STREAM_LIST, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000',
    // Field metadata every run, as the suite's faults and crash points were chosen for: with the
    // list cadence an incremental run would skip those requests and their merges.
    '--batch-rows', '100', '--refresh-lists', 'always', ...targetArgs, ...extra,
  ];
}

function cliEnv(sandbox: Sandbox, dir: string, extra: CliOptions['env']): CliOptions['env'] {
  return { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined, ...extra };
}

export function duckdbTarget(): ReliabilityTarget {
  const dir = mkdtempSync(join(tmpdir(), 'pdl-reliability-duckdb-'));
  const file = join(dir, 'pipedrive.duckdb');
  return {
    name: 'duckdb',
    load: (sandbox, schema, extra = [], options = {}) =>
      spawnCli(cliArgs(sandbox, schema, [], extra), { cwd: dir, env: cliEnv(sandbox, dir, options.env), onSpawn: options.onSpawn }),
    sql: (sql) => queryDuckDBFile(file, sql),
    snapshot: (schema) => snapshotWarehouse(file, schema),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function postgresTarget(): Promise<ReliabilityTarget> {
  const db: PostgresTestDatabase = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'pdl-reliability-pg-'));
  writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...db.settings } } } }));
  return {
    name: 'postgres',
    load: (sandbox, schema, extra = [], options = {}) =>
      spawnCli(cliArgs(sandbox, schema, ['--target', 'pg'], extra), { cwd: dir, env: cliEnv(sandbox, dir, options.env), onSpawn: options.onSpawn }),
    sql: (sql) => db.sql(sql),
    snapshot: (schema) => snapshotPostgres(db, schema),
    dispose: async () => {
      await db.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Verdict {
  readonly lost: number;
  readonly duplicated: number;
  readonly extra: number;
  readonly mismatches: number;
  /** The first few differences, for a failing assertion to show. */
  readonly examples: readonly string[];
}

/** Compares every loaded entity with the sandbox: rows missing, extra, duplicated or different. */
/** `table id column` of every value recorded in _loader_rejects (stored as NULL on purpose). */
async function rejectedValues(target: ReliabilityTarget, schema: string): Promise<Set<string>> {
  const exists = await target.sql(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '_loader_rejects'`,
  );
  if (exists.length === 0) return new Set();
  const rows = await target.sql(`SELECT table_name, record_id, column_name FROM "${schema}"."_loader_rejects"`);
  return new Set(rows.map((row) => `${String(row['table_name'])} ${String(row['record_id'])} ${String(row['column_name'])}`));
}

export async function verify(target: ReliabilityTarget, sandbox: Sandbox, schema: string): Promise<Verdict> {
  const snapshot = await target.snapshot(schema);
  const rejected = await rejectedValues(target, schema);
  let lost = 0;
  let duplicated = 0;
  let extra = 0;
  let mismatches = 0;
  const examples: string[] = [];
  for (const entity of ENTITIES) {
    const table = TABLE_OF[entity];
    const comparison = await compareEntity(snapshot, sandbox, entity);
    // A value no column of its type can hold is NULL by design, and named in _loader_rejects.
    const differences = comparison.mismatches.filter(
      (mismatch) => !(mismatch.actual === null && rejected.has(`${table} ${mismatch.id} ${mismatch.column}`)),
    );
    lost += comparison.missing.length;
    extra += comparison.extra.length;
    mismatches += differences.length;
    if (comparison.missing.length > 0) examples.push(`${table}: missing ids ${comparison.missing.slice(0, 5).join(', ')}`);
    if (comparison.extra.length > 0) examples.push(`${table}: extra ids ${comparison.extra.slice(0, 5).join(', ')}`);
    for (const mismatch of differences.slice(0, 3)) {
      examples.push(`${table} ${mismatch.id}.${mismatch.column}: ${JSON.stringify(mismatch.expected)} ≠ ${JSON.stringify(mismatch.actual)}`);
    }
    const [counts] = await target.sql(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM "${schema}"."${table}"`);
    const copies = Number(counts?.['n'] ?? 0) - Number(counts?.['ids'] ?? 0);
    duplicated += copies;
    if (copies > 0) examples.push(`${table}: ${copies} duplicate rows`);
  }
  return { lost, duplicated, extra, mismatches, examples };
}

/** Records a scenario's verdict in the tally; true when the warehouse equals the sandbox. */
export function record(tally: Tally, verdict: Verdict): boolean {
  tally.rowsLost += verdict.lost;
  tally.rowsDuplicated += verdict.duplicated;
  return verdict.lost === 0 && verdict.duplicated === 0 && verdict.extra === 0 && verdict.mismatches === 0;
}

/** A small deterministic generator (mulberry32), so a seed names the same kill points every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Changes a few records of every loaded entity, as the company keeps working between runs. */
export function mutateSome(sandbox: Sandbox, ids: ReadonlyMap<SandboxEntity, readonly number[]>, round: number, count: number): void {
  sandbox.clock.advance(120);
  for (const entity of ENTITIES) {
    const known = ids.get(entity) ?? [];
    for (let index = 0; index < count && index < known.length; index += 1) {
      const id = known[(round * 7 + index * 13) % known.length];
      if (id !== undefined) sandbox.mutate.update(entity, id, entity === 'deals' ? { title: `round ${round} deal ${id}` } : { name: `round ${round} ${entity} ${id}` });
    }
    sandbox.mutate.insert(entity, entity === 'deals' ? { title: `inserted in round ${round}` } : { name: `inserted in round ${round}` });
  }
}

/** The ids of every record of the loaded entities, to pick mutations from. */
export async function sandboxIds(sandbox: Sandbox): Promise<Map<SandboxEntity, number[]>> {
  const ids = new Map<SandboxEntity, number[]>();
  for (const entity of ENTITIES) {
    const list: number[] = [];
    for await (const record of sandbox.records(entity)) if (typeof record['id'] === 'number') list.push(record['id']);
    ids.set(entity, list);
  }
  return ids;
}
