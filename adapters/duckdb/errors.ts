/**
 * Translates DuckDB driver errors into the loader's warehouse errors, keeping the cause.
 * DuckDB reports the error class as the message prefix ("Constraint Error: …").
 */
import { LockBusyError, WarehouseTerminalError, WarehouseTransientError } from '../../src/errors.js';
import type { LoaderError } from '../../src/errors.js';
import { isLoaderError } from '../../src/errors.js';

/** Prefixes of errors that may succeed on a later attempt. */
const TRANSIENT_PREFIXES = ['TransactionContext Error', 'Interrupt Error'];

export function translateDuckDBError(error: unknown, context: string, path: string): LoaderError {
  if (isLoaderError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/Could not set lock on file|Conflicting lock is held/i.test(message)) {
    // DuckDB's file lock is what keeps runs of one schema from interleaving: exit code 7, like
    // the advisory lock of server warehouses.
    return new LockBusyError(
      `Cannot open the DuckDB file ${path}: another pipedrive-loader run or program has ${path} open. ` +
        'Close it (or wait for the other run to finish) and try again.',
      { cause: error },
    );
  }
  if (/^Out of Memory Error/i.test(message)) {
    return new WarehouseTerminalError(
      `DuckDB ran out of memory while ${context}. Raise memory_limit in profiles.yml or lower the batch size. (${message})`,
      { cause: error },
    );
  }
  if (/^IO Error/i.test(message)) {
    return new WarehouseTerminalError(`DuckDB could not read or write ${path} while ${context}: ${message}`, {
      cause: error,
    });
  }
  if (TRANSIENT_PREFIXES.some((prefix) => message.startsWith(prefix))) {
    return new WarehouseTransientError(`DuckDB failed while ${context}: ${message}`, { cause: error });
  }
  return new WarehouseTerminalError(`DuckDB failed while ${context}: ${message}`, { cause: error });
}
