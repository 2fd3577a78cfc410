/**
 * Translates DuckDB driver errors into the loader's warehouse errors, the shape every adapter's
 * errors.ts has: `translateDuckDBError(error, context, where, secrets)` returns a LoaderError whose
 * message is redacted by the shared redactor (src/redact.ts) and whose cause is a sanitized copy.
 * A DuckDB profile rarely holds a secret (a DBT_ENV_SECRET_* path, a MotherDuck token in
 * settings), but the shape is the same so that no adapter is the exception.
 * DuckDB reports the error class as the message prefix ("Constraint Error: …").
 */
import { isLoaderError, LockBusyError, WarehouseTerminalError, WarehouseTransientError } from '../../src/errors.js';
import type { LoaderError } from '../../src/errors.js';
import { redact, sanitizeError } from '../../src/redact.js';

/** Prefixes of errors that may succeed on a later attempt. */
const TRANSIENT_PREFIXES = ['TransactionContext Error', 'Interrupt Error'];

export function translateDuckDBError(error: unknown, context: string, path: string, secrets: readonly string[] = []): LoaderError {
  if (isLoaderError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const cause = sanitizeError(error, secrets);
  if (/Could not set lock on file|Conflicting lock is held/i.test(message)) {
    // DuckDB's file lock is what keeps runs of one schema from interleaving: exit code 7, like
    // the advisory lock of server warehouses.
    return new LockBusyError(
      redact(
        `Cannot open the DuckDB file ${path}: another pipedrive-loader run or program has ${path} open. ` +
          'Close it (or wait for the other run to finish) and try again.',
        secrets,
      ),
      { cause },
    );
  }
  if (/^Out of Memory Error/i.test(message)) {
    return new WarehouseTerminalError(
      redact(`DuckDB ran out of memory while ${context}. Raise memory_limit in profiles.yml or lower the batch size. (${message})`, secrets),
      { cause },
    );
  }
  if (/^IO Error/i.test(message)) {
    return new WarehouseTerminalError(redact(`DuckDB could not read or write ${path} while ${context}: ${message}`, secrets), { cause });
  }
  const text = redact(`DuckDB failed while ${context}: ${message}`, secrets);
  return TRANSIENT_PREFIXES.some((prefix) => message.startsWith(prefix))
    ? new WarehouseTransientError(text, { cause })
    : new WarehouseTerminalError(text, { cause });
}
