/**
 * The PostgreSQL adapter. The profile's keys are read by src/config/postgres-settings.ts (the
 * same pattern as every warehouse); this module turns them into what the driver needs: the TLS
 * options of the sslmode, with the certificate files read.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { parsePostgresSettings, type PostgresSettings } from '../../src/config/postgres-settings.js';
import { ConfigurationError } from '../../src/errors.js';
import type { TargetConfig } from '../../src/config/target.js';
import type { Adapter, WarehouseClient } from '../types.js';
import { PostgresClient } from './client.js';
import { postgresDialect } from './dialect.js';

export { PostgresClient } from './client.js';
export { postgresDialect, POSTGRES_CAPABILITIES } from './dialect.js';
export { DEFAULT_LOCK_TIMEOUT, SSL_MODES, type PostgresSettings, type SslMode } from '../../src/config/postgres-settings.js';

export interface PostgresConnection extends PostgresSettings {
  /** TLS options, false for plain text, or `prefer`: TLS when the server offers it (libpq's default). */
  readonly ssl: ConnectionOptions | false | 'prefer';
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
function sslOptions(settings: PostgresSettings): ConnectionOptions | false | 'prefer' {
  const mode = settings.sslmode;
  if (mode === 'disable' || mode === 'allow') return false;
  if (mode === undefined || mode === 'prefer') return 'prefer';
  const ca = readPem(settings.sslrootcert, 'sslrootcert');
  const cert = readPem(settings.sslcert, 'sslcert');
  const key = readPem(settings.sslkey, 'sslkey');
  const files = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  if (mode === 'require') return { ...files, rejectUnauthorized: false };
  if (mode === 'verify-ca') return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...files, rejectUnauthorized: true };
}

/** The profile's settings (validated by src/config/postgres-settings.ts) with the TLS options. */
export function parsePostgresConnection(settings: Readonly<Record<string, unknown>>): PostgresConnection {
  const parsed = parsePostgresSettings(settings);
  return { ...parsed, ssl: sslOptions(parsed) };
}

export const postgresAdapter: Adapter = {
  dialect: postgresDialect,
  createClient(target: TargetConfig): WarehouseClient {
    return new PostgresClient(parsePostgresConnection(target.settings), target.secrets);
  },
};

export default postgresAdapter;
