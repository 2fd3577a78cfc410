/**
 * Translates pg and socket errors into the loader's warehouse errors, the shape every adapter's
 * errors.ts has: `translatePostgresError(error, context, where, secrets)` returns a LoaderError
 * whose message is redacted by the shared redactor (src/redact.ts) and whose cause is a sanitized
 * copy (name, message, code, stack), never the driver's object.
 * PostgreSQL reports a SQLSTATE in `code`; socket failures carry Node's errno codes instead.
 * The server's own error texts never echo the password; the redaction is the safety net.
 */
import { isLoaderError, LockBusyError, WarehouseTerminalError, WarehouseTransientError } from '../../src/errors.js';
import type { LoaderError } from '../../src/errors.js';
import { redact, sanitizeError } from '../../src/redact.js';

/** SQLSTATEs a later attempt may get past. */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout, pg_cancel_backend)
]);

/** Socket-level failures: the server went away or never answered. */
const TRANSIENT_ERRNOS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

const TRANSIENT_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

export function isTransientPostgresError(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_ERRNOS.has(code))) {
    return true;
  }
  const message = error instanceof Error ? error.message : String(error);
  return TRANSIENT_MESSAGES.test(message);
}

/** Whether the connection itself is gone (as opposed to one statement failing on a live one). */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && (code.startsWith('08') || code.startsWith('57P') || TRANSIENT_ERRNOS.has(code))) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated|connection error|terminating connection/i.test(message);
}

/** A hint for errors a person can fix in profiles.yml. */
function hintFor(code: string | undefined): string {
  switch (code) {
    case '28P01':
    case '28000':
      return ' Check user and password in profiles.yml.';
    case '3D000':
      return ' Create the database first, or fix dbname in profiles.yml.';
    case '42501':
      return ' The user needs CREATE on the database (for the schema) and on the schema.';
    case 'ENOTFOUND':
      return ' Check host in profiles.yml.';
    case 'ECONNREFUSED':
      return ' Is PostgreSQL running, and are host and port in profiles.yml right?';
    default:
      return '';
  }
}

/**
 * `lockTimeout`: the session's lock_timeout in seconds. A statement that waited that long for a
 * lock another session holds fails with 55P03; that is exit 7 (lock busy, try later), like a
 * schema held by another run, with where to look for the holder.
 */
export function translatePostgresError(
  error: unknown,
  context: string,
  where: string,
  secrets: readonly string[] = [],
  lockTimeout?: number,
): LoaderError {
  if (isLoaderError(error)) return error;
  const code = codeOf(error);
  const raw = error instanceof Error ? error.message : String(error);
  const detail = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
  const cause = sanitizeError(error, secrets);
  if (code === '55P03') {
    const waited = lockTimeout !== undefined ? `waited ${lockTimeout} s (lock_timeout)` : 'could not get';
    return new LockBusyError(
      redact(
        `PostgreSQL at ${where}: ${waited} for a lock another session holds while ${context}: ${raw}${detail}. ` +
          'Another session (a LOCK TABLE, a long transaction such as a dbt run) holds a lock on a table the loader ' +
          'writes; nothing of this batch was committed. Find it with pg_stat_activity and pg_blocking_pids(), ' +
          'end it or wait for it, then run again (or raise lock_timeout in profiles.yml).',
        secrets,
      ),
      { cause },
    );
  }
  const message = redact(`PostgreSQL at ${where} failed while ${context}: ${raw}${detail}.${hintFor(code)}`, secrets);
  return isTransientPostgresError(error) ? new WarehouseTransientError(message, { cause }) : new WarehouseTerminalError(message, { cause });
}
