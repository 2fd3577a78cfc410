/**
 * `--max-tokens` (and `max_tokens` in the profiles.yml output) end to end: the real CLI against
 * the sandbox, into DuckDB. A capped run stops before passing the cap (the sandbox's own count of
 * admitted tokens is the judge), keeps what it read with its bookmark, exits 4 with one clear
 * line; later runs resume from the bookmark and converge to exactly the sandbox's data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { compareEntity, snapshotWarehouse } from '../helpers/compare.js';

/**
 * Each test runs whole CLI loads in child processes: seconds alone, minutes on a 2-core machine
 * shared with the rest of the suite. The limits only catch a hang; nothing here is timed.
 */
const CLI_TEST = { timeout: 300_000 };

const CORE: SandboxEntity[] = ['deals', 'persons', 'organizations', 'activities', 'products', 'pipelines', 'stages', 'users'];

let sandbox: Sandbox;
let dir: string;
let file: string;

/** A load through the profile's `local` target (no cap) or `capped` target (max_tokens: 35). */
async function load(schema: string, extra: readonly string[]): Promise<CliResult & { tokens: number }> {
  sandbox.stats.reset();
  const result = await spawnCli(['load', '--schema', schema, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', ...extra], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
  });
  // What the sandbox admitted: the real spend, whatever the loader believes it spent.
  return { ...result, tokens: sandbox.stats.tokens };
}

