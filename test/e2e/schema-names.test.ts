/**
 * Input checked at the door: a system or default schema (--schema information_schema, pg_*,
 * main, public …) and an integration name with nothing to make a schema from ("", "   ", all
 * emoji) exit 2 before the warehouse is opened: no DuckDB file appears, and a PostgreSQL target
 * that cannot be reached is never tried (that would be exit 6).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';

// Port 9 (discard) on loopback: nothing listens there, so opening this target would fail with 6.
const PROFILES = `pipedrive:
  target: duck
  outputs:
    duck:
      type: duckdb
      path: ./loader.duckdb
    pg:
      type: postgres
      host: 127.0.0.1
      port: 9
      user: postgres
      dbname: postgres
`;

const MANY = 240_000;
let dir: string;

function cli(args: readonly string[]) {
  return spawnCli(args, { cwd: dir, env: { HOME: dir, DBT_PROFILES_DIR: undefined, PIPEDRIVE_API_TOKEN: undefined } });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdl-schema-names-'));
  writeFileSync(join(dir, 'profiles.yml'), PROFILES);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('system schemas', () => {
  it('are refused with exit 2 on every target, before anything is opened', async () => {
    const cases = [
      ['load', '--sandbox', '--schema', 'information_schema'],
      ['load', '--sandbox', '--schema', 'INFORMATION_SCHEMA', '--target', 'pg'],
      ['load', '--sandbox', '--schema', 'pg_catalog', '--target', 'pg'],
      ['load', '--sandbox', '--schema', 'pg_toast'],
      ['plan', '--sandbox', '--schema', 'main'],
      ['state', 'reset', 'deals', '--schema', 'public', '--target', 'pg'],
      ['dbt-sources', '--schema', 'information_schema', '--target', 'pg', '--out', '-'],
      ['check', '--sandbox', '--schema', 'temp'],
    ];
    const results = await Promise.all(cases.map((args) => cli(args)));
    results.forEach((result, index) => {
      const schema = cases[index]?.[cases[index].indexOf('--schema') + 1] ?? '';
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toMatch(new RegExp(`^Error: --schema '${schema}' (starts with pg_|is the catalog|is the default schema|is the name of one of DuckDB)`));
      expect(result.stdout).toBe('');
    });
    expect(existsSync(join(dir, 'loader.duckdb'))).toBe(false);
  }, MANY);
});

describe('integration names that reduce to nothing', () => {
  it('are refused with exit 2 instead of all loading into schema pipedrive', async () => {
    const names = ['', '   ', '😀🎉', '名前'];
    const results = await Promise.all(names.map((name) => cli(['load', '--sandbox', '--integration', name])));
    results.forEach((result, index) => {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`The integration name ${JSON.stringify(names[index])} has no letters or digits`);
    });
    expect(existsSync(join(dir, 'loader.duckdb'))).toBe(false);
  }, MANY);

  it('are refused by init-ci too, before any workflow is written', async () => {
    const result = await cli(['init-ci', '--integration', '🚀🚀']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has no letters or digits');
    expect(existsSync(join(dir, '.github'))).toBe(false);
  });

  it('a derived name that is a default schema gets a prefix, like pg_', async () => {
    const result = await cli(['plan', '--sandbox', '--integration', 'Public', '--streams', 'pipelines', '--log-format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('pipedrive_public');
  });
});
