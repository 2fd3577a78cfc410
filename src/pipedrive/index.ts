/** The Pipedrive side of the loader: client, paginators, catalog, field metadata, costs. */
export {
  DEFAULT_BASE_URL,
  DEFAULT_REQUESTS_PER_2S,
  DEFAULT_REQUEST_TIMEOUT_MS,
  PipedriveClient,
  normalizeBaseUrl,
  type Envelope,
  type PipedriveClientOptions,
  type QueryParams,
  type RequestEvent,
  type WaitEvent,
} from './client.js';
export { fetchFieldDefinitions, nextCursorOf, nextStartOf, paginate, recordsOf, type Page } from './paginate.js';
export { REDACTED, redact, sanitizeError } from '../redact.js';
export { RETRIABLE_STATUSES, RetryPolicy, type RetryCounts, type RetryDecision, type RetryPolicyOptions, type WaitReason } from './retry.js';
export { HeaderPacer, RollingWindowLimiter, parseRateLimitHeaders, type RateLimitHeaders } from './rate-limiter.js';
export { UNSCOPED_STREAM, UsageLedger, type UsageCount } from './usage.js';
export type { AttemptFailure } from './http-errors.js';
export * from './catalog.js';
export * from './fields.js';
export * from './costs.js';
