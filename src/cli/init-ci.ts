/**
 * `pipedrive-loader init-ci`: writes the GitHub Actions workflow (src/ci/github-actions.ts renders
 * it) for one integration, tailored to the repository it runs in:
 * - the warehouse secrets default to the variables the chosen profiles.yml output reads with
 *   env_var() and gives no default for, since the workflow must provide exactly those;
 * - a profiles.yml inside the repository is passed on as DBT_PROFILES_DIR; one outside it (such
 *   as ~/.dbt) cannot be seen by the runner, which is said plainly, as is a DuckDB target (its
 *   file would be thrown away with the runner after every run);
 * - a warehouse host of localhost or 127.0.0.1 is said plainly: on the runner it is the runner
 *   itself, not your server;
 * - an existing workflow is never overwritten silently: unchanged is reported, different needs
 *   --force.
 * Nothing is connected to: neither Pipedrive nor the warehouse.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { parse } from 'yaml';
import { DEFAULT_NODE_VERSION, DEFAULT_TOKEN_SECRET, renderGithubWorkflow } from '../ci/github-actions.js';
import { DEFAULT_SCHEDULE, parseSchedule } from '../ci/schedule.js';
import { outlineProfile, type ProfileOutline } from '../config/profiles.js';
import { ConfigurationError } from '../errors.js';
import { schemaNameFromIntegration } from '../schema/naming.js';
import type { CommandResult } from './main.js';
import type { LogFormat, Reporter } from './output.js';
import { packageVersion } from './version.js';

interface InitCiArgs {
  readonly integration?: string;
  readonly schedule: string;
  readonly out?: string;
  readonly tokenSecret: string;
  readonly warehouseSecret?: readonly string[];
  readonly profile?: string;
  readonly target?: string;
  readonly profilesDir?: string;
  readonly nodeVersion: string;
  readonly timeoutMinutes: number;
  readonly force: boolean;
  readonly logFormat: LogFormat;
  readonly debug: boolean;
}

/** `.github/workflows/pipedrive-loader-stitch_pipedrive.yml`: one file per integration. */
export function defaultWorkflowPath(integration: string): string {
  return `.github/workflows/pipedrive-loader-${schemaNameFromIntegration(integration)}.yml`;
}

function isInside(directory: string, file: string): boolean {
  const path = relative(directory, file);
  return path === '' || (!path.startsWith('..') && !isAbsolute(path));
}

/** Warns about a profile the runner cannot use; returns the DBT_PROFILES_DIR the workflow needs. */
function checkProfile(outline: ProfileOutline | undefined, cwd: string, reporter: Reporter): string | undefined {
  if (outline === undefined) {
    reporter.warn(
      'ci_no_profile',
      'No profiles.yml found, so the workflow would load into a DuckDB file on the CI runner, which is thrown away after ' +
        'every run. Commit a profiles.yml with a server warehouse (e.g. type: postgres, secrets through env_var()) and run init-ci again.',
    );
    return undefined;
  }
  if (outline.type === 'duckdb') {
    reporter.warn(
      'ci_duckdb_target',
      `Target '${outline.target}' is DuckDB: its file lives on the CI runner and is thrown away after every run. ` +
        'Point the workflow at a server warehouse (--target) for scheduled loads.',
    );
  }
  if (!isInside(cwd, outline.source)) {
    reporter.warn(
      'ci_profile_outside_repository',
      `${outline.source} is outside this repository, so the workflow cannot read it. Commit a profiles.yml to the ` +
        'repository (secrets through env_var()) and run init-ci again with --profiles-dir pointing at it.',
    );
    return undefined;
  }
  const directory = relative(cwd, dirname(outline.source));
  return directory === '' ? undefined : directory.split('\\').join('/');
}

