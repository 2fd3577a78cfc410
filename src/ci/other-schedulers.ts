/**
 * Scheduling without GitHub Actions: a GitLab CI job and a plain crontab line, rendered for one
 * integration so the README (or `init-ci --gitlab` / `--cron`) can show exactly what to paste.
 *
 * - GitLab CI has no schedule in the YAML: the cron line goes into CI/CD → Schedules, and the job
 *   runs only for scheduled pipelines or by hand (`web`). `resource_group` is GitLab's way of
 *   never running two jobs of one integration at once. A manual pipeline with the variable
 *   FULL_REFRESH=true re-reads everything. The token and warehouse secrets are masked CI/CD
 *   variables, which GitLab exports into the job's environment under their own names. Exit codes
 *   4 (budget spent) and 7 (schema held by another run) mark the job as a warning, not a failure,
 *   as the GitHub workflow does.
 * - Both run the loader that `npm ci` installed, node_modules/.bin/pipedrive-loader, never
 *   `npx pipedrive-loader`, which without it would fetch whatever the registry has by that name.
 * - cron: `flock -n` skips a run while the previous one still holds the lock (the loader's own
 *   schema lock would make it wait and then exit 7); the token comes from an env file readable
 *   only by the cron user, never from the crontab itself, which other tools print.
 */
import { ConfigurationError } from '../errors.js';
import { schemaNameFromIntegration } from '../schema/naming.js';
import { WARNING_EXIT_CODES } from './annotations.js';
import { concurrencyGroupFor, DEFAULT_NODE_VERSION, shellQuote, yamlString } from './github-actions.js';
import { DEFAULT_SCHEDULE, minuteOffsetFor, parseSchedule } from './schedule.js';

export interface SchedulerOptions {
  readonly integration: string;
  /** Same forms as init-ci --schedule. Default '30m'. */
  readonly schedule?: string;
  readonly minuteOffset?: number;
  readonly nodeVersion?: string;
}

function checkedIntegration(integration: string): string {
  const trimmed = integration.trim();
  if (trimmed === '') throw new ConfigurationError('An integration name is needed: the Pipedrive company to load.');
  return trimmed;
}

/** A `.gitlab-ci.yml` with one job; the comment says where the cron line goes. */
export function renderGitlabCi(options: SchedulerOptions): string {
  const integration = checkedIntegration(options.integration);
  const schedule = parseSchedule(options.schedule ?? DEFAULT_SCHEDULE, options.minuteOffset ?? minuteOffsetFor(integration));
  return `# pipedrive-loader on GitLab CI, for the Pipedrive company ${JSON.stringify(integration)}.
# Schedule it in CI/CD → Schedules → New schedule, interval pattern (UTC):
#   ${schedule.cron}
# Add masked CI/CD variables PIPEDRIVE_API_TOKEN and those profiles.yml reads with env_var()
# (e.g. DBT_ENV_SECRET_PASSWORD). Run it by hand with FULL_REFRESH=true to re-read everything.
pipedrive-load:
  image: ${yamlString(`node:${options.nodeVersion ?? DEFAULT_NODE_VERSION}`)}
  rules:
    - if: '$CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"'
  resource_group: ${concurrencyGroupFor(integration)}
  # 4: the API budget is spent, 7: another run holds the schema; both resume on the next run.
  allow_failure:
    exit_codes: [${WARNING_EXIT_CODES.join(', ')}]
  variables:
    PIPEDRIVE_INTEGRATION: ${yamlString(integration)}
  cache:
    key:
      files: [package-lock.json]
    paths: [.npm/]
  script:
    - npm ci --cache .npm --prefer-offline
    - |
      args=(load --integration "$PIPEDRIVE_INTEGRATION")
      if [ "$FULL_REFRESH" = "true" ]; then args+=(--full-refresh); fi
      node_modules/.bin/pipedrive-loader "\${args[@]}"
`;
}

export interface CrontabOptions extends SchedulerOptions {
  /** Directory holding package.json (with pipedrive-loader) and profiles.yml. */
  readonly workDir: string;
  /** File exporting PIPEDRIVE_API_TOKEN and warehouse secrets (chmod 600). */
  readonly envFile?: string;
  readonly logFile?: string;
}

/** One crontab line (cron runs it with /bin/sh, in the cron user's home, with a bare PATH). */
export function renderCrontabLine(options: CrontabOptions): string {
  const integration = checkedIntegration(options.integration);
  const schedule = parseSchedule(options.schedule ?? DEFAULT_SCHEDULE, options.minuteOffset ?? minuteOffsetFor(integration));
  const slug = schemaNameFromIntegration(integration);
  const envFile = options.envFile ?? `${options.workDir}/.env.pipedrive-loader`;
  const logFile = options.logFile ?? `${options.workDir}/pipedrive-loader.log`;
  const lock = `/tmp/pipedrive-loader-${slug}.lock`;
  const command =
    `cd ${shellQuote(options.workDir)} && . ${shellQuote(envFile)} && ` +
    `flock -n ${lock} node_modules/.bin/pipedrive-loader load --integration ${shellQuote(integration)} ` +
    `>> ${shellQuote(logFile)} 2>&1`;
  // `%` is special in crontab lines (it starts stdin), so it must not appear unescaped.
  return `${schedule.cron} ${command.replace(/%/g, '\\%')}`;
}

/** README snippets, rendered for an example company so they stay in step with the renderers. */
export const GITLAB_CI_EXAMPLE = renderGitlabCi({ integration: 'Acme CRM' });
export const CRONTAB_EXAMPLE = renderCrontabLine({ integration: 'Acme CRM', workDir: '/srv/pipedrive' });
