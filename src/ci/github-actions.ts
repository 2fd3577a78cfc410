/**
 * `pipedrive-loader init-ci`: the GitHub Actions workflow that loads a Pipedrive company on a
 * schedule. The workflow is written as text (not built with a YAML library) because its comments,
 * the matrix example above all, are part of what it gives the user.
 *
 * What the workflow does, and why:
 * - `schedule` (default every 30 minutes, Pipedrive's usual replication frequency) runs an
 *   incremental load; `workflow_dispatch` runs one by hand, with a boolean `full_refresh` input.
 * - The Pipedrive token and the warehouse credentials come from repository secrets into the
 *   environment, where the loader and profiles.yml (`env_var(...)`) read them. Nothing secret is
 *   on a command line. Secret names are validated here: GitHub refuses names starting GITHUB_.
 * - `concurrency` is set on the job with `cancel-in-progress: false`: runs of one integration
 *   never overlap, and a run is never cancelled mid-batch by the next one. It is on the job, not
 *   the workflow, so the commented matrix example can give each company its own group.
 * - Annotations: the load runs with `--log-format json`, stdout and stderr (where error lines go)
 *   piped through ANNOTATION_SCRIPT (see annotations.ts); `pipefail` keeps the loader's exit code. Exit 4 (budget spent) and 7
 *   (schema locked by another run) become warnings, not failures.
 * - checkout@v5 and setup-node@v5 run on GitHub's Node 24 action runtime; the v4 actions still
 *   target Node 20, which GitHub deprecated, and every run would carry a deprecation annotation.
 * - Node 24 (the active LTS; Node 20 reached its end of life in April 2026) with the npm cache.
 *   The repository pins pipedrive-loader in its package.json/package-lock.json, so every
 *   scheduled run uses the same, reviewed version. It is not on the npm registry yet, so the pin
 *   is a tarball committed to the repository (see the header the workflow carries).
 * - The loader runs as node_modules/.bin/pipedrive-loader, not `npx pipedrive-loader`: npx, not
 *   finding the package installed, would download whatever the registry has under that name and
 *   run it with the token in its environment.
 */
import { ConfigurationError } from '../errors.js';
import { schemaNameFromIntegration } from '../schema/naming.js';
import { ANNOTATION_ENV_VAR, ANNOTATION_SCRIPT, WARNING_EXIT_CODES } from './annotations.js';
import { DEFAULT_SCHEDULE, minuteOffsetFor, parseSchedule } from './schedule.js';

export const DEFAULT_TOKEN_SECRET = 'PIPEDRIVE_API_TOKEN';
/** The active Node.js LTS line (24 until October 2026, then maintenance until April 2028). */
export const DEFAULT_NODE_VERSION = '24';
export const DEFAULT_WAREHOUSE_SECRETS: readonly string[] = ['DBT_ENV_SECRET_PASSWORD'];

export interface GithubWorkflowOptions {
  /** The integration name, e.g. "Stitch Pipedrive"; its snake_case form is the schema. */
  readonly integration: string;
  /** '30m', '1h', '15m', '6h' … or a 5-field cron line (see schedule.ts). Default '30m'. */
  readonly schedule?: string;
  /** Minute offset of shorthand schedules; default derived from the integration name. */
  readonly minuteOffset?: number;
  /** Repository secret holding the Pipedrive API token. */
  readonly tokenSecret?: string;
  /** Repository secrets exported under the same name, for profiles.yml's env_var(). */
  readonly warehouseSecrets?: readonly string[];
  readonly profile?: string;
  readonly target?: string;
  /** Directory of profiles.yml inside the repository (sets DBT_PROFILES_DIR). */
  readonly profilesDir?: string;
  readonly nodeVersion?: string;
  /** Upper bound of one run; a stuck run would otherwise hold the concurrency group for 6 hours. */
  readonly timeoutMinutes?: number;
}

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A YAML double-quoted scalar: JSON string syntax is valid YAML. */
export function yamlString(text: string): string {
  return JSON.stringify(text);
}

export function validateSecretName(name: string): string {
  if (!SECRET_NAME.test(name) || /^GITHUB_/i.test(name)) {
    throw new ConfigurationError(
      `${JSON.stringify(name)} cannot be a GitHub secret name: use letters, digits and _, not starting with a digit or GITHUB_.`,
    );
  }
  return name;
}

