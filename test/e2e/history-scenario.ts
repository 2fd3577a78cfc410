/**
 * History mode's end-to-end scenario, shared by the DuckDB and PostgreSQL tests: the CLI in a child
 * process against the sandbox, through a sequence of runs with updates, deletes, a new custom
 * field, a crash at every merge point of a run, a full refresh that reads an older version late,
 * and a key scan. The sandbox's records are recorded at every run boundary; each history table
 * must then hold exactly those versions, chained, with one current row per live record.
 */
import { expect } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { CRASH_AT_VARIABLE } from '../../src/load/crash-points.js';
import type { CliResult } from '../helpers/cli.js';

export interface HistoryTarget {
  /** Runs `load` into `schema` with extra flags and environment. */
  load(schema: string, flags: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** A timestamp column as ISO text in UTC, whole seconds (`2026-06-01T00:00:00Z`). */
  iso(column: string): string;
}

type Entity = 'deals' | 'persons' | 'organizations';
const CONTENT: Readonly<Record<Entity, string>> = { deals: 'title', persons: 'name', organizations: 'name' };
const STREAMS = ['--streams', 'deals,persons,organizations'];

/** `table:id` → versions seen at run boundaries: update_time → the content column's value. */
type Expected = Map<string, Map<string, string>>;

interface StoredVersion {
  readonly id: string;
  readonly from: string;
  readonly to: string | null;
  readonly current: boolean;
  readonly content: string | null;
}

function isLive(record: Record<string, unknown>): boolean {
  return record.is_deleted !== true && record.status !== 'deleted';
}

/** What the sandbox serves now, as the run about to start will read it. */
async function recordBoundary(sandbox: Sandbox, expected: Expected, entities: readonly Entity[]): Promise<void> {
  for (const entity of entities) {
    for await (const record of sandbox.records(entity)) {
      if (!isLive(record)) continue;
      const key = `${entity}:${String(record.id)}`;
      const versions = expected.get(key) ?? new Map<string, string>();
      versions.set(String(record.update_time), String(record[CONTENT[entity]]));
      expected.set(key, versions);
    }
  }
}

async function storedVersions(target: HistoryTarget, schema: string, entity: Entity): Promise<StoredVersion[]> {
  const rows = await target.query(
    `SELECT CAST(id AS VARCHAR(20)) AS id, ${target.iso('_valid_from')} AS vf, ${target.iso('_valid_to')} AS vt, _is_current AS cur, ` +
      `${CONTENT[entity]} AS content FROM ${schema}.${entity}_history ORDER BY id, _valid_from`,
  );
  return rows.map((row) => ({
    id: String(row.id),
    from: String(row.vf),
    to: row.vt === null ? null : String(row.vt),
    current: row.cur === true,
    content: row.content === null ? null : String(row.content),
  }));
}

/**
 * The invariants that hold after any run, crashed or not: no version twice, each key's versions
 * chained (_valid_to = the next one's _valid_from, the last one's = the current row's
 * _deleted_at), exactly one current version per live current row, and none that was never served.
 */
async function expectConsistent(target: HistoryTarget, schema: string, entity: Entity, expected: Expected): Promise<StoredVersion[]> {
  const versions = await storedVersions(target, schema, entity);
  const current = await target.query(`SELECT CAST(id AS VARCHAR(20)) AS id, ${target.iso('_deleted_at')} AS del FROM ${schema}.${entity}`);
  const deletedAt = new Map(current.map((row) => [String(row.id), row.del === null ? null : String(row.del)]));
  const byId = new Map<string, StoredVersion[]>();
  for (const version of versions) byId.set(version.id, [...(byId.get(version.id) ?? []), version]);
  const problems: string[] = [];
  for (const [id, list] of byId) {
    const froms = list.map((v) => v.from);
    if (new Set(froms).size !== froms.length) problems.push(`${entity} ${id}: a version twice`);
    list.forEach((version, index) => {
      const next = list[index + 1];
      const last = next === undefined;
      const to = last ? (deletedAt.get(id) ?? null) : next.from;
      if (version.to !== to) problems.push(`${entity} ${id}@${version.from}: _valid_to ${version.to}, expected ${to}`);
      if (version.current !== (last && to === null)) problems.push(`${entity} ${id}@${version.from}: _is_current ${version.current}`);
      const seen = expected.get(`${entity}:${id}`)?.get(version.from);
      if (seen === undefined) problems.push(`${entity} ${id}@${version.from}: never served at a run boundary`);
      else if (seen !== version.content) problems.push(`${entity} ${id}@${version.from}: ${version.content}, served ${seen}`);
    });
  }
  for (const [id, del] of deletedAt) {
    const currentRows = (byId.get(id) ?? []).filter((v) => v.current).length;
    if (del === null && byId.has(id) && currentRows !== 1) problems.push(`${entity} ${id}: ${currentRows} current versions`);
  }
  expect(problems.slice(0, 10)).toEqual([]);
  return versions;
}

/** After a completed run: the stored versions are exactly the ones served at run boundaries. */
async function expectExactly(target: HistoryTarget, schema: string, entity: Entity, expected: Expected): Promise<void> {
  const versions = await expectConsistent(target, schema, entity, expected);
  const stored = versions.map((v) => `${v.id}@${v.from}`).sort();
  const served = [...expected]
    .filter(([key]) => key.startsWith(`${entity}:`))
    .flatMap(([key, froms]) => [...froms.keys()].map((from) => `${key.slice(entity.length + 1)}@${from}`))
    .sort();
  expect(stored.length).toBe(served.length);
  expect(stored).toEqual(served);
}

function succeeded(result: CliResult): void {
  if (result.code !== 0) process.stderr.write(`${result.stdout}\n${result.stderr}\n`);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

export async function runHistoryScenario(target: HistoryTarget, sandbox: Sandbox, schema: string): Promise<void> {
  const expected: Expected = new Map();
  const all: Entity[] = ['deals', 'persons', 'organizations'];

  // Run 1: deals and persons keep a history from their first load; organizations do not yet.
  await recordBoundary(sandbox, expected, ['deals', 'persons']);
  succeeded(await target.load(schema, [...STREAMS, '--history', 'deals,persons']));
  for (const entity of ['deals', 'persons'] as const) await expectExactly(target, schema, entity, expected);
  const orgsAtRun1 = new Map<string, Map<string, string>>();
  await recordBoundary(sandbox, orgsAtRun1, ['organizations']);

  // Between runs: one deal changes twice (the loader sees only the second), another is deleted.
  const deals = (await target.query(`SELECT id FROM ${schema}.deals WHERE _deleted_at IS NULL ORDER BY id LIMIT 4`)).map((r) => Number(r.id));
  const [d1, d2, d3] = deals as [number, number, number];
  const persons = (await target.query(`SELECT id FROM ${schema}.persons WHERE _deleted_at IS NULL ORDER BY id LIMIT 2`)).map((r) => Number(r.id));
  const [p1, p2] = persons as [number, number];
  sandbox.clock.advance(60);
  sandbox.mutate.update('deals', d1, { title: 'History v2 (never read)' });
  sandbox.clock.advance(60);
  sandbox.mutate.update('deals', d1, { title: 'History v3' });
  sandbox.mutate.update('persons', p1, { name: 'Person renamed' });
  sandbox.mutate.delete('deals', d2);
  sandbox.mutate.update('organizations', 1, { name: 'Org renamed' });
  sandbox.clock.advance(60);

  // Run 2: organizations turn history on; their history starts with the current rows (run 1's).
  for (const [key, versions] of orgsAtRun1) expected.set(key, new Map(versions));
  await recordBoundary(sandbox, expected, all);
  const second = await target.load(schema, [...STREAMS, '--history', 'all', '--reconcile-deletes', 'never']);
  succeeded(second);
  expect(second.stdout).toMatch(/organizations: history mode on; organizations_history starts with the \d+ current row\(s\) as their first versions/);
  for (const entity of all) await expectExactly(target, schema, entity, expected);
  const [d2Versions] = await target.query(`SELECT COUNT(*) AS n FROM ${schema}.deals_history WHERE id = ${d2} AND _is_current`);
  expect(Number(d2Versions?.n)).toBe(0); // the delete closed its version and added none

  // Between runs: a custom field appears, d1 changes again, d3 gets the new field, p2 is deleted
  // (persons deleted in Pipedrive are simply no longer listed: only a key scan can tell).
  sandbox.clock.advance(60);
  const fieldKey = sandbox.mutate.addField('deal', { name: 'History later', field_type: 'varchar' });
  sandbox.mutate.update('deals', d1, { title: 'History v4' });
  sandbox.mutate.update('deals', d3, { title: 'With the new field', custom_fields: { [fieldKey]: 'hello' } });
  sandbox.mutate.delete('persons', p2);
  sandbox.clock.advance(60);

  // Run 3, killed at each merge point in turn (a batch staged, nothing merged) until one run
  // gets through: after every crash the histories are consistent, and the last run completes them.
  await recordBoundary(sandbox, expected, all);
  let crashes = 0;
  for (let point = 1; ; point += 1) {
    // Deals alone keep the points few: the deal fields' batch and delete mark, then each deals
    // batch's merge and its history's (both staged in the transaction before anything is merged).
    const run = await target.load(schema, ['--streams', 'deals', '--history', 'all', '--reconcile-deletes', 'never'], {
      [CRASH_AT_VARIABLE]: `merge:${point}`,
    });
    for (const entity of all) await expectConsistent(target, schema, entity, expected);
    if (run.signal === null) {
      succeeded(run);
      break;
    }
    expect(run.stderr).toContain(`crash point merge:${point} reached`);
    crashes += 1;
    expect(point).toBeLessThan(12);
  }
  expect(crashes).toBeGreaterThan(2);
  for (const entity of all) await expectExactly(target, schema, entity, expected);
  const withField = await target.query(
    `SELECT title, history_later FROM ${schema}.deals_history WHERE id = ${d3} ORDER BY _valid_from`,
  );
  // Older versions hold NULL in the column added later.
  expect(withField.length).toBeGreaterThan(1);
  expect(withField.map((row) => row.history_later)).toEqual([...withField.slice(1).map(() => null), 'hello']);

  // A version read late: d1 is edited, but stamped back between two versions already stored.
  // The full refresh reads it; the current row keeps the newer v4, the history gets it in place.
  const [v3] = await target.query(`SELECT ${target.iso('_valid_from')} AS vf FROM ${schema}.deals_history WHERE id = ${d1} AND title = 'History v3'`);
  const late = new Date(Date.parse(String(v3?.vf)) + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  sandbox.mutate.update('deals', d1, { title: 'Read late' });
  await fetch(`${sandbox.url}/_sandbox/mutations`, {
    method: 'POST',
    body: JSON.stringify({ op: 'stamp', entity: 'deals', id: d1, update_time: late }),
  });
  await recordBoundary(sandbox, expected, all);
  succeeded(await target.load(schema, [...STREAMS, '--history', 'all', '--reconcile-deletes', 'never', '--full-refresh']));
  for (const entity of all) await expectExactly(target, schema, entity, expected);
  const d1History = await target.query(`SELECT title FROM ${schema}.deals_history WHERE id = ${d1} ORDER BY _valid_from`);
  expect(d1History.map((row) => row.title).slice(-3)).toEqual(['History v3', 'Read late', 'History v4']);
  const [d1Current] = await target.query(`SELECT title FROM ${schema}.deals WHERE id = ${d1}`);
  expect(d1Current?.title).toBe('History v4');

  // Run 5: a key scan finds p2 gone; its last version closes at the moment the loader noticed.
  await recordBoundary(sandbox, expected, all);
  succeeded(await target.load(schema, [...STREAMS, '--history', 'all', '--reconcile-deletes', 'always']));
  for (const entity of all) await expectExactly(target, schema, entity, expected);
  const [p2Row] = await target.query(`SELECT ${target.iso('_deleted_at')} AS del FROM ${schema}.persons WHERE id = ${p2}`);
  expect(p2Row?.del).not.toBeNull();
  const [p2Last] = await target.query(
    `SELECT ${target.iso('_valid_to')} AS vt, _is_current AS cur FROM ${schema}.persons_history WHERE id = ${p2} ORDER BY _valid_from DESC LIMIT 1`,
  );
  expect(p2Last).toEqual({ vt: p2Row?.del, cur: false });
}
