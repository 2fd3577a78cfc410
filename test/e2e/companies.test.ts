/**
 * Several companies side by side: two Pipedrive companies (two sandboxes with different data and
 * different tokens) load with two integration names into two schemas of one PostgreSQL target,
 * once one after the other and once both at the same time (two CLI processes). Each schema must
 * equal its own company, and neither token may ever reach the other company: each sandbox knows
 * only its own token (a stray one would be refused with 401 and fail the run), and the tokens
 * each sandbox admitted match what that run charged (never more; a little less when an attempt
 * never reached the server).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { compareEntity } from '../helpers/compare.js';
import { snapshotPostgres } from '../helpers/compare-postgres.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

const CORE: SandboxEntity[] = ['deals', 'persons', 'organizations', 'activities', 'products', 'pipelines', 'stages', 'users'];

interface Company {
  readonly integration: string;
  readonly schema: string;
  readonly token: string;
  sandbox: Sandbox;
}

let db: PostgresTestDatabase;
let dir: string;
const companies: Company[] = [
  { integration: 'Acme Sales', schema: 'acme_sales', token: 'acme-admin-token-4f1d9c2b7e', sandbox: undefined as unknown as Sandbox },
  { integration: 'Globex CRM', schema: 'globex_crm', token: 'globex-admin-token-8a3e6d0f5c', sandbox: undefined as unknown as Sandbox },
];

interface Run extends CliResult {
  /** Tokens the company's sandbox admitted during the run, and what the run says it spent. */
  readonly admitted: number;
  readonly charged: number;
}

function load(company: Company, extra: readonly string[] = []): Promise<CliResult> {
  return spawnCli(
    ['load', '--integration', company.integration, '--target', 'pg', '--pipedrive-url', company.sandbox.url, '--log-format', 'json', ...extra],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: company.token, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
}

function accounted(company: Company, result: CliResult): Run {
  const finished = result.stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.event === 'run_finished');
  return { ...result, admitted: company.sandbox.stats.tokens, charged: Number(finished?.tokens ?? -1) };
}

async function loadBoth(mode: 'one after the other' | 'at the same time', extra: readonly string[] = []): Promise<Run[]> {
  for (const company of companies) company.sandbox.stats.reset();
  if (mode === 'one after the other') {
    const runs: Run[] = [];
    for (const company of companies) runs.push(accounted(company, await load(company, extra)));
    return runs;
  }
  const results = await Promise.all(companies.map((company) => load(company, extra)));
  return results.map((result, index) => accounted(companies[index] as Company, result));
}

function expectCleanRuns(runs: readonly Run[]): void {
  for (const [index, run] of runs.entries()) {
    const { integration } = companies[index] as Company;
    expect({ integration, code: run.code, stderr: run.stderr }).toEqual({ integration, code: 0, stderr: '' });
    // Not one request refused: a token sent to the wrong company would be admitted for 0 tokens.
    expect(run.admitted).toBeGreaterThan(0);
    // The loader charges every attempt, also one the server never counted (a connection reset or
    // a burst 429 on a busy machine): it may say a little more than the company spent, never less.
    expect(run.charged).toBeGreaterThanOrEqual(run.admitted);
    expect(run.charged).toBeLessThanOrEqual(run.admitted * 1.05);
    for (const company of companies) expect(run.stdout).not.toContain(company.token);
  }
}