/** The concurrency group of an integration: one per schema, so two companies never wait on each other. */
export function concurrencyGroupFor(integration: string): string {
  return `pipedrive-loader-${schemaNameFromIntegration(integration)}`;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

function loadScript(options: GithubWorkflowOptions): string {
  const flags = [
    ...(options.profile ? [`--profile ${shellQuote(options.profile)}`] : []),
    ...(options.target ? [`--target ${shellQuote(options.target)}`] : []),
  ];
  const warnings = WARNING_EXIT_CODES.map((code) =>
    code === 4
      ? `  4) echo "::warning title=pipedrive-loader::The Pipedrive API budget is spent. Committed data is kept; the next scheduled run resumes." ;;`
      : `  7) echo "::warning title=pipedrive-loader::Another run holds the schema, so this run loaded nothing." ;;`,
  );
  return [
    'set -o pipefail',
    'args=(load --integration "$PIPEDRIVE_INTEGRATION" --log-format json' + (flags.length ? ` ${flags.join(' ')}` : '') + ')',
    'if [ "$FULL_REFRESH" = "true" ]; then args+=(--full-refresh); fi',
    'status=0',
    // 2>&1: the loader writes its error lines to stderr, and they are the annotations that matter.
    `node_modules/.bin/pipedrive-loader "\${args[@]}" 2>&1 | node -e "$${ANNOTATION_ENV_VAR}" || status=$?`,
    'case "$status" in',
    '  0) ;;',
    ...warnings,
    '  *) exit "$status" ;;',
    'esac',
  ].join('\n');
}

/** Single-quotes a value for bash (profile and target names are user input). */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_.\-/]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const MATRIX_EXAMPLE = `# Several companies: one integration (so one schema) and one token secret per company.
# Replace the concurrency group and the env values below with the matrix ones:
#
#   strategy:
#     fail-fast: false          # one company's failure does not cancel the others
#     matrix:
#       include:
#         - integration: Acme CRM
#           token_secret: PIPEDRIVE_API_TOKEN_ACME
#         - integration: Globex Sales
#           token_secret: PIPEDRIVE_API_TOKEN_GLOBEX
#   concurrency:
#     group: pipedrive-loader-\${{ matrix.integration }}
#     cancel-in-progress: false
#   ...
#       env:
#         PIPEDRIVE_API_TOKEN: \${{ secrets[matrix.token_secret] }}
#         PIPEDRIVE_INTEGRATION: \${{ matrix.integration }}`;

/** The whole `.github/workflows/pipedrive-loader.yml`. */
export function renderGithubWorkflow(options: GithubWorkflowOptions): string {
  const integration = options.integration.trim();
  if (integration === '') throw new ConfigurationError('init-ci needs --integration: the name of the Pipedrive company to load.');
  const schedule = parseSchedule(options.schedule ?? DEFAULT_SCHEDULE, options.minuteOffset ?? minuteOffsetFor(integration));
  const tokenSecret = validateSecretName(options.tokenSecret ?? DEFAULT_TOKEN_SECRET);
  const warehouseSecrets = [...new Set(options.warehouseSecrets ?? DEFAULT_WAREHOUSE_SECRETS)].map(validateSecretName);
  if (warehouseSecrets.includes(tokenSecret)) {
    throw new ConfigurationError(`${tokenSecret} is the token secret; warehouse secrets need other names.`);
  }
  const timeout = options.timeoutMinutes ?? 180;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 360) {
    throw new ConfigurationError('timeout-minutes must be a whole number from 1 to 360 (GitHub’s job limit).');
  }

  const env = [
    `PIPEDRIVE_API_TOKEN: \${{ secrets.${tokenSecret} }}`,
    ...warehouseSecrets.map((name) => `${name}: \${{ secrets.${name} }}`),
    `PIPEDRIVE_INTEGRATION: ${yamlString(integration)}`,
    ...(options.profilesDir ? [`DBT_PROFILES_DIR: ${yamlString(options.profilesDir)}`] : []),
    // Empty on scheduled runs: inputs exist only on workflow_dispatch.
    'FULL_REFRESH: ${{ inputs.full_refresh }}',
    `${ANNOTATION_ENV_VAR}: |`,
    indent(ANNOTATION_SCRIPT.trimEnd(), 2),
  ].join('\n');

  return `# Generated by \`pipedrive-loader init-ci\`. Loads the Pipedrive company ${JSON.stringify(integration)}
# ${schedule.description}, incrementally: each run reads only what changed since the last one.
#
# Setup (Settings → Secrets and variables → Actions → New repository secret):
#   ${tokenSecret}: the API token of the loader's admin user in Pipedrive
${warehouseSecrets.map((name) => `#   ${name}: used by profiles.yml as {{ env_var('${name}') }}\n`).join('')}# Pin the loader in this repository so scheduled runs use a reviewed version. It is not on the
# npm registry yet: in a clone of pipedrive-loader run \`npm install && npm pack\`, copy the
# .tgz into vendor/ here, \`npm install --save-dev ./vendor/pipedrive-loader-<version>.tgz\`, and
# commit vendor/, package.json and package-lock.json.
#
# GitHub may start scheduled runs late when it is busy, and disables schedules in public
# repositories after 60 days without commits. Run it by hand from the Actions tab, with
# "full_refresh" to re-read everything (tables are kept, rows upserted).
name: ${yamlString(`Pipedrive load (${integration})`)}

on:
  schedule:
    - cron: ${yamlString(schedule.cron)}
  workflow_dispatch:
    inputs:
      full_refresh:
        description: Re-read everything from Pipedrive (tables are kept, rows upserted)
        type: boolean
        default: false

permissions:
  contents: read

jobs:
  load:
    runs-on: ubuntu-latest
    timeout-minutes: ${timeout}
${indent(MATRIX_EXAMPLE, 4)}
    concurrency:
      group: ${concurrencyGroupFor(integration)}
      cancel-in-progress: false
    steps:
      - uses: actions/checkout@v5
      - uses: actions/setup-node@v5
        with:
          node-version: ${yamlString(options.nodeVersion ?? DEFAULT_NODE_VERSION)}
          cache: npm
      - run: npm ci
      - name: Load Pipedrive
        shell: bash
        env:
${indent(env, 10)}
        run: |
${indent(loadScript(options), 10)}
`;
}
