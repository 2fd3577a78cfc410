/**
 * `load --since` (and `start_date` in the profile): a first backfill bounded by a start date, as
 * Stitch's and Singer's start date. Incremental streams read only what was updated since then; a
 * key scan for deletes does not bring older records back; a record changed later arrives; `plan`
 * estimates the bounded read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

let sandbox: Sandbox;
let dir: string;
let since: string;

function cli(args: readonly string[]): Promise<CliResult> {
  return spawnCli([...args, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000'], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
  });
}

function query(sql: string): Promise<Record<string, unknown>[]> {
  return queryDuckDBFile(join(dir, 'pipedrive.duckdb'), sql);
}

/** Ids of the sandbox's persons updated at or after `from` (persons are listed whole by one stream). */
async function personsSince(from: string): Promise<number[]> {
  const ids: number[] = [];
  for await (const person of sandbox.records('persons')) {
    if (Date.parse(String(person['update_time'])) >= Date.parse(from)) ids.push(Number(person['id']));
  }
  return ids.sort((a, b) => a - b);
}

async function loadedPersons(schema: string): Promise<number[]> {
  const rows = await query(`SELECT id FROM ${schema}.persons WHERE _deleted_at IS NULL ORDER BY id`);
  return rows.map((row) => Number(row['id']));
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 23, deals: 400 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-since-'));
  // The median update time of the persons: about half of them are older.
  const times: string[] = [];
  for await (const person of sandbox.records('persons')) times.push(String(person['update_time']));
  times.sort();
  since = new Date(Date.parse(times[Math.floor(times.length / 2)] ?? '')).toISOString().replace(/\.\d{3}Z$/, 'Z');
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a first backfill bounded by a start date', () => {
  it('reads only what was updated since then, keeps older records out through a key scan, and takes later changes', async () => {
    const expected = await personsSince(since);
    const all = await personsSince('1970-01-01T00:00:00Z');
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);

    const plan = await cli(['plan', '--schema', 'bounded', '--streams', 'persons', '--since', since]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`updated since the start date ${since}`);

    const first = await cli(['load', '--schema', 'bounded', '--streams', 'persons', '--since', since]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`persons: reading changes since ${since}`);
    expect(await loadedPersons('bounded')).toEqual(expected);

    // The key scan lists every person but restores none from before the start date, and marks
    // none of the loaded ones deleted.
    const scanned = await cli(['load', '--schema', 'bounded', '--streams', 'persons', '--reconcile-deletes', 'always']);
    expect(scanned.code, scanned.stderr).toBe(0);
    expect(await loadedPersons('bounded')).toEqual(expected);

    // An old record changed in Pipedrive is now new enough: the next run brings it.
    const old = all.find((id) => !expected.includes(id));
    if (old === undefined) throw new Error('no person older than the start date');
    sandbox.clock.advance(600);
    sandbox.mutate.update('persons', old, { name: 'Changed after the backfill' });
    const later = await cli(['load', '--schema', 'bounded', '--streams', 'persons']);
    expect(later.code, later.stderr).toBe(0);
    expect(await loadedPersons('bounded')).toEqual([...expected, old].sort((a, b) => a - b));
  });

  it("takes start_date from the profile's output, and refuses a date that is not one before anything is written", async () => {
    writeFileSync(
      join(dir, 'profiles.yml'),
      stringify({ pipedrive: { target: 'bounded', outputs: { bounded: { type: 'duckdb', path: 'profile_target.duckdb', start_date: since } } } }),
    );
    try {
      const expected = await personsSince(since);
      const load = await cli(['load', '--schema', 'from_profile', '--streams', 'persons', '--profiles-dir', dir]);
      expect(load.code, load.stderr).toBe(0);
      const rows = await queryDuckDBFile(join(dir, 'profile_target.duckdb'), 'SELECT count(*) AS n FROM from_profile.persons');
      expect(Number(rows[0]?.['n'])).toBe(expected.length);

      const refused = await cli(['load', '--schema', 'refused', '--streams', 'persons', '--since', '2024-02-30']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--since is not a real date/);
      const future = await cli(['load', '--schema', 'refused', '--streams', 'persons', '--since', '2999-01-01']);
      expect(future.code).toBe(2);
      expect(future.stderr).toMatch(/in the future/);
      const tables = await queryDuckDBFile(join(dir, 'profile_target.duckdb'), "SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = 'refused'");
      expect(Number(tables[0]?.['n'])).toBe(0);
    } finally {
      rmSync(join(dir, 'profiles.yml'));
    }
  });
});