async function expectEachSchemaEqualsItsCompany(): Promise<void> {
  for (const company of companies) {
    const snapshot = await snapshotPostgres(db, company.schema);
    for (const entity of CORE) {
      const result = await compareEntity(snapshot, company.sandbox, entity);
      expect({ schema: company.schema, entity, missing: result.missing.length, extra: result.extra.length }).toEqual({
        schema: company.schema,
        entity,
        missing: 0,
        extra: 0,
      });
      expect(result.mismatches.slice(0, 5)).toEqual([]);
    }
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pdl-companies-'));
  for (const [index, company] of companies.entries()) {
    // Different seeds: different records, custom fields and company; each knows its token only.
    company.sandbox = await startSandbox({
      seed: 61 + index,
      deals: 400 + 150 * index,
      tokens: [{ token: company.token, userId: 1, admin: true }],
      // Pipedrive's Lite burst limit, per token, and the CLI runs with its default (20): the two
      // companies' runs must not slow each other down, nor draw a single 429.
      requestsPer2s: 20,
    });
  }
  writeFileSync(
    join(dir, 'profiles.yml'),
    // max_tokens sits next to the dbt-postgres keys; the adapter ignores it, the loader reads it.
    stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...db.settings, max_tokens: 100_000 } } } }),
  );
});

afterAll(async () => {
  for (const company of companies) await company.sandbox?.close();
  await db?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('two companies, two schemas, one PostgreSQL target', () => {
  it('check answers for each company with its own token, and names the limits in force', async () => {
    for (const company of companies) {
      const result = await spawnCli(
        ['check', '--integration', company.integration, '--target', 'pg', '--pipedrive-url', company.sandbox.url, '--pipedrive-plan', 'premium'],
        { cwd: dir, env: { PIPEDRIVE_API_TOKEN: company.token, HOME: dir, DBT_PROFILES_DIR: undefined } },
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        "Burst limit 100 requests per 2 s (--pipedrive-plan premium); at most 100000 tokens a run (profiles.yml output 'pg' max_tokens).",
      );
      expect(result.stdout).toContain(`schema ${company.schema}`);
      expect(result.stdout.trim().split('\n').at(-1)).toBe('Success!');
    }
  });

  it('load one after the other, each schema equal to its own company', async () => {
    expectCleanRuns(await loadBoth('one after the other'));
    await expectEachSchemaEqualsItsCompany();
    // The companies really differ: each schema is not a copy of the other company.
    const [acme, globex] = companies as [Company, Company];
    const crossed = await compareEntity(await snapshotPostgres(db, acme.schema), globex.sandbox, 'deals');
    expect(crossed.mismatches.length + crossed.missing.length + crossed.extra.length).toBeGreaterThan(0);
  });

  it('load at the same time, in two processes, and still each equals its own company', async () => {
    for (const [index, company] of companies.entries()) {
      company.sandbox.clock.advance(3_600);
      for (let id = 1; id <= 40; id++) company.sandbox.mutate.update('deals', id + index, { title: `${company.integration} deal ${id}` });
      company.sandbox.mutate.insert('persons', { name: `New contact of ${company.integration}` });
      // Slow deal pages keep both runs busy long enough to overlap for certain.
      company.sandbox.faults.inject({ kind: 'slow', path: '/api/v2/deals', everyNth: 1, delayMs: 2_500 });
    }
    try {
      expectCleanRuns(await loadBoth('at the same time', ['--full-refresh']));
    } finally {
      for (const company of companies) company.sandbox.faults.clear();
    }
    // Both ran at once: each run started before the other finished (the loader's own run log).
    const [a, b] = await Promise.all(
      companies.map(async (company) => {
        const [run] = await db.sql<{ started_at: Date; finished_at: Date }>(
          `SELECT started_at, finished_at FROM "${company.schema}"._loader_runs ORDER BY started_at DESC LIMIT 1`,
        );
        if (!run) throw new Error(`no run recorded in ${company.schema}`);
        return run;
      }),
    );
    if (!a || !b) throw new Error('missing runs');
    expect(a.started_at.getTime()).toBeLessThan(b.finished_at.getTime());
    expect(b.started_at.getTime()).toBeLessThan(a.finished_at.getTime());
    await expectEachSchemaEqualsItsCompany();
    // Each schema's run log holds its own company's runs only: two each.
    for (const company of companies) {
      const [count] = await db.sql<{ n: string }>(`SELECT count(*) AS n FROM "${company.schema}"._loader_runs`);
      expect(Number(count?.n)).toBe(2);
    }
  });
});
