/**
 * `init-ci` as a user runs it, in a repository with a dbt profiles.yml: the workflow it writes is
 * parsed as YAML and checked for the cron line, the secrets (the ones the profile needs, from
 * repository secrets), the concurrency group and the commented matrix; an existing workflow is
 * never overwritten silently. Nothing is connected to.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { spawnCli, type CliResult } from '../helpers/cli.js';

interface Step {
  name?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Workflow {
  on: {
    schedule: { cron: string }[];
    workflow_dispatch: { inputs: Record<string, { type: string; default: unknown }> };
  };
  jobs: { load: { concurrency: { group: string; 'cancel-in-progress': boolean }; steps: Step[] } };
}

const WORKFLOW = '.github/workflows/pipedrive-loader-acme_crm.yml';
const PROFILE = `pipedrive:
  target: prod
  outputs:
    prod:
      type: postgres
      host: "{{ env_var('PGHOST', 'localhost') }}"
      user: "{{ env_var('PGUSER') }}"
      password: "{{ env_var('DBT_ENV_SECRET_PG_PASSWORD') }}"
      dbname: analytics
    dev:
      type: duckdb
      path: ./dev.duckdb
`;

let repo: string;

function initCi(args: readonly string[], cwd = repo): Promise<CliResult> {
  // No secret is set here: init-ci must not need them.
  return spawnCli(['init-ci', ...args], {
    cwd,
    env: { HOME: cwd, DBT_PROFILES_DIR: undefined, PIPEDRIVE_API_TOKEN: undefined, PGUSER: undefined, DBT_ENV_SECRET_PG_PASSWORD: undefined },
  });
}

function loadStep(text: string): { workflow: Workflow; step: Step } {
  const workflow = parse(text) as Workflow;
  const step = workflow.jobs.load.steps.find((s) => s.name === 'Load Pipedrive');
  if (!step) throw new Error('no load step');
  return { workflow, step };
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'pdl-init-ci-'));
  writeFileSync(join(repo, 'profiles.yml'), PROFILE);
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ devDependencies: { 'pipedrive-loader': '^0.1.0' } }));
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
});

describe('init-ci', () => {
  it('writes a workflow with the schedule, the secrets the profile needs, concurrency and the matrix example', async () => {
    const result = await initCi(['--integration', 'Acme CRM']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Wrote ${WORKFLOW}: incremental loads every 30 minutes, and a manual run with a full_refresh input.`);
    expect(result.stdout).toMatch(/Warning: Not passed to the workflow, since profiles.yml gives them defaults: PGHOST\./);
    expect(result.stdout).toContain('Next: add the repository secrets PIPEDRIVE_API_TOKEN, PGUSER, DBT_ENV_SECRET_PG_PASSWORD');
    expect(result.stdout).not.toContain('is not published on the npm registry');
    // PGHOST is not passed to the runner, so its default, localhost, is what the runner uses.
    expect(result.stdout).toMatch(/Warning: Target 'prod' connects to localhost \(the default of env_var\('PGHOST'\)\): on the CI runner/);

    const text = readFileSync(join(repo, WORKFLOW), 'utf8');
    const { workflow, step } = loadStep(text);
    expect(workflow.on.schedule).toHaveLength(1);
    expect(workflow.on.schedule[0]?.cron).toMatch(/^(\d|[1-2]\d),([3-5]\d) \* \* \* \*$/);
    const [first, second] = (workflow.on.schedule[0]?.cron.split(' ')[0] ?? '').split(',').map(Number);
    expect((second ?? 0) - (first ?? 0)).toBe(30);
    expect(workflow.on.workflow_dispatch.inputs['full_refresh']).toMatchObject({ type: 'boolean', default: false });
    expect(workflow.jobs.load.concurrency).toEqual({ group: 'pipedrive-loader-acme_crm', 'cancel-in-progress': false });
    expect(step.env).toMatchObject({
      PIPEDRIVE_API_TOKEN: '${{ secrets.PIPEDRIVE_API_TOKEN }}',
      PGUSER: '${{ secrets.PGUSER }}',
      DBT_ENV_SECRET_PG_PASSWORD: '${{ secrets.DBT_ENV_SECRET_PG_PASSWORD }}',
      PIPEDRIVE_INTEGRATION: 'Acme CRM',
    });
    expect(step.env).not.toHaveProperty('PGHOST');
    expect(step.env).not.toHaveProperty('DBT_PROFILES_DIR'); // ./profiles.yml is found anyway
    expect(step.run).toContain('--log-format json');
    expect(step.run).not.toContain('secrets');
    // The commented matrix: one integration and one token secret per company.
    const comments = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('#'))
      .join('\n');
    expect(comments).toMatch(/#\s+strategy:\n#\s+fail-fast: false.*\n#\s+matrix:\n#\s+include:/);
    expect(comments).toMatch(/token_secret: PIPEDRIVE_API_TOKEN_\w+/);
    expect(comments).toContain('${{ secrets[matrix.token_secret] }}');
  });

  it('leaves an identical workflow alone, and replaces a different one only with --force', async () => {
    const path = join(repo, WORKFLOW);
    const before = readFileSync(path, 'utf8');
    const same = await initCi(['--integration', 'Acme CRM']);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain(`${WORKFLOW} is up to date.`);

    const refused = await initCi(['--integration', 'Acme CRM', '--schedule', '1h']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/exists and differs .* pass --force/);
    expect(readFileSync(path, 'utf8')).toBe(before);

    const forced = await initCi(['--integration', 'Acme CRM', '--schedule', '1h', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    const { workflow } = loadStep(readFileSync(path, 'utf8'));
    expect(workflow.on.schedule[0]?.cron).toMatch(/^\d{1,2} \* \* \* \*$/);
  });

  it('prints to stdout with --out -, passing on a profiles.yml kept in a subdirectory and the target', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'pdl-init-ci-sub-'));
    try {
      mkdirSync(join(sub, 'dbt'));
      writeFileSync(join(sub, 'dbt', 'profiles.yml'), PROFILE);
      const result = await initCi(['--integration', 'Acme CRM', '--out', '-', '--profiles-dir', 'dbt', '--target', 'prod'], sub);
      expect(result.code, result.stderr).toBe(0);
      const { step } = loadStep(result.stdout);
      expect(step.env).toMatchObject({ DBT_PROFILES_DIR: 'dbt' });
      expect(step.run).toContain('--target prod');
      // Logs went to stderr, the package warning among them: the install that works today.
      expect(result.stderr).toContain('is not published on the npm registry yet');
      expect(result.stderr).toMatch(/npm pack.+npm install --save-dev \.\/vendor\/pipedrive-loader-\d+\.\d+\.\d+\.tgz/);
      expect(result.stderr).not.toContain('npm install --save-dev pipedrive-loader`');
      expect(result.stdout).toContain('node-version: "24"');
      expect(result.stdout).not.toMatch(/npm install --save-dev pipedrive-loader\b/);
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });

  it('warns when the runner would load into a throwaway DuckDB file', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'pdl-init-ci-bare-'));
    try {
      const none = await initCi(['--integration', 'Acme CRM', '--out', '-'], bare);
      expect(none.code).toBe(0);
      expect(none.stderr).toMatch(/No profiles.yml found, so the workflow would load into a DuckDB file on the CI runner/);
      expect(Object.keys(loadStep(none.stdout).step.env ?? {})).not.toContain('DBT_ENV_SECRET_PASSWORD');

      const duck = await initCi(['--integration', 'Acme CRM', '--out', '-', '--target', 'dev']);
      expect(duck.code).toBe(0);
      expect(duck.stderr).toMatch(/Target 'dev' is DuckDB: its file lives on the CI runner/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('warns about a loopback warehouse host unless the runner gets its own value', async () => {
    const local = mkdtempSync(join(tmpdir(), 'pdl-init-ci-local-'));
    try {
      writeFileSync(
        join(local, 'profiles.yml'),
        'pipedrive:\n  target: prod\n  outputs:\n    prod:\n      type: postgres\n      host: 127.0.0.1\n      user: loader\n      dbname: analytics\n',
      );
      const literal = await initCi(['--integration', 'Acme CRM', '--out', '-'], local);
      expect(literal.code).toBe(0);
      expect(literal.stderr).toMatch(/Warning: Target 'prod' connects to 127\.0\.0\.1: on the CI runner that is the runner itself/);

      // PGHOST passed as a secret: the runner uses the secret's value, not the localhost default.
      const passed = await initCi(['--integration', 'Acme CRM', '--out', '-', '--warehouse-secret', 'PGHOST', 'PGUSER']);
      expect(passed.code).toBe(0);
      expect(passed.stderr).not.toContain('connects to localhost');
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });

  it('needs the integration, and a schedule it can write', async () => {
    const missing = await initCi([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/init-ci needs --integration/);
    const bad = await initCi(['--integration', 'Acme CRM', '--schedule', '7m', '--out', '-']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--schedule "7m" is not supported/);
  });
});
