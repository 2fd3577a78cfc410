/**
 * The settings of a `type: snowflake` output, in dbt-snowflake's own keys, so an existing dbt
 * profile works unchanged: `account` (the account identifier, without .snowflakecomputing.com),
 * `user`, one way to authenticate, `role`, `database`, `warehouse`, `schema` (dbt's default schema;
 * the loader writes to the schema named by --integration/--schema), `threads`,
 * `client_session_keep_alive`, `query_tag`, `connect_retries`, `connect_timeout`,
 * `retry_on_database_errors`, `retry_all`, `reuse_connections`. Other keys are allowed.
 *
 * Authentication, as dbt-snowflake documents it:
 * - `password` alone (authenticator `snowflake`, the default), or with `username_password_mfa`;
 * - key pair: `private_key_path` or `private_key` (not both), optional `private_key_passphrase`;
 *   `authenticator: jwt` or `snowflake_jwt` may be written too;
 * - `authenticator: externalbrowser` (SSO in a browser: for laptops, never for CI);
 * - `authenticator: oauth` with `token`;
 * - `authenticator: https://<okta_account>.okta.com` with `password`.
 *
 * Validated here, when the profile is resolved, so a mistake is reported (and the secrets are
 * known for redaction) before anything connects; adapters/snowflake/ uses the result.
 */
import { SettingReader, type Settings } from './setting-readers.js';

export type SnowflakeAuthentication =
  | { readonly kind: 'password'; readonly password: string; readonly mfa: boolean }
  | { readonly kind: 'key_pair'; readonly privateKeyPath?: string; readonly privateKey?: string; readonly passphrase?: string }
  | { readonly kind: 'externalbrowser' }
  | { readonly kind: 'oauth'; readonly token: string }
  | { readonly kind: 'okta'; readonly url: string; readonly password: string };

export interface SnowflakeSettings {
  readonly account: string;
  readonly user: string;
  readonly authentication: SnowflakeAuthentication;
  readonly role?: string;
  readonly database: string;
  readonly warehouse?: string;
  readonly schema?: string;
  readonly threads?: number;
  readonly queryTag?: string;
  readonly connectRetries?: number;
  readonly connectTimeout?: number;
  readonly clientSessionKeepAlive?: boolean;
}

function authenticationOf(read: SettingReader): SnowflakeAuthentication {
  const authenticator = read.text('authenticator')?.trim();
  const lower = authenticator?.toLowerCase();
  const password = read.text('password');
  const privateKeyPath = read.text('private_key_path');
  const privateKey = read.text('private_key');
  if (privateKeyPath !== undefined && privateKey !== undefined) read.fail('give `private_key_path` or `private_key`, not both.');
  const hasKey = privateKeyPath !== undefined || privateKey !== undefined;
  if (lower === 'externalbrowser') return { kind: 'externalbrowser' };
  if (lower === 'oauth') {
    return { kind: 'oauth', token: read.requiredText('token', 'the OAuth access token, with authenticator: oauth') };
  }
  if (lower !== undefined && /^https:\/\/[^/]+\.okta\.com\/?$/.test(lower)) {
    if (password === undefined) read.fail('`password` is required with an Okta authenticator.');
    return { kind: 'okta', url: authenticator ?? '', password };
  }
  if (hasKey || lower === 'jwt' || lower === 'snowflake_jwt') {
    if (!hasKey) read.fail(`authenticator: ${authenticator ?? ''} needs \`private_key_path\` or \`private_key\`.`);
    const passphrase = read.text('private_key_passphrase');
    return {
      kind: 'key_pair',
      ...(privateKeyPath !== undefined ? { privateKeyPath } : {}),
      ...(privateKey !== undefined ? { privateKey } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
    };
  }
  if (lower !== undefined && lower !== 'snowflake' && lower !== 'username_password_mfa') {
    read.fail(
      `\`authenticator\` "${authenticator ?? ''}" is not one dbt-snowflake documents: snowflake, username_password_mfa, ` +
        'externalbrowser, oauth, jwt, snowflake_jwt, or https://<okta_account>.okta.com.',
    );
  }
  if (password === undefined || password === '') {
    read.fail('needs a way to sign in: `password`, a key pair (`private_key_path`), or an `authenticator`.');
  }
  return { kind: 'password', password, mfa: lower === 'username_password_mfa' };
}

/** Validates the settings of a snowflake output (after env_var() rendering). */
export function parseSnowflakeSettings(settings: Settings): SnowflakeSettings {
  const read: SettingReader = new SettingReader(settings, 'snowflake');
  const account = read.requiredText('account', 'the account identifier, e.g. xy12345.eu-central-1 or myorg-myaccount');
  if (/snowflakecomputing\.com/i.test(account) || account.includes('://')) {
    read.fail(`\`account\` is the account identifier alone (e.g. xy12345.eu-central-1), without https:// or .snowflakecomputing.com; got "${account}".`);
  }
  const optional = {
    role: read.text('role'),
    warehouse: read.text('warehouse'),
    schema: read.text('schema'),
    threads: read.whole('threads', 1),
    queryTag: read.text('query_tag'),
    connectRetries: read.whole('connect_retries', 0),
    connectTimeout: read.whole('connect_timeout', 0),
    clientSessionKeepAlive: read.flag('client_session_keep_alive'),
  };
  read.flag('retry_on_database_errors');
  read.flag('retry_all');
  read.flag('reuse_connections');
  return {
    account,
    user: read.requiredText('user', 'the Snowflake user the loader signs in as'),
    authentication: authenticationOf(read),
    database: read.requiredText('database', 'the database holding the loader’s schema'),
    ...optional,
  };
}