function warehouseSecretsOf(outline: ProfileOutline | undefined, reporter: Reporter): string[] {
  if (outline === undefined) return [];
  const optional = outline.variables.filter((variable) => variable.hasDefault).map((variable) => variable.name);
  if (optional.length > 0) {
    reporter.warn(
      'ci_optional_variables',
      `Not passed to the workflow, since profiles.yml gives them defaults: ${optional.join(', ')}. ` +
        'Add any the runner needs with --warehouse-secret NAME.',
    );
  }
  return outline.variables.filter((variable) => !variable.hasDefault).map((variable) => variable.name);
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

/**
 * The output's `host` as the runner would see it: the literal, or the default of an
 * `env_var('NAME', 'default')` (such variables are not passed to the workflow, so the default is
 * what the runner uses). Read from the file directly: outlineProfile does not render values.
 */
export function runnerHostOf(outline: ProfileOutline): { readonly host: string; readonly variable?: string } | undefined {
  try {
    const profiles = parse(readFileSync(outline.source, 'utf8')) as Record<string, { outputs?: Record<string, Record<string, unknown>> }>;
    const host = profiles[outline.profile]?.outputs?.[outline.target]?.['host'];
    if (typeof host !== 'string') return undefined;
    const templated = /^\s*\{\{\s*env_var\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]*)['"]\s*\)\s*\}\}\s*$/.exec(host);
    if (templated?.[1] !== undefined && templated[2] !== undefined) return { host: templated[2], variable: templated[1] };
    return host.includes('{{') ? undefined : { host: host.trim() };
  } catch {
    return undefined;
  }
}

function warnAboutLoopbackHost(outline: ProfileOutline | undefined, secrets: readonly string[], reporter: Reporter): void {
  if (outline === undefined) return;
  const found = runnerHostOf(outline);
  // A variable passed as a secret gives the runner its own value, not the default.
  if (found === undefined || !LOOPBACK.test(found.host) || (found.variable !== undefined && secrets.includes(found.variable))) return;
  const host = found.variable === undefined ? found.host : `${found.host} (the default of env_var('${found.variable}'))`;
  reporter.warn(
    'ci_localhost_target',
    `Target '${outline.target}' connects to ${host}: on the CI runner that is the runner itself, where no warehouse runs. ` +
      'Set host to an address the runner can reach (e.g. through a repository secret read with env_var()).',
  );
}

/** How to add the loader to a repository today: it is not on the npm registry yet. */
export function installHint(): string {
  const tarball = `pipedrive-loader-${packageVersion()}.tgz`;
  return (
    'pipedrive-loader is not published on the npm registry yet: in a clone of it run `npm install && npm pack`, copy ' +
    `${tarball} into this repository (e.g. vendor/), run \`npm install --save-dev ./vendor/${tarball}\`, and commit ` +
    'vendor/, package.json and package-lock.json (README: Install).'
  );
}

function warnAboutPackage(cwd: string, reporter: Reporter): void {
  const file = resolve(cwd, 'package.json');
  let listed = false;
  if (existsSync(file)) {
    try {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      listed = ['dependencies', 'devDependencies'].some((key) => {
        const deps = manifest[key];
        return typeof deps === 'object' && deps !== null && 'pipedrive-loader' in deps;
      });
    } catch {
      listed = false;
    }
  }
  if (!listed) {
    reporter.warn(
      'ci_package_missing',
      `The workflow runs \`npm ci\` and then node_modules/.bin/pipedrive-loader, which package.json does not list. ${installHint()}`,
    );
  }
}

export function initCiCommand(result: CommandResult): CommandModule<object, InitCiArgs> {
  return {
    command: 'init-ci',
    describe: 'Write a GitHub Actions workflow that loads the integration on a schedule',
    builder: (yargs) =>
      yargs
        .option('integration', { type: 'string', describe: 'Integration name, e.g. "Stitch Pipedrive" (required)' })
        .option('schedule', {
          type: 'string',
          default: DEFAULT_SCHEDULE,
          describe: 'How often: 5m, 10m, 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h, or a cron line (UTC)',
        })
        .option('out', { type: 'string', describe: 'Workflow file (default .github/workflows/pipedrive-loader-<schema>.yml); - prints it' })
        .option('token-secret', { type: 'string', default: DEFAULT_TOKEN_SECRET, describe: 'Repository secret holding the Pipedrive API token' })
        .option('warehouse-secret', {
          type: 'string',
          array: true,
          describe: "Repository secrets for profiles.yml's env_var() (default: the variables the output needs)",
        })
        .option('profile', { type: 'string', describe: 'Profile in profiles.yml (default: pipedrive)' })
        .option('target', { type: 'string', describe: "Target the workflow loads into (default: the profile's own target)" })
        .option('profiles-dir', { type: 'string', describe: 'Directory holding profiles.yml (also DBT_PROFILES_DIR)' })
        .option('node-version', {
          type: 'string',
          default: DEFAULT_NODE_VERSION,
          describe: 'Node.js version on the runner (default: the current LTS)',
        })
        .option('timeout-minutes', { type: 'number', default: 180, describe: 'Upper bound of one run' })
        .option('force', { type: 'boolean', default: false, describe: 'Replace an existing, different workflow file' })
        .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Log format' })
        .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces on failure' }) as unknown as Argv<InitCiArgs>,
    handler: (args) =>
      result.run(args, async (reporter) => {
        const integration = args.integration?.trim() ?? '';
        if (integration === '') {
          throw new ConfigurationError('init-ci needs --integration: the name of the Pipedrive company to load, e.g. --integration "Stitch Pipedrive".');
        }
        const toStdout = args.out === '-';
        if (toStdout) reporter.sendLogsToStderr();
        const cwd = process.cwd();
        const outline = outlineProfile({ profilesDir: args.profilesDir, profile: args.profile, target: args.target });
        const profilesDir = checkProfile(outline, cwd, reporter);
        const warehouseSecrets = args.warehouseSecret ? [...args.warehouseSecret] : warehouseSecretsOf(outline, reporter);
        warnAboutLoopbackHost(outline, warehouseSecrets, reporter);
        const workflow = renderGithubWorkflow({
          integration,
          schedule: args.schedule,
          tokenSecret: args.tokenSecret,
          warehouseSecrets,
          ...(args.profile !== undefined ? { profile: args.profile } : {}),
          ...(args.target !== undefined ? { target: args.target } : {}),
          ...(profilesDir !== undefined ? { profilesDir } : {}),
          nodeVersion: args.nodeVersion,
          timeoutMinutes: args.timeoutMinutes,
        });
        warnAboutPackage(cwd, reporter);
        if (toStdout) {
          reporter.document(workflow);
          return 0;
        }
        const out = args.out ?? defaultWorkflowPath(integration);
        const existing = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
        if (existing === workflow) {
          reporter.info('ci_unchanged', `${out} is up to date.`, { path: out });
        } else {
          if (existing !== undefined && !args.force) {
            throw new ConfigurationError(`${out} exists and differs from the workflow init-ci would write; pass --force to replace it (edits in it are lost).`);
          }
          mkdirSync(dirname(out), { recursive: true });
          writeFileSync(`${out}.${process.pid}.tmp`, workflow, 'utf8');
          renameSync(`${out}.${process.pid}.tmp`, out);
          const schedule = parseSchedule(args.schedule);
          reporter.info(
            'ci_written',
            `Wrote ${out}: incremental loads ${schedule.description}, and a manual run with a full_refresh input.`,
            { path: out },
          );
        }
        const secrets = [args.tokenSecret, ...warehouseSecrets];
        reporter.info(
          'ci_next_steps',
          `Next: add the repository secrets ${secrets.join(', ')} (Settings → Secrets and variables → Actions), commit the workflow, ` +
            'and run it once by hand from the Actions tab.',
          { secrets: secrets.join(',') },
        );
        return 0;
      }),
  };
}
