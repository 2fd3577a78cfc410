/**
 * The settings of a `type: bigquery` output, in dbt-bigquery's own keys, so an existing dbt
 * profile works unchanged:
 * - `method`: oauth (gcloud application-default credentials), service-account (`keyfile`, a path),
 *   service-account-json (`keyfile_json`, the key itself as a mapping), oauth-secrets (`token`, or
 *   `refresh_token` + `client_id` + `client_secret` + `token_uri`).
 * - `project` (alias `database`), `execution_project`, `location`, `priority` (interactive, batch),
 *   `threads`, `job_execution_timeout_seconds`, `job_creation_timeout_seconds`, `job_retries`,
 *   `job_retry_deadline_seconds`, `maximum_bytes_billed`, `impersonate_service_account`, `scopes`.
 * - `dataset` (alias `schema`) is dbt's default dataset; the loader writes to the dataset named by
 *   --integration/--schema, as for every target, so it is read but not used.
 * Other keys (dataproc, gcs_bucket …) are dbt's business and allowed.
 *
 * Validated here, when the profile is resolved, so a mistake is reported (and the secrets are
 * known for redaction) before anything connects; adapters/bigquery/ uses the result.
 */
import { SettingReader, type Settings } from './setting-readers.js';

export const BIGQUERY_METHODS = ['oauth', 'service-account', 'service-account-json', 'oauth-secrets'] as const;
export type BigQueryMethod = (typeof BIGQUERY_METHODS)[number];

export type BigQueryCredentials =
  | { readonly method: 'oauth' }
  | { readonly method: 'service-account'; readonly keyfile: string }
  | { readonly method: 'service-account-json'; readonly keyfileJson: Readonly<Record<string, unknown>> }
  | {
      readonly method: 'oauth-secrets';
      readonly token?: string;
      readonly refreshToken?: string;
      readonly clientId?: string;
      readonly clientSecret?: string;
      readonly tokenUri?: string;
    };

export interface BigQuerySettings {
  readonly credentials: BigQueryCredentials;
  readonly project: string;
  readonly executionProject?: string;
  readonly dataset?: string;
  readonly location?: string;
  readonly priority: 'interactive' | 'batch';
  readonly threads?: number;
  readonly jobExecutionTimeoutSeconds?: number;
  readonly jobRetries?: number;
  readonly maximumBytesBilled?: number;
  readonly impersonateServiceAccount?: string;
}

/** The keys a service account key file holds that a client needs. */
const KEYFILE_JSON_KEYS = ['private_key', 'client_email'];

function credentialsOf(read: SettingReader, method: BigQueryMethod): BigQueryCredentials {
  switch (method) {
    case 'oauth':
      return { method };
    case 'service-account':
      return { method, keyfile: read.requiredText('keyfile', 'the path of the service account key file, with method: service-account') };
    case 'service-account-json': {
      const keyfileJson = read.mapping('keyfile_json');
      if (keyfileJson === undefined) read.fail('`keyfile_json` (the service account key as a mapping) is required with method: service-account-json.');
      const missing = KEYFILE_JSON_KEYS.filter((key) => typeof keyfileJson[key] !== 'string' || keyfileJson[key] === '');
      if (missing.length > 0) read.fail(`\`keyfile_json\` lacks ${missing.join(' and ')}; paste the whole key file's fields.`);
      return { method, keyfileJson };
    }
    case 'oauth-secrets': {
      const token = read.text('token');
      const refresh = ['refresh_token', 'client_id', 'client_secret', 'token_uri'];
      if (token === undefined && refresh.some((key) => !read.has(key))) {
        read.fail(`method: oauth-secrets needs \`token\`, or all of ${refresh.map((key) => `\`${key}\``).join(', ')}.`);
      }
      return {
        method,
        ...(token !== undefined ? { token } : {}),
        ...(read.has('refresh_token') ? { refreshToken: read.text('refresh_token') } : {}),
        ...(read.has('client_id') ? { clientId: read.text('client_id') } : {}),
        ...(read.has('client_secret') ? { clientSecret: read.text('client_secret') } : {}),
        ...(read.has('token_uri') ? { tokenUri: read.text('token_uri') } : {}),
      };
    }
  }
}

/** Validates the settings of a bigquery output (after env_var() rendering). */
export function parseBigQuerySettings(settings: Settings): BigQuerySettings {
  const read: SettingReader = new SettingReader(settings, 'bigquery');
  const method = read.oneOf('method', BIGQUERY_METHODS);
  if (method === undefined) read.fail(`\`method\` is required: one of ${BIGQUERY_METHODS.join(', ')}.`);
  const project = read.aliased('project', 'database');
  if (project === undefined || project.trim() === '') read.fail('`project` (or `database`) is required: the GCP project id.');
  const dataset = read.aliased('dataset', 'schema');
  const optional = {
    executionProject: read.text('execution_project'),
    dataset,
    location: read.text('location'),
    threads: read.whole('threads', 1),
    jobExecutionTimeoutSeconds: read.whole('job_execution_timeout_seconds', 0) ?? read.whole('timeout_seconds', 0),
    jobRetries: read.whole('job_retries', 0) ?? read.whole('retries', 0),
    maximumBytesBilled: read.whole('maximum_bytes_billed', 0),
    impersonateServiceAccount: read.text('impersonate_service_account'),
  };
  read.whole('job_creation_timeout_seconds', 0);
  read.whole('job_retry_deadline_seconds', 0);
  return {
    credentials: credentialsOf(read, method),
    project,
    priority: read.oneOf('priority', ['interactive', 'batch'] as const) ?? 'interactive',
    ...optional,
  };
}
