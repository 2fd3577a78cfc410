/**
 * The PostgreSQL adapter, and the settings of a `type: postgres` output in profiles.yml.
 *
 * Settings are dbt-postgres's own keys, so an existing dbt profile works unchanged: host, port,
 * user, password (or pass), dbname (or database), sslmode, sslrootcert, sslcert, sslkey,
 * connect_timeout, keepalives_idle, role, application_name; and the loader's own lock_timeout. `schema` (dbt's default schema),
 * `search_path`, `threads` and `retries` are dbt's business and ignored: the loader's schema
 * comes from --integration/--schema and every name it writes is schema-qualified.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigurationError } from '../../src/errors.js';
import type { TargetConfig } from '../../src/config/target.js';
import type { Adapter, WarehouseClient } from '../types.js';
import { PostgresClient } from './client.js';
import { postgresDialect } from './dialect.js';

export { PostgresClient } from './client.js';
export { postgresDialect, POSTGRES_CAPABILITIES } from './dialect.js';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PostgresSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  readonly sslmode?: SslMode;
  /** TLS options, false for plain text, or `prefer`: TLS when the server offers it (libpq's default). */
  readonly ssl?: ConnectionOptions | false | 'prefer';
  /** Seconds, as in libpq and dbt (0: wait forever). */
  readonly connectTimeout?: number;
  /** Seconds of idleness before TCP keepalives start. */
  readonly keepalivesIdle?: number;
  readonly role?: string;
  readonly applicationName: string;
  /** Seconds a statement waits for a lock another session holds (PostgreSQL's lock_timeout; 0: forever). */
  readonly lockTimeout: number;
}

/** The default lock_timeout, in seconds: as long as a run waits for another run (--lock-wait). */
export const DEFAULT_LOCK_TIMEOUT = 60;

function fail(message: string): never {
  throw new ConfigurationError(`The postgres target: ${message}`);
}

function text(settings: Readonly<Record<string, unknown>>, key: string, required: boolean): string | undefined {
  const value = settings[key];
  if (value === undefined || value === null) {
    if (required) fail(`\`${key}\` is required (dbt-postgres profile keys: host, port, user, password, dbname).`);
    return undefined;
  }
  // YAML reads `user: 1234` as a number; the value is still a name.
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || (required && value.trim() === '')) fail(`\`${key}\` must be text.`);
  return value;
}

/** A whole number in [min, max]; env_var() without `| int` renders numbers as strings. */
function whole(settings: Readonly<Record<string, unknown>>, key: string, min: number, max: number): number | undefined {
  const value = settings[key];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    fail(`\`${key}\` must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  }
  return number;
}

function readPem(path: string | undefined, key: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`The postgres target: cannot read ${key} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * libpq's sslmode on node-postgres. `prefer` (libpq's and dbt's default, also when sslmode is
 * absent) is negotiated by the client when it opens: TLS without verification when the server
 * offers it, plain text otherwise. `allow` (plain first) connects in plain text.
 */
function sslOptions(mode: SslMode | undefined, settings: Readonly<Record<string, unknown>>): ConnectionOptions | false | 'prefer' {
  if (mode === 'disable' || mode === 'allow') return false;
  if (mode === undefined || mode === 'prefer') return 'prefer';
  const ca = readPem(text(settings, 'sslrootcert', false), 'sslrootcert');
  const cert = readPem(text(settings, 'sslcert', false), 'sslcert');
  const key = readPem(text(settings, 'sslkey', false), 'sslkey');
  const files = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  if (mode === 'require') return { ...files, rejectUnauthorized: false };
  if (mode === 'verify-ca') return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...files, rejectUnauthorized: true };
}

/** Validates the settings of a postgres output in profiles.yml (after env_var() rendering). */
export function parsePostgresSettings(settings: Readonly<Record<string, unknown>>): PostgresSettings {
  const dbname = text(settings, 'dbname', false);
  const databaseAlias = text(settings, 'database', false);
  if (dbname !== undefined && databaseAlias !== undefined && dbname !== databaseAlias) {
    fail(`\`dbname\` (${dbname}) and its alias \`database\` (${databaseAlias}) disagree; keep one.`);
  }
  const database = dbname ?? databaseAlias;
  if (database === undefined || database.trim() === '') fail('`dbname` (or `database`) is required.');
  const password = text(settings, 'password', false) ?? text(settings, 'pass', false);
  const sslmode = text(settings, 'sslmode', false);
  if (sslmode !== undefined && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    fail(`\`sslmode\` must be one of ${SSL_MODES.join(', ')}, got "${sslmode}".`);
  }
  return {
    host: text(settings, 'host', true) as string,
    port: whole(settings, 'port', 1, 65_535) ?? 5432,
    user: text(settings, 'user', true) as string,
    ...(password !== undefined ? { password } : {}),
    database,
    ...(sslmode !== undefined ? { sslmode: sslmode as SslMode } : {}),
    ssl: sslOptions(sslmode as SslMode | undefined, settings),
    connectTimeout: whole(settings, 'connect_timeout', 0, 86_400) ?? 10,
    ...(whole(settings, 'keepalives_idle', 0, 86_400) !== undefined ? { keepalivesIdle: whole(settings, 'keepalives_idle', 0, 86_400) } : {}),
    ...(text(settings, 'role', false) !== undefined ? { role: text(settings, 'role', false) } : {}),
    applicationName: text(settings, 'application_name', false) ?? 'pipedrive-loader',
    lockTimeout: whole(settings, 'lock_timeout', 0, 86_400) ?? DEFAULT_LOCK_TIMEOUT,
  };
}

export const postgresAdapter: Adapter = {
  dialect: postgresDialect,
  createClient(target: TargetConfig): WarehouseClient {
    return new PostgresClient(parsePostgresSettings(target.settings), target.secrets);
  },
};

export default postgresAdapter;
