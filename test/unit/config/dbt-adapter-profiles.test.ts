/**
 * Profiles written for the four dbt adapters, in the keys each adapter documents, resolve
 * unchanged: dbt-duckdb, dbt-postgres, dbt-bigquery and dbt-snowflake. Their secrets are known
 * for redaction; their mistakes are configuration errors naming the key. BigQuery and Snowflake
 * loads are not in this version: the profile still resolves, and the adapter registry says so.
 */
import { describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../adapters/index.js';
import { parseDuckDBSettings } from '../../../adapters/duckdb/index.js';
import { parsePostgresSettings } from '../../../src/config/postgres-settings.js';
import { parseBigQuerySettings } from '../../../src/config/bigquery-settings.js';
import { outlineProfile, targetFromProfiles } from '../../../src/config/profiles.js';
import { parseSnowflakeSettings } from '../../../src/config/snowflake-settings.js';
import { ConfigurationError } from '../../../src/errors.js';

/** One profile per adapter, as their documentation writes them (names, comments and all). */
const PROFILES = `
config:
  send_anonymous_usage_stats: false

duckdb_project:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: /tmp/dbt.duckdb
      threads: 4
      extensions:
        - httpfs
        - parquet
      settings:
        s3_region: us-east-1
        memory_limit: 1GB

postgres_project:
  target: dev
  outputs:
    dev:
      type: postgres
      host: localhost
      user: alice
      password: "{{ env_var('DBT_ENV_SECRET_PG_PASSWORD') }}"
      port: 5432
      dbname: analytics
      schema: dbt_alice
      threads: 4
      keepalives_idle: 0
      connect_timeout: 10
      retries: 1
      search_path: public
      role: transformer
      sslmode: require

bigquery_project:
  target: service_account
  outputs:
    service_account:
      type: bigquery
      method: service-account
      project: my-gcp-project
      dataset: analytics
      threads: 4
      keyfile: "{{ env_var('BIGQUERY_KEYFILE') }}"
      location: US
      priority: interactive
      job_execution_timeout_seconds: 300
      job_retries: 1
      maximum_bytes_billed: 1000000000
    oauth:
      type: bigquery
      method: oauth
      project: my-gcp-project
      dataset: analytics
      threads: 1
    service_account_json:
      type: bigquery
      method: service-account-json
      project: my-gcp-project
      schema: analytics
      threads: 4
      keyfile_json:
        type: service_account
        project_id: my-gcp-project
        private_key_id: abc123
        private_key: "{{ env_var('DBT_ENV_SECRET_BQ_PRIVATE_KEY') }}"
        client_email: loader@my-gcp-project.iam.gserviceaccount.com
        client_id: "1234567890"
        auth_uri: https://accounts.google.com/o/oauth2/auth
        token_uri: https://oauth2.googleapis.com/token
    oauth_secrets:
      type: bigquery
      method: oauth-secrets
      database: my-gcp-project
      dataset: analytics
      threads: 1
      refresh_token: "{{ env_var('DBT_ENV_SECRET_BQ_REFRESH_TOKEN') }}"
      client_id: my-client-id
      client_secret: "{{ env_var('DBT_ENV_SECRET_BQ_CLIENT_SECRET') }}"
      token_uri: https://oauth2.googleapis.com/token
      scopes:
        - https://www.googleapis.com/auth/bigquery

snowflake_project:
  target: password
  outputs:
    password:
      type: snowflake
      account: xy12345.eu-central-1
      user: DBT_USER
      password: "{{ env_var('DBT_ENV_SECRET_SNOWFLAKE_PASSWORD') }}"
      role: TRANSFORMER
      database: ANALYTICS
      warehouse: TRANSFORMING
      schema: DBT_ALICE
      threads: 8
      client_session_keep_alive: False
      query_tag: dbt
      connect_retries: 0
      connect_timeout: 10
      retry_on_database_errors: False
      retry_all: False
      reuse_connections: True
    key_pair:
      type: snowflake
      account: myorg-myaccount
      user: LOADER
      authenticator: snowflake_jwt
      private_key_path: /secrets/rsa_key.p8
      private_key_passphrase: "{{ env_var('DBT_ENV_SECRET_KEY_PASSPHRASE') }}"
      role: LOADER
      database: RAW
      warehouse: LOADING
      schema: PUBLIC
      threads: 4
    sso:
      type: snowflake
      account: xy12345
      user: alice@example.com
      authenticator: externalbrowser
      role: ANALYST
      database: ANALYTICS
      warehouse: TRANSFORMING
      schema: DBT_ALICE
      threads: 4
    oauth:
      type: snowflake
      account: xy12345
      user: alice
      authenticator: oauth
      token: "{{ env_var('DBT_ENV_SECRET_SNOWFLAKE_TOKEN') }}"
      database: ANALYTICS
      warehouse: TRANSFORMING
      schema: DBT_ALICE
    okta:
      type: snowflake
      account: xy12345
      user: alice
      password: okta-password-1
      authenticator: https://acme.okta.com
      database: ANALYTICS
      schema: DBT_ALICE
`;

const ENV = {
  DBT_ENV_SECRET_PG_PASSWORD: 'pg-secret-1',
  BIGQUERY_KEYFILE: '/secrets/bq.json',
  DBT_ENV_SECRET_BQ_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
  DBT_ENV_SECRET_BQ_REFRESH_TOKEN: 'bq-refresh-1',
  DBT_ENV_SECRET_BQ_CLIENT_SECRET: 'bq-client-secret-1',
  DBT_ENV_SECRET_SNOWFLAKE_PASSWORD: 'sf-password-1',
  DBT_ENV_SECRET_KEY_PASSPHRASE: 'sf-passphrase-1',
  DBT_ENV_SECRET_SNOWFLAKE_TOKEN: 'sf-oauth-token-1',
};

function resolve(profile: string, target?: string) {
  return targetFromProfiles(PROFILES, 'profiles.yml', { profile, ...(target ? { target } : {}), env: ENV });
}

describe('dbt-duckdb profiles', () => {
  it('resolve unchanged; keys the loader has no use for are allowed', () => {
    const target = resolve('duckdb_project');
    expect(target).toMatchObject({ type: 'duckdb', name: 'dev' });
    expect(parseDuckDBSettings(target.settings)).toMatchObject({ path: '/tmp/dbt.duckdb', threads: 4 });
  });

  it('read DuckDB options from dbt-duckdb\'s `settings:` map, top-level keys winning', () => {
    const target = resolve('duckdb_project');
    expect(parseDuckDBSettings(target.settings)).toMatchObject({ memoryLimit: '1GB' });
    expect(parseDuckDBSettings({ ...target.settings, memory_limit: '2GB' })).toMatchObject({ memoryLimit: '2GB' });
    expect(() => parseDuckDBSettings({ path: 'x.duckdb', settings: 'fast' })).toThrow(/map of DuckDB options/);
  });
});

describe('dbt-postgres profiles', () => {
  it('resolve unchanged, with the password known as a secret', () => {
    const target = resolve('postgres_project');
    expect(target.type).toBe('postgres');
    expect(parsePostgresSettings(target.settings)).toMatchObject({
      host: 'localhost',
      port: 5432,
      user: 'alice',
      password: 'pg-secret-1',
      database: 'analytics',
      role: 'transformer',
      sslmode: 'require',
    });
    expect(target.secrets).toContain('pg-secret-1');
  });
});

describe('dbt-bigquery profiles', () => {
  it('resolve with each documented method', () => {
    expect(parseBigQuerySettings(resolve('bigquery_project').settings)).toMatchObject({
      credentials: { method: 'service-account', keyfile: '/secrets/bq.json' },
      project: 'my-gcp-project',
      dataset: 'analytics',
      location: 'US',
      priority: 'interactive',
      threads: 4,
      jobExecutionTimeoutSeconds: 300,
      jobRetries: 1,
      maximumBytesBilled: 1_000_000_000,
    });
    expect(parseBigQuerySettings(resolve('bigquery_project', 'oauth').settings)).toMatchObject({
      credentials: { method: 'oauth' },
      project: 'my-gcp-project',
    });
    const json = parseBigQuerySettings(resolve('bigquery_project', 'service_account_json').settings);
    expect(json.credentials.method).toBe('service-account-json');
    expect(json.dataset).toBe('analytics'); // `schema` is dbt's alias of `dataset`
    const secrets = parseBigQuerySettings(resolve('bigquery_project', 'oauth_secrets').settings);
    expect(secrets).toMatchObject({
      credentials: { method: 'oauth-secrets', refreshToken: 'bq-refresh-1', clientId: 'my-client-id' },
      project: 'my-gcp-project', // `database` is dbt's alias of `project`
    });
  });

  it('knows the private key, refresh token and client secret as secrets', () => {
    expect(resolve('bigquery_project', 'service_account_json').secrets).toContain(ENV.DBT_ENV_SECRET_BQ_PRIVATE_KEY);
    const secrets = resolve('bigquery_project', 'oauth_secrets').secrets;
    expect(secrets).toEqual(expect.arrayContaining(['bq-refresh-1', 'bq-client-secret-1']));
  });

  it('names what is wrong', () => {
    const base = { type: 'bigquery', project: 'p', method: 'service-account', keyfile: '/k.json' };
    const bad = (settings: Record<string, unknown>) => () => parseBigQuerySettings(settings);
    expect(bad({ ...base, method: undefined })).toThrow(/`method` is required: one of oauth, service-account/);
    expect(bad({ ...base, method: 'password' })).toThrow(/`method` must be one of/);
    expect(bad({ ...base, keyfile: undefined })).toThrow(/`keyfile` is required/);
    expect(bad({ ...base, project: undefined })).toThrow(/`project` \(or `database`\) is required/);
    expect(bad({ ...base, database: 'other' })).toThrow(/`project` \(p\) and its alias `database` \(other\) disagree/);
    expect(bad({ ...base, method: 'service-account-json', keyfile_json: { type: 'service_account' } })).toThrow(
      /`keyfile_json` lacks private_key and client_email/,
    );
    expect(bad({ ...base, method: 'oauth-secrets', refresh_token: 'x' })).toThrow(/needs `token`, or all of/);
    expect(bad({ ...base, priority: 'urgent' })).toThrow(/`priority` must be one of interactive, batch/);
    expect(bad({ ...base, threads: 0 })).toThrow(ConfigurationError);
  });

  it('resolves through targetFromProfiles, which validates at once', () => {
    const text = 'pipedrive:\n  target: bq\n  outputs:\n    bq: { type: bigquery, method: oauth }\n';
    expect(() => targetFromProfiles(text, 'p.yml', { env: {} })).toThrow(/The bigquery target: `project` \(or `database`\) is required/);
  });
});

describe('dbt-snowflake profiles', () => {
  it('resolve with each documented way to sign in', () => {
    expect(parseSnowflakeSettings(resolve('snowflake_project').settings)).toMatchObject({
      account: 'xy12345.eu-central-1',
      user: 'DBT_USER',
      authentication: { kind: 'password', password: 'sf-password-1', mfa: false },
      role: 'TRANSFORMER',
      database: 'ANALYTICS',
      warehouse: 'TRANSFORMING',
      schema: 'DBT_ALICE',
      threads: 8,
      clientSessionKeepAlive: false,
      queryTag: 'dbt',
    });
    expect(parseSnowflakeSettings(resolve('snowflake_project', 'key_pair').settings).authentication).toEqual({
      kind: 'key_pair',
      privateKeyPath: '/secrets/rsa_key.p8',
      passphrase: 'sf-passphrase-1',
    });
    expect(parseSnowflakeSettings(resolve('snowflake_project', 'sso').settings).authentication).toEqual({ kind: 'externalbrowser' });
    expect(parseSnowflakeSettings(resolve('snowflake_project', 'oauth').settings).authentication).toEqual({
      kind: 'oauth',
      token: 'sf-oauth-token-1',
    });
    expect(parseSnowflakeSettings(resolve('snowflake_project', 'okta').settings).authentication).toEqual({
      kind: 'okta',
      url: 'https://acme.okta.com',
      password: 'okta-password-1',
    });
  });

  it('knows passwords, passphrases and tokens as secrets', () => {
    expect(resolve('snowflake_project').secrets).toContain('sf-password-1');
    expect(resolve('snowflake_project', 'key_pair').secrets).toContain('sf-passphrase-1');
    expect(resolve('snowflake_project', 'oauth').secrets).toContain('sf-oauth-token-1');
    expect(resolve('snowflake_project', 'okta').secrets).toContain('okta-password-1');
  });

  it('names what is wrong', () => {
    const base = { account: 'xy12345', user: 'u', password: 'p', database: 'D' };
    const bad = (settings: Record<string, unknown>) => () => parseSnowflakeSettings(settings);
    expect(bad({ ...base, account: 'xy12345.snowflakecomputing.com' })).toThrow(/without https:\/\/ or \.snowflakecomputing\.com/);
    expect(bad({ ...base, password: undefined })).toThrow(/needs a way to sign in: `password`, a key pair/);
    expect(bad({ ...base, private_key_path: '/k.p8', private_key: 'KEY' })).toThrow(/not both/);
    expect(bad({ ...base, password: undefined, authenticator: 'jwt' })).toThrow(/needs `private_key_path` or `private_key`/);
    expect(bad({ ...base, authenticator: 'oauth' })).toThrow(/`token` is required/);
    expect(bad({ ...base, authenticator: 'kerberos' })).toThrow(/not one dbt-snowflake documents/);
    expect(bad({ ...base, database: undefined })).toThrow(/`database` is required/);
    expect(bad({ ...base, user: undefined })).toThrow(/`user` is required/);
    expect(bad({ ...base, client_session_keep_alive: 'sometimes' })).toThrow(/must be true or false/);
  });
});

describe('BigQuery and Snowflake targets', () => {
  it('resolve, and their adapters take the dbt profile as it is, without connecting', async () => {
    for (const name of ['bigquery_project', 'snowflake_project']) {
      const target = resolve(name);
      const adapter = await loadAdapter(target.type);
      const client = adapter.createClient(target);
      expect(client.describeTarget().toLowerCase()).toContain(target.type);
      for (const secret of target.secrets) expect(client.describeTarget()).not.toContain(secret);
    }
  });
});

describe('outlineProfile (for init-ci)', () => {
  it('gives the type and the variables an output reads, without needing them set', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'pdl-outline-'));
    try {
      writeFileSync(join(dir, 'profiles.yml'), PROFILES);
      const outline = outlineProfile({ profilesDir: dir, profile: 'bigquery_project', target: 'oauth_secrets', env: {}, cwd: dir, home: dir });
      expect(outline).toMatchObject({ profile: 'bigquery_project', target: 'oauth_secrets', type: 'bigquery' });
      expect(outline?.variables).toEqual([
        { name: 'DBT_ENV_SECRET_BQ_REFRESH_TOKEN', hasDefault: false },
        { name: 'DBT_ENV_SECRET_BQ_CLIENT_SECRET', hasDefault: false },
      ]);
      expect(outlineProfile({ env: {}, cwd: join(dir, 'nowhere'), home: join(dir, 'nobody') })).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
