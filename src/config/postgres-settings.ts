/**
 * The settings of a `type: postgres` output, in dbt-postgres's own keys, so an existing dbt
 * profile works unchanged: host, port, user, password (or pass), dbname (or database), sslmode,
 * sslrootcert, sslcert, sslkey, connect_timeout, keepalives_idle, role, application_name; and the
 * loader's own lock_timeout. `schema` (dbt's default schema), `search_path`, `threads` and
 * `retries` are dbt's business and ignored: the loader's schema comes from --integration/--schema
 * and every name it writes is schema-qualified.
 *
 * Validated here, when the profile is resolved, so a mistake is reported (and the secrets are
 * known for redaction) before anything connects. Reading is pure: the certificate files are read
 * by adapters/postgres/, which turns these settings into the driver's TLS options.
 */
import { SettingReader, type Settings } from './setting-readers.js';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The default lock_timeout, in seconds: as long as a run waits for another run (--lock-wait). */
export const DEFAULT_LOCK_TIMEOUT = 60;

export interface PostgresSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  /** Absent means `prefer`, as in libpq and dbt. */
  readonly sslmode?: SslMode;
  /** Paths of PEM files, as libpq takes them. */
  readonly sslrootcert?: string;
  readonly sslcert?: string;
  readonly sslkey?: string;
  /** Seconds, as in libpq and dbt (0: wait forever). */
  readonly connectTimeout: number;
  /** Seconds of idleness before TCP keepalives start. */
  readonly keepalivesIdle?: number;
  readonly role?: string;
  readonly applicationName: string;
  /** Seconds a statement waits for a lock another session holds (PostgreSQL's lock_timeout; 0: forever). */
  readonly lockTimeout: number;
}

const REQUIRED_KEYS = 'dbt-postgres profile keys: host, port, user, password, dbname';

/** Validates the settings of a postgres output (after env_var() rendering). */
export function parsePostgresSettings(settings: Settings): PostgresSettings {
  // Typed explicitly: TypeScript narrows through a never-returning method (read.fail) only then.
  const read: SettingReader = new SettingReader(settings, 'postgres');
  const database = read.aliased('dbname', 'database');
  if (database === undefined || database.trim() === '') read.fail('`dbname` (or `database`) is required.');
  const password = read.text('password') ?? read.text('pass');
  const optional = {
    password,
    sslmode: read.oneOf('sslmode', SSL_MODES),
    sslrootcert: read.text('sslrootcert'),
    sslcert: read.text('sslcert'),
    sslkey: read.text('sslkey'),
    keepalivesIdle: read.whole('keepalives_idle', 0, 86_400),
    role: read.text('role'),
  };
  return {
    host: read.requiredText('host', REQUIRED_KEYS),
    port: read.whole('port', 1, 65_535) ?? 5432,
    user: read.requiredText('user', REQUIRED_KEYS),
    database,
    connectTimeout: read.whole('connect_timeout', 0, 86_400) ?? 10,
    applicationName: read.text('application_name') ?? 'pipedrive-loader',
    lockTimeout: read.whole('lock_timeout', 0, 86_400) ?? DEFAULT_LOCK_TIMEOUT,
    ...optional,
  };
}
