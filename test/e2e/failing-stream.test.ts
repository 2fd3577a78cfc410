/**
 * One failing stream fails alone: the independent streams finish and commit, the run exits 5
 * naming the failed stream, and a feature the company's plan lacks (goals here, 402) is skipped
 * with a notice rather than failing the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 12, deals: 40 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-failing-'));
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

async function listed(entity: SandboxEntity): Promise<number> {
  let count = 0;
  for await (const _ of sandbox.records(entity)) count += 1;
  return count;
}

describe('a failing stream', () => {
  it('lets the independent streams finish and commit, then exits 5 naming it', async () => {
    // persons fails on the source (a server paging forever); goals (its four requests) is refused
    // as a plan lacking it.
    sandbox.faults.inject({ kind: 'endless-cursor', path: '/api/v2/persons', everyNth: 1 });
    sandbox.faults.inject({ kind: '402', path: '/v1/goals/find', times: 4 });
    // More streams than run at once (4), so streams queued behind the failure must still run.
    const streams = 'persons,deals,organizations,activities,products,pipelines,stages,goals,deal_products';
    const result = await spawnCli(
      ['load', '--integration', 'Failing', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--streams', streams],
      { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
    );
    sandbox.faults.clear();
    expect(result.stderr).toMatch(/Stream failed: persons\. The other streams were loaded and committed/);
    expect(result.code).toBe(5);
    for (const goals of ['goals_quantity', 'goals_sum', 'goals_quantity_inactive', 'goals_sum_inactive']) {
      expect(result.stdout).toMatch(new RegExp(`${goals}: not available to this company \\(needs a plan with Goals\\); skipped`));
    }
    const file = join(dir, 'pipedrive.duckdb');
    for (const entity of ['deals', 'organizations', 'activities', 'products', 'pipelines', 'stages'] as const) {
      const [row] = await queryDuckDBFile(file, `SELECT COUNT(*)::INTEGER AS n FROM pipedrive.failing.${entity}`);
      expect({ entity, rows: row?.['n'] }).toEqual({ entity, rows: await listed(entity) });
    }
    const [products] = await queryDuckDBFile(file, 'SELECT COUNT(*)::INTEGER AS n FROM pipedrive.failing.deal_products');
    expect(Number(products?.['n'])).toBeGreaterThan(0);
    const runs = await queryDuckDBFile(file, 'SELECT status, error FROM pipedrive.failing._loader_runs');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.['status']).toBe('failed');
    expect(String(runs[0]?.['error'])).toMatch(/^Stream failed: persons\./);
    // The failed stream's bookmark did not move past what it committed, and no row was judged deleted.
    const [deleted] = await queryDuckDBFile(file, 'SELECT COUNT(*)::INTEGER AS n FROM pipedrive.failing.persons WHERE _deleted_at IS NOT NULL');
    expect(deleted?.['n']).toBe(0);
  });
});
