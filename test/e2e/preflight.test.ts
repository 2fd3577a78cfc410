/**
 * What a load checks before it writes (src/load/preflight.ts), through the real CLI against
 * sandboxes, into DuckDB and PostgreSQL:
 * - a wrong token, or a number a run cannot use, creates nothing in the warehouse;
 * - a non-admin token infers no deletes unless --reconcile-deletes is given, and the run says so
 *   and keeps the warning in `_loader_runs`;
 * - one company per schema: another company (another sandbox seed or size) is refused with exit
 *   2 before any write; a schema without a record adopts the next load's company;
 * - `check` needs no integration, and with one names the schema.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

// Each case spawns several CLI processes; on a busy 2-core machine one takes 5–20 s.
vi.setConfig({ testTimeout: 300_000 });

let dir: string;
let db: PostgresTestDatabase;
let company: Sandbox;
/** The same seed with one deal more, and another seed: other companies as far as a schema goes. */
let bigger: Sandbox;
let other: Sandbox;

const file = (name: string): string => join(dir, `${name}.duckdb`);

function cli(args: readonly string[], source: Sandbox = company, token: string = source.adminToken): Promise<CliResult> {
  return spawnCli([...args, '--pipedrive-url', source.url, '--requests-per-2s', '1000'], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: token, HOME: dir, DBT_PROFILES_DIR: undefined },
  });
}

async function duck<R>(name: string, sql: string, params: (string | number)[] = []): Promise<R[]> {
  const instance = await DuckDBInstance.create(file(name));
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql, params)).getRowObjectsJS() as R[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** One query on either warehouse; `$1`-style parameters work on both. */
type Query = <R>(sql: string, params?: (string | number)[]) => Promise<R[]>;
const WAREHOUSES: ReadonlyArray<{ target: string; query: () => Query }> = [
  { target: 'duck', query: () => (sql, params) => duck('company', sql, params) },
  { target: 'pg', query: () => (sql, params) => db.sql(sql, params) as never },
];

beforeAll(async () => {
  [company, bigger, other, db] = await Promise.all([
    startSandbox({ seed: 51, deals: 200 }),
    startSandbox({ seed: 51, deals: 201 }),
    startSandbox({ seed: 52, deals: 200 }),
    createTestDatabase(),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'pdl-preflight-'));
  const outputs: Record<string, unknown> = { pg: { type: 'postgres', ...db.settings } };
  // File names differ from the schemas in them: a DuckDB file is a catalog of the same name.
  for (const [output, name] of [['duck', 'company'], ['wrong', 'wrong'], ['numbers', 'numbers'], ['visibility', 'nonadmin'], ['check', 'check']]) {
    outputs[output as string] = { type: 'duckdb', path: file(name as string) };
  }
  writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'duck', outputs } }));
});

afterAll(async () => {
  await Promise.all([company?.close(), bigger?.close(), other?.close(), db?.dispose()]);
  rmSync(dir, { recursive: true, force: true });
});

async function pgSchemaExists(schema: string): Promise<boolean> {
  const rows = await db.sql<{ n: string }>('SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = $1', [schema]);
  return Number(rows[0]?.n) > 0;
}

describe('checked at the door', () => {
  it('a wrong API token stops with exit 3 before the warehouse is touched: no DuckDB file, no PostgreSQL schema', async () => {
    for (const command of ['load', 'plan']) {
      const duckRun = await cli([command, '--integration', 'Wrong Token', '--target', 'wrong'], company, 'not-a-token-7c1e');
      expect({ command, code: duckRun.code }).toEqual({ command, code: 3 });
      expect(duckRun.stdout + duckRun.stderr).not.toContain('not-a-token-7c1e');
      expect(existsSync(file('wrong'))).toBe(false);
      const pgRun = await cli([command, '--integration', 'Wrong Token', '--target', 'pg'], company, 'not-a-token-7c1e');
      expect({ command, code: pgRun.code }).toEqual({ command, code: 3 });
      expect(await pgSchemaExists('wrong_token')).toBe(false);
    }
  });

  it.each([
    ['--batch-rows', '0'],
    ['--batch-rows', '-5'],
    ['--batch-rows', 'abc'],
    ['--lock-wait', '-1'],
    ['--lock-wait', 'abc'],
    ['--max-tokens', 'abc'],
    ['--max-tokens', '1.5'],
  ])('load %s %s is refused with exit 2 before anything is created', async (flag, value) => {
    const run = await cli(['load', '--integration', 'Numbers', '--target', 'numbers', '--streams', 'persons', flag, value]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(flag)]);
    expect(existsSync(file('numbers'))).toBe(false);
  });
});

