/**
 * Translates snowflake-sdk errors into the loader's warehouse errors.
 *
 * The SDK reports Snowflake's own error number in `code` (a string such as '390100' or
 * '002003', with `sqlState` beside it) for errors the server returned, and its own numeric codes
 * (40xxxx) for client-side failures: 401001 could not connect, 401002 an HTTP failure after its
 * retries, 402001 a result chunk that could not be fetched. Those network failures, lock and
 * session expiry are transient; credentials, grants, missing objects and SQL errors are terminal.
 *
 * Secrets never reach a message: the text is redacted against the profile's secrets, and the
 * cause is a sanitized copy (name, message, code, stack) rather than the SDK's error object,
 * whose `response`/`data` may carry request details.
 */
import { ConfigurationError, isLoaderError, WarehouseTerminalError, WarehouseTransientError } from '../../src/errors.js';
import type { LoaderError } from '../../src/errors.js';
import { redact, sanitizeError } from '../../src/redact.js';

/** SDK client codes: network and HTTP failures that a later attempt may get past. */
const TRANSIENT_CLIENT_CODES = new Set([401001, 401002, 402001, 402002]);

/** Server error numbers a later attempt may get past. */
const TRANSIENT_SERVER_CODES = new Set([
  '000625', // too many statements waiting for a lock on the table
  '000604', // statement canceled (e.g. the warehouse was suspended under it)
  '000630', // statement reached its statement or warehouse timeout
  '390111', // session no longer exists
  '390112', // session expired
  '390114', // authentication token has expired
]);

const TRANSIENT_MESSAGES = /has locked table|lock wait timeout|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|socket hang up|Network error|Request to Snowflake failed|status code 5\d\d|status code 429/i;

interface SdkErrorShape {
  readonly code?: unknown;
  readonly sqlState?: unknown;
  readonly message?: unknown;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as SdkErrorShape;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { sqlState } = error as SdkErrorShape;
  return typeof sqlState === 'string' && sqlState !== '' ? sqlState : undefined;
}

export function isTransientSnowflakeError(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && (TRANSIENT_CLIENT_CODES.has(Number(code)) || TRANSIENT_SERVER_CODES.has(code))) return true;
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined && sqlState.startsWith('08')) return true; // connection exceptions
  const message = error instanceof Error ? error.message : String(error);
  return TRANSIENT_MESSAGES.test(message);
}

/** A hint for errors a person can fix (profiles.yml or grants). */
export function hintFor(code: string | undefined, message: string): string {
  if (code === '390100' || /incorrect username or password/i.test(message)) {
    return ' Check user and password (or the authenticator) in profiles.yml.';
  }
  if (code === '390144' || /JWT token is invalid/i.test(message)) {
    return ' The key pair was refused: check user, private_key_path and that the public key is set on the user (ALTER USER … SET RSA_PUBLIC_KEY).';
  }
  if (code === '390303' || code === '390318' || /OAuth access token/i.test(message)) return ' The OAuth token was refused or has expired: renew `token`.';
  if (code === '390189' || /role .* is not granted|role .*does not exist/i.test(message)) {
    return ' Check `role` in profiles.yml: the user must be granted it.';
  }
  if (code === '000606' || /no active warehouse/i.test(message)) {
    return ' Set `warehouse` in profiles.yml to a warehouse the role may USE (GRANT USAGE ON WAREHOUSE …).';
  }
  if (/warehouse .*does not exist or not authorized/i.test(message)) return ' Check `warehouse` in profiles.yml and the role’s USAGE grant on it.';
  if (/database .*does not exist or not authorized/i.test(message)) return ' Check `database` in profiles.yml and the role’s USAGE grant on it.';
  if (code === '000625' || /has locked table|lock wait/i.test(message)) {
    return ' Another session holds a lock on the table: a run still loading, or a killed one whose transaction is still open (SHOW TRANSACTIONS; SELECT SYSTEM$ABORT_TRANSACTION(<id>)).';
  }
  if (/insufficient privileges/i.test(message)) {
    return ' The role needs USAGE on the database and warehouse, CREATE SCHEMA on the database, and ownership (or CREATE TABLE) on the schema.';
  }
  return '';
}

export function translateSnowflakeError(error: unknown, context: string, where: string, secrets: readonly string[] = []): LoaderError {
  if (isLoaderError(error)) return error;
  const code = codeOf(error);
  const raw = error instanceof Error ? error.message : String(error);
  const sqlState = sqlStateOf(error);
  const detail = code !== undefined ? ` (error ${code}${sqlState ? `, SQLSTATE ${sqlState}` : ''})` : '';
  const message = redact(`Snowflake ${where} failed while ${context}: ${raw.trim()}${detail}.${hintFor(code, raw)}`, secrets);
  const cause = sanitizeError(error, secrets);
  // 404xxx: the SDK refused the connection options before sending anything; ENOENT/EACCES: the
  // key file cannot be read; a failed decryption: the wrong passphrase. All fixed in profiles.yml.
  if (code !== undefined && /^404\d{3}$/.test(code)) return new ConfigurationError(message, { cause });
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    return new ConfigurationError(`${message} Check private_key_path in profiles.yml.`, { cause });
  }
  if (/bad decrypt|passphrase|DECODER routines/i.test(raw)) {
    return new ConfigurationError(`${message} Check private_key_passphrase in profiles.yml.`, { cause });
  }
  return isTransientSnowflakeError(error) ? new WarehouseTransientError(message, { cause }) : new WarehouseTerminalError(message, { cause });
}
