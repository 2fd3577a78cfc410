import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ANNOTATION_SCRIPT } from '../../../src/ci/annotations.js';
import { concurrencyGroupFor, renderGithubWorkflow, shellQuote } from '../../../src/ci/github-actions.js';
import { ConfigurationError } from '../../../src/errors.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  name: string;
  on: {
    schedule: { cron: string }[];
    workflow_dispatch: { inputs: Record<string, { type: string; default: unknown; description: string }> };
  };
  permissions: Record<string, string>;
  jobs: {
    load: {
      'runs-on': string;
      'timeout-minutes': number;
      concurrency: { group: string; 'cancel-in-progress': boolean };
      steps: Step[];
    };
  };
}

function workflow(options: Parameters<typeof renderGithubWorkflow>[0]): { text: string; parsed: Workflow; load: Step } {
  const text = renderGithubWorkflow(options);
  const parsed = parse(text) as Workflow;
  const load = parsed.jobs.load.steps.find((step) => step.name === 'Load Pipedrive');
  if (!load) throw new Error('no load step');
  return { text, parsed, load };
}

describe('renderGithubWorkflow', () => {
  const { text, parsed, load } = workflow({ integration: 'Stitch Pipedrive', minuteOffset: 7 });

  it('runs every 30 minutes by default, off the top of the hour', () => {
    expect(parsed.on.schedule).toEqual([{ cron: '7,37 * * * *' }]);
  });

  it('converts --schedule values and keeps raw cron lines', () => {
    expect(workflow({ integration: 'A', schedule: '1h', minuteOffset: 7 }).parsed.on.schedule[0]?.cron).toBe('7 * * * *');
    expect(workflow({ integration: 'A', schedule: '6h', minuteOffset: 7 }).parsed.on.schedule[0]?.cron).toBe('7 */6 * * *');
    expect(workflow({ integration: 'A', schedule: '15m', minuteOffset: 7 }).parsed.on.schedule[0]?.cron).toBe(
      '7,22,37,52 * * * *',
    );
    expect(workflow({ integration: 'A', schedule: '0 6-18 * * 1-5' }).parsed.on.schedule[0]?.cron).toBe('0 6-18 * * 1-5');
    expect(() => renderGithubWorkflow({ integration: 'A', schedule: '7m' })).toThrow(ConfigurationError);
  });

  it('derives a stable default offset from the integration name', () => {
    expect(renderGithubWorkflow({ integration: 'Acme CRM' })).toBe(renderGithubWorkflow({ integration: 'Acme CRM' }));
  });

  it('offers a manual run with a boolean full_refresh input, off by default', () => {
    expect(parsed.on.workflow_dispatch.inputs['full_refresh']).toMatchObject({ type: 'boolean', default: false });
    expect(load.env?.['FULL_REFRESH']).toBe('${{ inputs.full_refresh }}');
    expect(load.run).toContain('if [ "$FULL_REFRESH" = "true" ]; then args+=(--full-refresh); fi');
  });

  it('takes the token and warehouse credentials from repository secrets, never from the command line', () => {
    expect(load.env).toMatchObject({
      PIPEDRIVE_API_TOKEN: '${{ secrets.PIPEDRIVE_API_TOKEN }}',
      DBT_ENV_SECRET_PASSWORD: '${{ secrets.DBT_ENV_SECRET_PASSWORD }}',
      PIPEDRIVE_INTEGRATION: 'Stitch Pipedrive',
    });
    expect(load.run).not.toContain('secrets.');
    expect(text.match(/\$\{\{ secrets\./g)).toHaveLength(2);
  });

  it('uses custom secret names, and refuses names GitHub would refuse', () => {
    const custom = workflow({
      integration: 'Acme',
      tokenSecret: 'PIPEDRIVE_TOKEN_ACME',
      warehouseSecrets: ['DBT_ENV_SECRET_SF_PASSWORD', 'SNOWFLAKE_ACCOUNT'],
    }).load.env;
    expect(custom).toMatchObject({
      PIPEDRIVE_API_TOKEN: '${{ secrets.PIPEDRIVE_TOKEN_ACME }}',
      DBT_ENV_SECRET_SF_PASSWORD: '${{ secrets.DBT_ENV_SECRET_SF_PASSWORD }}',
      SNOWFLAKE_ACCOUNT: '${{ secrets.SNOWFLAKE_ACCOUNT }}',
    });
    expect(() => renderGithubWorkflow({ integration: 'A', tokenSecret: 'GITHUB_TOKEN' })).toThrow(/GITHUB_/);
    expect(() => renderGithubWorkflow({ integration: 'A', warehouseSecrets: ['bad-name'] })).toThrow(ConfigurationError);
    expect(() => renderGithubWorkflow({ integration: 'A', warehouseSecrets: ['PIPEDRIVE_API_TOKEN'] })).toThrow(
      /token secret/,
    );
  });

  it('needs no warehouse secret for a target without one, and keeps its header comment whole', () => {
    const none = workflow({ integration: 'Acme', warehouseSecrets: [] });
    expect(Object.keys(none.load.env ?? {}).filter((key) => key !== 'PIPEDRIVE_LOADER_ANNOTATE')).toEqual([
      'PIPEDRIVE_API_TOKEN',
      'PIPEDRIVE_INTEGRATION',
      'FULL_REFRESH',
    ]);
    const header = none.text.slice(0, none.text.indexOf('\nname:'));
    expect(header.split('\n').every((line) => line.startsWith('#'))).toBe(true);
  });

  it('never overlaps runs of one integration, and never cancels a run in progress', () => {
    expect(parsed.jobs.load.concurrency).toEqual({
      group: 'pipedrive-loader-stitch_pipedrive',
      'cancel-in-progress': false,
    });
    expect(concurrencyGroupFor('Société Générale CRM')).toBe('pipedrive-loader-societe_generale_crm');
  });

  it('carries a commented matrix example with one integration and one token secret per company', () => {
    const comments = text
      .split('\n')
      .filter((line) => line.trimStart().startsWith('#'))
      .map((line) => line.trimStart().replace(/^# ?/, ''))
      .join('\n');
    expect(comments).toContain('matrix:');
    expect(comments).toMatch(/- integration: Acme CRM\s+token_secret: PIPEDRIVE_API_TOKEN_ACME/);
    expect(comments).toContain('group: pipedrive-loader-${{ matrix.integration }}');
    expect(comments).toContain('PIPEDRIVE_API_TOKEN: ${{ secrets[matrix.token_secret] }}');
    // The example is valid YAML once uncommented.
    const exampleLines = comments.split('\n');
    const start = exampleLines.findIndex((line) => line.trim() === 'strategy:');
    const end = exampleLines.findIndex((line) => line.trim() === '...');
    const margin = exampleLines[start]?.indexOf('strategy:') ?? 0;
    const example = exampleLines
      .slice(start, end)
      .map((line) => line.slice(margin))
      .join('\n');
    const uncommented = parse(example) as {
      strategy: { matrix: { include: { integration: string; token_secret: string }[] } };
      concurrency: { group: string; 'cancel-in-progress': boolean };
    };
    expect(uncommented.strategy.matrix.include).toEqual([
      { integration: 'Acme CRM', token_secret: 'PIPEDRIVE_API_TOKEN_ACME' },
      { integration: 'Globex Sales', token_secret: 'PIPEDRIVE_API_TOKEN_GLOBEX' },
    ]);
    expect(uncommented.concurrency['cancel-in-progress']).toBe(false);
  });

  it('sets up Node 24 (the maintained LTS) with the npm cache and installs the pinned loader', () => {
    const setup = parsed.jobs.load.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setup?.with).toEqual({ 'node-version': '24', cache: 'npm' });
    expect(parsed.jobs.load.steps.map((step) => step.uses ?? step.name ?? step.run)).toEqual([
      'actions/checkout@v5',
      'actions/setup-node@v5',
      'npm ci',
      'Load Pipedrive',
    ]);
    expect(parsed.permissions).toEqual({ contents: 'read' });
  });

  it('loads incrementally with JSON logs piped into the annotation script, in bash with pipefail', () => {
    expect(load.shell).toBe('bash');
    expect(load.run).toContain('set -o pipefail');
    expect(load.run).toContain('args=(load --integration "$PIPEDRIVE_INTEGRATION" --log-format json)');
    expect(load.run).toContain('node_modules/.bin/pipedrive-loader "${args[@]}" 2>&1 | node -e "$PIPEDRIVE_LOADER_ANNOTATE"');
    expect(load.run).not.toContain('npx');
    expect(load.env?.['PIPEDRIVE_LOADER_ANNOTATE']).toBe(ANNOTATION_SCRIPT);
  });

  it('passes --profile and --target, quoted for the shell, and DBT_PROFILES_DIR', () => {
    const { load: step } = workflow({ integration: 'A', profile: 'analytics', target: "prod eu's", profilesDir: 'dbt' });
    expect(step.run).toContain(`--profile analytics --target 'prod eu'\\''s'`);
    expect(step.env?.['DBT_PROFILES_DIR']).toBe('dbt');
  });

  it('keeps hostile integration names inert: YAML-quoted and read from the environment', () => {
    const hostile = 'Acme"; rm -rf / #${{ github.token }}';
    const { parsed: hostileParsed, load: step } = workflow({ integration: hostile });
    expect(step.env?.['PIPEDRIVE_INTEGRATION']).toBe(hostile);
    expect(step.run).not.toContain('rm -rf');
    expect(hostileParsed.name).toBe(`Pipedrive load (${hostile})`);
  });

  it('refuses an empty integration and impossible timeouts', () => {
    expect(() => renderGithubWorkflow({ integration: '  ' })).toThrow(/--integration/);
    expect(() => renderGithubWorkflow({ integration: 'A', timeoutMinutes: 400 })).toThrow(/360/);
  });
});

describe('shellQuote', () => {
  it('leaves safe words alone and single-quotes the rest', () => {
    expect(shellQuote('prod')).toBe('prod');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});

describe('the annotation script', () => {
  function annotate(input: string): string {
    const result = spawnSync(process.execPath, ['-e', ANNOTATION_SCRIPT], { input, encoding: 'utf8' });
    expect(result.status).toBe(0);
    return result.stdout;
  }

  it('passes every line through and turns error and warn lines into annotations', () => {
    const lines = [
      JSON.stringify({ level: 'info', event: 'stream_done', message: 'deals: 12 rows', stream: 'deals' }),
      JSON.stringify({ level: 'warn', event: 'not_admin', message: 'The token user is not a global admin' }),
      JSON.stringify({ level: 'error', event: 'failed', message: '100% broken\nsecond line', stream: 'persons' }),
      'not json at all',
    ];
    expect(annotate(lines.join('\n') + '\n').split('\n')).toEqual([
      lines[0],
      lines[1],
      '::warning title=pipedrive-loader::The token user is not a global admin',
      lines[2],
      '::error title=pipedrive-loader::100%25 broken%0Asecond line (stream persons)',
      'not json at all',
      '',
    ]);
  });

  it('falls back to the event when a line has no message, and ignores JSON that is not an object', () => {
    expect(annotate('{"level":"error","event":"failed"}\nnull\n42\n')).toBe(
      '{"level":"error","event":"failed"}\n::error title=pipedrive-loader::failed\nnull\n42\n',
    );
  });
});

describe('the load step, run by bash against a fake loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'init-ci-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { load } = workflow({ integration: 'Stitch Pipedrive' });

  function runStep(exitCode: number, fullRefresh: string): { status: number | null; stdout: string } {
    // The installed bin records its arguments and, as the real CLI does, ends with one JSON error
    // line on stderr carrying the exit code, then exits with it.
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    const bin = join(dir, 'node_modules', '.bin', 'pipedrive-loader');
    const failed = JSON.stringify({ level: 'error', event: 'failed', message: 'boom', exit_code: exitCode });
    writeFileSync(bin, `#!/usr/bin/env bash\necho "args: pipedrive-loader $*"\necho '${failed}' >&2\nexit ${exitCode}\n`);
    chmodSync(bin, 0o755);
    const result = spawnSync('bash', ['-e', '-c', load.run ?? ''], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: `${dir}:${process.env['PATH'] ?? ''}`,
        PIPEDRIVE_INTEGRATION: 'Stitch Pipedrive',
        FULL_REFRESH: fullRefresh,
        PIPEDRIVE_LOADER_ANNOTATE: load.env?.['PIPEDRIVE_LOADER_ANNOTATE'] ?? '',
      },
    });
    return { status: result.status, stdout: result.stdout + result.stderr };
  }

  it('fails the job with the loader’s exit code and an error annotation', () => {
    const { status, stdout } = runStep(5, '');
    expect(status).toBe(5);
    expect(stdout).toContain('::error title=pipedrive-loader::boom');
    expect(stdout).toContain('args: pipedrive-loader load --integration Stitch Pipedrive --log-format json\n');
  });

  it('adds --full-refresh only when the input is true', () => {
    expect(runStep(0, 'true').stdout).toContain('--log-format json --full-refresh');
    expect(runStep(0, 'false').stdout).not.toContain('--full-refresh');
  });

  it('turns an exhausted budget (4) and a held lock (7) into warnings, not failures or error annotations', () => {
    const budget = runStep(4, '');
    expect(budget.status).toBe(0);
    expect(budget.stdout).toContain('::warning title=pipedrive-loader::The Pipedrive API budget is spent');
    expect(budget.stdout).toContain('::warning title=pipedrive-loader::boom');
    expect(budget.stdout).not.toContain('::error');
    const locked = runStep(7, '');
    expect(locked.status).toBe(0);
    expect(locked.stdout).toContain('::warning title=pipedrive-loader::Another run holds the schema');
    expect(locked.stdout).not.toContain('::error');
  });

  it('fails on every other non-zero exit code, with an error annotation', () => {
    for (const code of [3, 5]) {
      const result = runStep(code, '');
      expect(result.status).toBe(code);
      expect(result.stdout).toContain('::error title=pipedrive-loader::boom');
    }
  });
});
