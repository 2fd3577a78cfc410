/**
 * snowflake-sdk behind promises: the connection options built from a dbt-snowflake profile
 * (src/config/snowflake-settings.ts), connect, execute and destroy.
 *
 * The SDK is configured once per process with its logger off: at its default level it prints
 * to the console, and its log lines can carry connection details.
 */
import type * as SnowflakeSdk from 'snowflake-sdk';
import type { Connection, ConnectionOptions, RowStatement } from 'snowflake-sdk';
import type { SnowflakeSettings } from '../../src/config/snowflake-settings.js';
import type { ResultColumn, SdkBind } from './values.js';

type Sdk = typeof SnowflakeSdk;
let sdk: Promise<Sdk> | undefined;

/**
 * Loads and configures the SDK once per process, with its logger off. Loaded here rather than
 * at import: the SDK bundles AWS's S3 client (for PUT/GET), which prints a warning at import on
 * Node 20 that its future versions need Node 22 (noise for a CLI whose minimum is Node 20), and
 * which only an environment variable set before the import silences (unless the user set it).
 */
export function loadSdk(): Promise<Sdk> {
  sdk ??= (async () => {
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    const loaded = (await import('snowflake-sdk')).default as unknown as Sdk;
    loaded.configure({ logLevel: 'OFF', additionalLogToConsole: false });
    return loaded;
  })();
  return sdk;
}

export const DEFAULT_APPLICATION = 'pipedrive-loader';

/** The authentication part of the SDK options; every secret the profile holds stays in here. */
function authenticationOptions(settings: SnowflakeSettings): ConnectionOptions {
  const auth = settings.authentication;
  switch (auth.kind) {
    case 'password':
      return auth.mfa ? { authenticator: 'USERNAME_PASSWORD_MFA', password: auth.password } : { password: auth.password };
    case 'key_pair':
      return {
        authenticator: 'SNOWFLAKE_JWT',
        ...(auth.privateKeyPath !== undefined ? { privateKeyPath: auth.privateKeyPath } : {}),
        ...(auth.privateKey !== undefined ? { privateKey: auth.privateKey } : {}),
        ...(auth.passphrase !== undefined ? { privateKeyPass: auth.passphrase } : {}),
      };
    case 'oauth':
      return { authenticator: 'OAUTH', token: auth.token };
    case 'externalbrowser':
      return { authenticator: 'EXTERNALBROWSER' };
    case 'okta':
      return { authenticator: auth.url, password: auth.password };
  }
}

/** Whether signing in needs a person (browser SSO, Okta, MFA push): the SDK's connectAsync. */
export function isInteractive(settings: SnowflakeSettings): boolean {
  const auth = settings.authentication;
  return auth.kind === 'externalbrowser' || auth.kind === 'okta' || (auth.kind === 'password' && auth.mfa);
}

/**
 * The SDK options. `accessUrl` is only for tests (a local fake of Snowflake's REST API); real
 * runs derive https://<account>.snowflakecomputing.com from `account`. Numbers and JSON come back
 * as strings, converted exactly by values.ts (the SDK's own number conversion loses digits).
 */
export function connectionOptions(settings: SnowflakeSettings, accessUrl?: string): ConnectionOptions {
  return {
    account: settings.account,
    username: settings.user,
    ...authenticationOptions(settings),
    database: settings.database,
    ...(settings.warehouse !== undefined ? { warehouse: settings.warehouse } : {}),
    ...(settings.role !== undefined ? { role: settings.role } : {}),
    ...(settings.queryTag !== undefined ? { queryTag: settings.queryTag } : {}),
    ...(settings.clientSessionKeepAlive !== undefined ? { clientSessionKeepAlive: settings.clientSessionKeepAlive } : {}),
    ...(settings.connectRetries !== undefined ? { sfRetryMaxLoginRetries: settings.connectRetries } : {}),
    ...(accessUrl !== undefined ? { accessUrl } : {}),
    application: DEFAULT_APPLICATION,
    rowMode: 'array',
    fetchAsString: ['Number', 'JSON'],
    // A NULL is null, never the text 'NULL' (this SDK version's default is the text).
    representNullAsStringNull: false,
  };
}

export interface StatementResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly unknown[])[];
}

export async function connect(connection: Connection, interactive: boolean): Promise<void> {
  if (interactive) {
    await connection.connectAsync();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    connection.connect((error) => (error ? reject(error) : resolve()));
  });
}

/** Runs one statement. `binds` is one row of values, or many rows for an array-bound INSERT. */
export function execute(connection: Connection, sqlText: string, binds?: readonly SdkBind[] | readonly SdkBind[][]): Promise<StatementResult> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText,
      ...(binds !== undefined && binds.length > 0 ? { binds } : {}),
      complete: (error, statement, rows) => {
        if (error) {
          reject(error);
          return;
        }
        resolve({ columns: columnsOf(statement), rows: (rows ?? []) as unknown[][] });
      },
    });
  });
}

function columnsOf(statement: RowStatement): ResultColumn[] {
  return (statement.getColumns() ?? []).map((column) => ({
    name: column.getName(),
    type: String(column.getType()).toLowerCase(),
    scale: Number(column.getScale() ?? 0),
  }));
}

export async function destroy(connection: Connection): Promise<void> {
  if (!connection.isUp()) return;
  await new Promise<void>((resolve) => {
    connection.destroy(() => resolve());
  });
}
