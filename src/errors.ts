/**
 * The loader's error hierarchy. Every error carries a message a person can act on; the CLI maps
 * the class to a documented exit code and prints no stack trace unless --debug is given.
 *
 * Messages must never contain the API token: errors are built from status codes, paths and
 * Pipedrive's own error text, never from request headers or full URLs with query strings.
 */

/** Process exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  configuration: 2,
  authentication: 3,
  budgetExhausted: 4,
  source: 5,
  warehouse: 6,
  locked: 7,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class LoaderError extends Error {
  abstract readonly exitCode: ExitCode;
  /** Transient errors may succeed if retried later; terminal ones will not. */
  readonly transient: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags, profiles, environment: the user must change their setup. */
export class ConfigurationError extends LoaderError {
  readonly exitCode = ExitCode.configuration;
}

/** Pipedrive refused the token (401), or the account is closed (402). */
export class AuthenticationError extends LoaderError {
  readonly exitCode = ExitCode.authentication;
}

/**
 * The company's daily API token budget is spent, or the run's --max-tokens cap was reached.
 * Everything committed so far stays; the next run resumes from the bookmarks.
 */
export class BudgetExhaustedError extends LoaderError {
  readonly exitCode = ExitCode.budgetExhausted;
}

/** Pipedrive failed in a way retries may fix later (5xx, timeouts, Cloudflare blocks). */
export class SourceTransientError extends LoaderError {
  readonly exitCode = ExitCode.source;
  override readonly transient = true;
}

/** Pipedrive rejected the request (400, 403 with JSON, 404 …); retrying will not help. */
export class SourceTerminalError extends LoaderError {
  readonly exitCode = ExitCode.source;
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The warehouse failed in a way a retry may fix (connection lost, serialization failure). */
export class WarehouseTransientError extends LoaderError {
  readonly exitCode = ExitCode.warehouse;
  override readonly transient = true;
}

/** The warehouse rejected a statement or the credentials; a person must act. */
export class WarehouseTerminalError extends LoaderError {
  readonly exitCode = ExitCode.warehouse;
}

/** Another run holds the schema's lock. */
export class LockBusyError extends LoaderError {
  readonly exitCode = ExitCode.locked;
}

/** The run was stopped by SIGINT/SIGTERM after finishing its current batch. */
export class InterruptedError extends LoaderError {
  readonly exitCode = ExitCode.interrupted;
}

export function isLoaderError(error: unknown): error is LoaderError {
  return error instanceof LoaderError;
}