describe('a token that is not a global admin', () => {
  const STREAMS = ['--streams', 'deals,persons,organizations,products'];
  const deletedRows = async (): Promise<number> => {
    let total = 0;
    for (const table of ['deals', 'persons', 'organizations', 'products']) {
      const [row] = await duck<{ n: bigint }>('nonadmin', `SELECT count(*) AS n FROM visibility."${table}" WHERE _deleted_at IS NOT NULL`);
      total += Number(row?.n ?? 0);
    }
    return total;
  };

  it('marks nothing deleted that it merely cannot see, says so, and keeps the warning with the run', async () => {
    const admin = await cli(['load', '--integration', 'Visibility', '--target', 'visibility', ...STREAMS]);
    expect(admin.code, admin.stderr).toBe(0);
    expect(admin.stdout).not.toContain('not a global admin');
    const before = await deletedRows();

    // A full refresh lists every table completely, from which deletes are otherwise free.
    const user = await cli(['load', '--integration', 'Visibility', '--target', 'visibility', '--full-refresh', ...STREAMS], company, company.userToken);
    expect(user.code, user.stderr).toBe(0);
    expect(user.stdout).toMatch(/^Warning: .* is not a global admin of /m);
    expect(user.stdout).toMatch(/^Warning: Deletes are not inferred with this token/m);
    expect(await deletedRows()).toBe(before);
    const [run] = await duck<{ warnings: string | null; status: string }>(
      'nonadmin',
      'SELECT warnings, status FROM visibility._loader_runs ORDER BY started_at DESC LIMIT 1',
    );
    expect(run?.status).toBe('succeeded');
    expect(run?.warnings).toContain('is not a global admin');
    expect(run?.warnings).toContain('Deletes are not inferred');
  });

  it('infers deletes all the same when --reconcile-deletes is given explicitly', async () => {
    const before = await deletedRows();
    const user = await cli(
      ['load', '--integration', 'Visibility', '--target', 'visibility', '--full-refresh', '--reconcile-deletes', 'always', ...STREAMS],
      company,
      company.userToken,
    );
    expect(user.code, user.stderr).toBe(0);
    expect(user.stdout).toContain('--reconcile-deletes always was given');
    expect(await deletedRows()).toBeGreaterThan(before);
  });
});

describe.each(WAREHOUSES)('one company per schema ($target)', ({ target, query }) => {
  const load = (source: Sandbox): Promise<CliResult> => cli(['load', '--integration', 'One Company', '--target', target, '--streams', 'persons'], source);
  const counts = async (): Promise<[number, number]> => {
    const [persons] = await query()<{ n: unknown }>('SELECT count(*) AS n FROM one_company.persons');
    const [runs] = await query()<{ n: unknown }>('SELECT count(*) AS n FROM one_company._loader_runs');
    return [Number(persons?.n), Number(runs?.n)];
  };
  const record = async (): Promise<Record<string, string>> => {
    const rows = await query()<{ stream: string; bookmark: string }>(
      "SELECT stream, bookmark FROM one_company._loader_state WHERE stream LIKE '#company%' ORDER BY stream",
    );
    return Object.fromEntries(rows.map((row) => [row.stream, row.bookmark]));
  };

  it('records the company of the first load', async () => {
    const first = await load(company);
    expect(first.code, first.stderr).toBe(0);
    expect(await record()).toEqual({ '#company_domain': 'sandbox-s51-d200', '#company_id': '510000200' });
    const shown = await cli(['state', 'show', '--integration', 'One Company', '--target', target]);
    expect(shown.stdout).toMatch(/#company_id\s+510000200/);
    // Not a bookmark to forget: that would let another company in.
    const reset = await cli(['state', 'reset', '#company_id', '--integration', 'One Company', '--target', target]);
    expect(reset.code).toBe(2);
    expect(await record()).toEqual({ '#company_domain': 'sandbox-s51-d200', '#company_id': '510000200' });
  });

  it('refuses another company, or a sandbox of another seed or size, with exit 2 and before writing', async () => {
    const before = await counts();
    for (const [source, id, domain] of [
      [other, '520000200', 'sandbox-s52-d200'],
      [bigger, '510000201', 'sandbox-s51-d201'],
    ] as const) {
      const refused = await load(source);
      expect(refused.code).toBe(2);
      const lines = refused.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('company 510000200 (sandbox-s51-d200.pipedrive.com)');
      expect(lines[0]).toContain(`company ${id} (${domain}.pipedrive.com)`);
      expect(await counts()).toEqual(before);
    }
    // plan and check refuse it the same way.
    expect((await cli(['plan', '--integration', 'One Company', '--target', target], other)).code).toBe(2);
    expect((await cli(['check', '--integration', 'One Company', '--target', target], other)).code).toBe(2);
  });

  it('a schema without a record (loaded by an earlier version) adopts the company of its next load', async () => {
    await query()("DELETE FROM one_company._loader_state WHERE stream LIKE '#company%'");
    const adopted = await load(company);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(adopted.stdout).toContain('now records Pipedrive company 510000200');
    expect(await record()).toEqual({ '#company_domain': 'sandbox-s51-d200', '#company_id': '510000200' });
  });
});

describe('check', () => {
  it('checks the token and the warehouse without an integration, and creates no schema', async () => {
    const run = await cli(['check', '--target', 'pg']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Success!');
    expect(run.stdout).not.toMatch(/schema/i);
    const duckRun = await cli(['check', '--target', 'check']);
    expect(duckRun.code, duckRun.stderr).toBe(0);
    expect(duckRun.stdout).toContain('Success!');
  });

  it('with --integration also names the schema a load would use', async () => {
    const run = await cli(['check', '--integration', 'Checked Later', '--target', 'pg']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('A load would create schema checked_later and record company 510000200');
    expect(await pgSchemaExists('checked_later')).toBe(false);
  });
});
