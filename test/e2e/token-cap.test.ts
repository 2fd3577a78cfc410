/**
 * A token cap that cannot make progress (src/load/token-cap.ts), through the real CLI against
 * the sandbox, into DuckDB. A capped run exits 4 only when it moved a bookmark; a cap with which
 * every run would stop at the same place exits 2 naming the smallest cap that gets further, and
 * `plan` says the same before any load runs.
 *
 * Costs here: the account check 2 tokens, person_fields and organization_fields 10 each, a page
 * of persons or organizations (500 records) 10.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';

// Several CLI runs per case; on a busy 2-core machine one takes 5–20 s.
vi.setConfig({ testTimeout: 300_000 });

let sandbox: Sandbox;
let dir: string;

// The field metadata is read at every run here (--refresh-lists always), as these costs assume:
// on the list cadence a run between its reads spends less, and a record that needs the metadata
// again spends it at once (src/load/list-cadence.ts, field-refresh.ts).
function cli(args: readonly string[]): Promise<CliResult> {
  return spawnCli([...args, '--schema', 'capped', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--refresh-lists', 'always'], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
  });
}

async function bookmarks(): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(join(dir, 'pipedrive.duckdb'));
  const connection = await instance.connect();
  try {
    const rows = (await connection.runAndReadAll(`SELECT stream, bookmark FROM capped._loader_state WHERE stream NOT LIKE '%#%'`)).getRowObjectsJS();
    return Object.fromEntries(rows.map((row) => [String(row.stream), String(row.bookmark)]));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  // 1,500 persons and 600 organizations: 3 and 2 pages.
  sandbox = await startSandbox({ seed: 61, deals: 3_000 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-token-cap-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a --max-tokens cap', () => {
  it('below what a first page needs: plan and load both say so, and the load exits 2 with the cap that would do', async () => {
    const plan = await cli(['plan', '--streams', 'persons', '--max-tokens', '15']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^Warning: The token cap of 15 \(--max-tokens\) is too small for a load to advance: .*at least 22 tokens/m);

    const load = await cli(['load', '--streams', 'persons', '--max-tokens', '15']);
    expect(load.code).toBe(2);
    const lines = load.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Error: The token cap of 15 \(--max-tokens\) is too small for a load to advance: .*Raise the cap to at least 22 tokens/);
    expect(await bookmarks()).toEqual({});
  });

  it('that lets a bookmark move exits 4 and converges', async () => {
    const codes: (number | null)[] = [];
    for (let run = 0; run < 5 && codes.at(-1) !== 0; run++) {
      const before = await bookmarks().catch(() => ({}));
      // No key scan: it would read all three pages in one run (the next case).
      const result = await cli(['load', '--streams', 'persons', '--batch-rows', '500', '--max-tokens', '22', '--reconcile-deletes', 'never']);
      codes.push(result.code);
      if (result.code === 4) expect(await bookmarks()).not.toEqual(before);
    }
    expect(codes[0]).toBe(4);
    expect(codes.at(-1)).toBe(0);
  });

  it('too small for the daily key scan of a table read in several runs exits 2 and says how to get past it', async () => {
    // The reads above were never complete, so the first run that may scan (daily, the default) must.
    const load = await cli(['load', '--streams', 'persons', '--max-tokens', '22']);
    expect(load.code).toBe(2);
    expect(load.stderr.trim()).toMatch(/next request \(persons deletes\) costs 10 more.*A key scan for deletes reads the whole persons table in one run: raise the cap to cover it, or give --reconcile-deletes never\.$/);
    expect((await cli(['load', '--streams', 'persons', '--max-tokens', '52'])).code).toBe(0);
  });

  it('filled by streams with nothing new, so the next stream never starts, exits 2 rather than 4 every run', async () => {
    // organizations gets its bookmark; then both streams are up to date.
    expect((await cli(['load', '--streams', 'organizations'])).code).toBe(0);
    const before = await bookmarks();
    // 2 + 10 + 10 for the metadata, then 10 for one stream's page with nothing new: the other's
    // page would pass the cap, and nothing moved.
    const plan = await cli(['plan', '--streams', 'persons,organizations', '--max-tokens', '32']);
    expect(plan.stdout).toMatch(/^Warning: The token cap of 32 \(--max-tokens\) is too small for a load to advance: .*at least 42 tokens/m);
    for (let run = 0; run < 2; run++) {
      const load = await cli(['load', '--streams', 'persons,organizations', '--max-tokens', '32']);
      expect(load.code).toBe(2);
      expect(load.stderr.trim()).toMatch(/spent 32 tokens without moving any stream's bookmark.*Raise the cap to at least 42 tokens/);
      expect(await bookmarks()).toEqual(before);
    }
    expect((await cli(['load', '--streams', 'persons,organizations', '--max-tokens', '42'])).code).toBe(0);
  });
});
