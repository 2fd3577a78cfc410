/**
 * Translates SDK, HTTP and auth-library errors into the loader's warehouse errors, the shape every
 * adapter's errors.ts has: `translateBigQueryError(error, context, where, secrets)` returns a
 * LoaderError whose message is redacted by the shared redactor (src/redact.ts), which also removes
 * bearer tokens, Google access tokens and PEM keys it was never told about.
 *
 * BigQuery reports an HTTP status and, per error, a `reason` (invalidQuery, notFound,
 * rateLimitExceeded …): the reason decides transient or terminal. The SDK's own error objects
 * hold the HTTP request (headers included, so the bearer token) and response; they are never
 * kept as the cause. The cause is a plain `BigQueryError` with the status, reasons and the
 * redacted message, so nothing secret can reach a log through `--debug` either.
 */
import { isLoaderError, WarehouseTerminalError, WarehouseTransientError } from '../../src/errors.js';
import type { LoaderError } from '../../src/errors.js';
import { redact } from '../../src/redact.js';

/** The part of an SDK error this module reads. */
interface ErrorShape {
  readonly code?: unknown;
  readonly status?: unknown;
  readonly message?: unknown;
  readonly errors?: unknown;
  readonly response?: { readonly status?: unknown };
}

export interface BigQueryErrorItem {
  readonly reason?: string;
  readonly message?: string;
  readonly location?: string;
}

/** The sanitized cause of every translated error: no request, no response, no headers. */
export class BigQueryError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly reasons: readonly string[],
  ) {
    super(message);
    this.name = 'BigQueryError';
  }
}

/** Reasons a later attempt may get past. */
const TRANSIENT_REASONS = new Set([
  'backendError',
  'internalError',
  'jobBackendError',
  'jobInternalError',
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'quotaExceeded',
  'timeout',
  'tableUnavailable',
]);
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_ERRNOS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** Concurrent DML or transactions on one table: BigQuery aborts one of them, and a rerun succeeds. */
const TRANSIENT_MESSAGES = /concurrent update|could not serialize access|Transaction is aborted|socket hang up|network timeout/i;
const AUTH_MESSAGES = /invalid_grant|invalid_client|unauthorized_client|Could not load the default credentials|Could not refresh access token|Request had invalid authentication credentials|Unable to detect a Project Id|invalid_rapt/i;

function errorItems(error: ErrorShape): BigQueryErrorItem[] {
  return Array.isArray(error.errors) ? (error.errors as unknown[]).filter((item): item is BigQueryErrorItem => typeof item === 'object' && item !== null) : [];
}

function statusOf(error: ErrorShape): number | undefined {
  for (const candidate of [error.code, error.status, error.response?.status]) {
    if (typeof candidate === 'number') return candidate;
    if (typeof candidate === 'string' && /^\d{3}$/.test(candidate)) return Number(candidate);
  }
  return undefined;
}

function hintFor(status: number | undefined, reasons: readonly string[], message: string): string {
  if (status === 401 || AUTH_MESSAGES.test(message)) {
    return ' Check `method` and its credentials (keyfile, keyfile_json, token, or `gcloud auth application-default login`) in profiles.yml.';
  }
  if (reasons.includes('bytesBilledLimitExceeded')) return ' Raise `maximum_bytes_billed` in profiles.yml, or remove it.';
  if (reasons.includes('accessDenied') || reasons.includes('billingNotEnabled') || status === 403) {
    return ' The account needs the BigQuery Job User role on the project and BigQuery Data Editor on the dataset (or project).';
  }
  if (reasons.includes('notFound') || status === 404) return ' Check `project` and `location` in profiles.yml: datasets are only found in their own location.';
  if (reasons.includes('quotaExceeded') || reasons.includes('rateLimitExceeded')) return ' A BigQuery quota or rate limit was hit; run again later.';
  if (reasons.includes('invalidQuery') && /^Syntax error/i.test(message)) return ' (a syntax error in the SQL)';
  if (TRANSIENT_MESSAGES.test(message) && /concurrent update|serialize/i.test(message)) {
    return (
      ' Another transaction changed this table. If no other run is loading this dataset, a run killed mid-batch may have left its' +
      ' session open: find it in INFORMATION_SCHEMA.SESSIONS_BY_USER and end it with CALL BQ.ABORT_SESSION(\'<id>\'), or wait for BigQuery to end it.'
    );
  }
  return '';
}

export function isTransientBigQueryError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as ErrorShape;
  const status = statusOf(shape);
  if (status !== undefined && TRANSIENT_STATUS.has(status)) return true;
  if (typeof shape.code === 'string' && TRANSIENT_ERRNOS.has(shape.code)) return true;
  if (errorItems(shape).some((item) => item.reason !== undefined && TRANSIENT_REASONS.has(item.reason))) return true;
  return TRANSIENT_MESSAGES.test(typeof shape.message === 'string' ? shape.message : '');
}

/** The reasons and message of an SDK error, or of a job's `status` (errorResult + errors). */
export function describeError(error: unknown): { status: number | undefined; reasons: string[]; message: string } {
  if (typeof error !== 'object' || error === null) return { status: undefined, reasons: [], message: String(error) };
  const shape = error as ErrorShape;
  const items = errorItems(shape);
  const reasons = [...new Set(items.map((item) => item.reason).filter((reason): reason is string => typeof reason === 'string'))];
  const texts = [...new Set(items.map((item) => item.message).filter((text): text is string => typeof text === 'string' && text !== ''))];
  const own = typeof shape.message === 'string' ? shape.message : '';
  // The SDK joins several job errors into its message; the items themselves read better.
  const message = texts.length > 0 ? texts.slice(0, 5).join('; ') : own || 'unknown error';
  return { status: statusOf(shape), reasons, message };
}

export function translateBigQueryError(error: unknown, context: string, where: string, secrets: readonly string[]): LoaderError {
  if (isLoaderError(error)) return error;
  const { status, reasons, message } = describeError(error);
  const detail = [status !== undefined ? `HTTP ${status}` : '', ...reasons].filter(Boolean).join(', ');
  const text = redact(
    `BigQuery (${where}) failed while ${context}: ${message}${detail ? ` (${detail})` : ''}.${hintFor(status, reasons, message)}`,
    secrets,
  );
  const cause = new BigQueryError(redact(message, secrets), status, reasons);
  return isTransientBigQueryError(error) && !AUTH_MESSAGES.test(message)
    ? new WarehouseTransientError(text, { cause })
    : new WarehouseTerminalError(text, { cause });
}