async function query<R>(sql: string, params: (string | number)[] = []): Promise<R[]> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql, params)).getRowObjectsJS() as R[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function bookmarkOf(schema: string, stream: string): Promise<string | undefined> {
  const rows = await query<{ bookmark: string }>(`SELECT bookmark FROM "${schema}"._loader_state WHERE stream = $1`, [stream]);
  return rows[0]?.bookmark;
}

async function expectEqualToSandbox(schema: string, entities: readonly SandboxEntity[]): Promise<void> {
  const snapshot = await snapshotWarehouse(file, schema);
  for (const entity of entities) {
    const result = await compareEntity(snapshot, sandbox, entity);
    expect({ entity, missing: result.missing.length, extra: result.extra }).toEqual({ entity, missing: 0, extra: [] });
    expect(result.mismatches.slice(0, 5)).toEqual([]);
    expect(result.compared).toBeGreaterThan(0);
  }
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 41, deals: 3_000 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-max-tokens-'));
  file = join(dir, 'capped.duckdb');
  writeFileSync(
    join(dir, 'profiles.yml'),
    stringify({
      pipedrive: {
        target: 'local',
        outputs: {
          local: { type: 'duckdb', path: file },
          capped: { type: 'duckdb', path: file, max_tokens: 35 },
        },
      },
    }),
  );
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--max-tokens', () => {
  it('stops before the cap at a batch boundary, keeps what it read with its bookmark, and exits 4', CLI_TEST, async () => {
    // persons: 1,500 records, 3 pages of 10 tokens; person_fields: 1 page of 10 tokens; the
    // account check (/v1/users/me): 2 tokens.
    const capped = await load('capped_persons', ['--streams', 'persons', '--batch-rows', '500', '--max-tokens', '35']);
    expect(capped.code).toBe(4);
    expect(capped.tokens).toBe(32);
    const lines = capped.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Error: Stopped at the --max-tokens cap of 35 tokens: 32 used so far, and the next request \(GET \S+\/api\/v2\/persons, 10 tokens\) would pass it\. Data committed so far is kept; the next run resumes from its bookmarks\.$/,
    );
    expect(capped.stdout + capped.stderr).not.toContain(sandbox.adminToken);
    // What the run did before it stopped: the summary table, persons with the rows it committed.
    expect(capped.stdout).toMatch(/^persons\s+1000\s/m);
    expect(capped.stdout).toMatch(/^total\s+/m);

    // What it read is committed, and the bookmark is the newest update_time of exactly those rows.
    const loaded = await query<{ id: number; update_time: Date }>('SELECT id, update_time FROM capped_persons.persons');
    expect(loaded).toHaveLength(1000);
    const bookmark = await bookmarkOf('capped_persons', 'persons');
    const newest = loaded.map((row) => row.update_time.toISOString().replace(/\.\d{3}Z$/, 'Z')).sort().at(-1);
    expect(bookmark).toBe(newest);
    // A batch boundary in update_time order: everything not loaded is at least as new.
    const ids = new Set(loaded.map((row) => Number(row.id)));
    for await (const person of sandbox.records('persons')) {
      if (!ids.has(Number(person.id))) expect(String(person.update_time) >= String(bookmark)).toBe(true);
    }
    const [run] = await query<{ status: string; tokens: bigint }>('SELECT status, tokens FROM capped_persons._loader_runs');
    expect(run?.status).toBe('budget_exhausted');
    expect(Number(run?.tokens)).toBe(32);
  });

  it("applies the profile's max_tokens the same way; a later run resumes from the bookmark; the flag overrides the profile", CLI_TEST, async () => {
    const before = await bookmarkOf('capped_persons', 'persons');
    const resumed = await load('capped_persons', ['--streams', 'persons', '--batch-rows', '500', '--target', 'capped']);
    expect(resumed.tokens).toBeLessThanOrEqual(35);
    expect(resumed.stdout).toContain(`persons: reading changes since ${before}`);
    if (resumed.code !== 0) {
      expect(resumed.code).toBe(4);
      expect(resumed.stderr).toMatch(/^Error: Stopped at the --max-tokens cap of 35 tokens/);
    }
    const [{ n } = { n: 0n }] = await query<{ n: bigint }>('SELECT count(*) AS n FROM capped_persons.persons');
    expect(Number(n)).toBeGreaterThan(1000);

    // --max-tokens beats the profile's max_tokens.
    const uncapped = await load('capped_persons', ['--streams', 'persons', '--target', 'capped', '--max-tokens', '100000']);
    expect(uncapped.stderr).toBe('');
    expect(uncapped.code).toBe(0);
    await expectEqualToSandbox('capped_persons', ['persons']);
  });

  it('plan warns when the next load needs more tokens than the cap', CLI_TEST, async () => {
    const plan = await spawnCli(['plan', '--schema', 'capped_plan', '--pipedrive-url', sandbox.url, '--max-tokens', '150'], {
      cwd: dir,
      env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
    });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Warning: The next load needs at least \d+ tokens, more than the cap of \d+: it will stop at a batch boundary \(exit 4\)/);
  });

  // Four full CLI loads of the whole catalog (at most seven): about a minute alone, several
  // times that on a loaded 2-core CI machine. The limit only catches a hang; nothing here is timed.
  it('converges to the full data over several capped runs of the whole catalog, each within the cap', { timeout: 900_000 }, async () => {
    // Measure what this company costs: a first load, then a load with nothing changed.
    const first = await load('reference', []);
    const unchanged = await load('reference', []);
    expect([first.code, unchanged.code]).toEqual([0, 0]);
    // The fixed cost of a run plus two thirds of what the first load needs on top of it: short of
    // a whole load (so the first capped run stops), enough to finish in the second.
    const cap = unchanged.tokens + Math.ceil(((first.tokens - unchanged.tokens) * 2) / 3);
    expect(cap).toBeLessThan(first.tokens);

    const codes: (number | null)[] = [];
    for (let run = 0; run < 5 && codes.at(-1) !== 0; run++) {
      const result = await load('capped_all', ['--max-tokens', String(cap)]);
      expect(result.tokens).toBeLessThanOrEqual(cap);
      if (result.code !== 0) expect(result.stderr.trim()).toMatch(new RegExp(`^Error: Stopped at the --max-tokens cap of ${cap} tokens`));
      codes.push(result.code);
    }
    expect(codes[0]).toBe(4);
    expect(codes.at(-1)).toBe(0);
    await expectEqualToSandbox('capped_all', CORE);
  });
});
