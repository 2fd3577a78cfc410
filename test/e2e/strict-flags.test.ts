/**
 * A misspelled flag stops the command before it does anything: exit 2, one line naming the flag
 * as typed and the closest known one, and nothing written (no bookmark reset, no DuckDB file).
 * yargs used to run the command first, ignoring the typo, and complain afterwards.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';
import { spawnCli } from '../helpers/cli.js';

const SCHEMA = 'pipedrive_sandbox';
let dir: string;

function cli(args: readonly string[], cwd = dir) {
  return spawnCli(args, { cwd, env: { HOME: cwd, DBT_PROFILES_DIR: undefined, PIPEDRIVE_API_TOKEN: undefined } });
}

async function dealsBookmark(): Promise<unknown> {
  const rows = await queryDuckDBFile(join(dir, 'pipedrive.duckdb'), `SELECT bookmark FROM ${SCHEMA}._loader_state WHERE stream = 'deals'`);
  return rows[0]?.['bookmark'];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pdl-strict-'));
  const load = await cli(['load', '--sandbox', '--sandbox-deals', '20', '--streams', 'deals', '--requests-per-2s', '1000']);
  expect(load.code, load.stderr).toBe(0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('an unknown flag', () => {
  it('state reset with --targt: exit 2, did you mean --target, and the bookmark is untouched', async () => {
    const before = await dealsBookmark();
    expect(before).toEqual(expect.any(String));
    const result = await cli(['state', 'reset', 'deals', '--sandbox', '--targt', 'pg']);
    // First what matters most: nothing was reset (it used to be, before the complaint).
    expect(await dealsBookmark()).toBe(before);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown argument: --targt (did you mean --target?)');
    expect(result.stderr).toContain('pipedrive-loader state reset --help');
    expect(result.stdout).toBe('');
  });

  it('load --ful-refresh: exit 2 before anything is opened, so no DuckDB file appears', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pdl-strict-empty-'));
    try {
      const result = await cli(['load', '--sandbox', '--sandbox-deals', '10', '--ful-refresh'], empty);
      expect(existsSync(join(empty, 'pipedrive.duckdb'))).toBe(false);
      expect(result.code).toBe(2);
      // One entry per flag as typed: not also yargs' camelCase twin "fulRefresh".
      expect(result.stderr.split('\n')[0]).toBe('Unknown argument: --ful-refresh (did you mean --full-refresh?)');
      expect(result.stdout).toBe('');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('load --every with a typo elsewhere exits at once instead of looping', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pdl-strict-every-'));
    try {
      const result = await cli(['load', '--sandbox', '--every', '1m', '--streams', 'deals', '--no-ful-refresh', '--evry-minimum', '1s'], empty);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--no-ful-refresh (did you mean --no-full-refresh?)');
      expect(result.stderr).toContain('--evry-minimum');
      expect(result.stdout).toBe('');
      expect(existsSync(join(empty, 'pipedrive.duckdb'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a misspelled command names the closest one', async () => {
    const result = await cli(['lod', '--sandbox']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown command 'lod' (did you mean load?)");
  });

  it('a value outside the choices stops too', async () => {
    const before = await dealsBookmark();
    const result = await cli(['state', 'reset', 'deals', '--sandbox', '--log-format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Invalid values:[\s\S]*log-format/);
    expect(await dealsBookmark()).toBe(before);
  });
});
