/**
 * The retry policy: one small object that decides, for each failed attempt, whether to wait and
 * try again or to give up with a typed error (modelled on the Singer SDK, where the
 * status-to-retry mapping lives in one overridable place). It does no IO and keeps no state:
 * the caller passes the counts so far and gets the next counts back, so every rule is unit-tested
 * with an injected `random`.
 *
 * The rules (user-facing; the README's error section should say the same):
 * - 500, 502, 503, 504 and the other Cloudflare 52x codes, network errors, timeouts, and 2xx
 *   responses whose body is empty, `null`, cut off or not JSON: retried with exponential backoff
 *   and full jitter, `random() * min(maxDelayMs, baseDelayMs * 2^n)`, for at most `maxAttempts`
 *   attempts in all; then `SourceTransientError`.
 * - 429 with `x-ratelimit-remaining: 0`: the 2-second burst window is full. Wait
 *   `x-ratelimit-reset` seconds (shared by all callers) and go on, at most `maxBurstRetries` times.
 * - 429 without `x-ratelimit-remaining` (a proxy, an edge, or a response cut short): nothing says
 *   the budget is spent, so it is waited out like a burst (one 2-second window at a time, same
 *   bound). Stopping the run for the day on a guess would be the costlier mistake.
 * - 429 with `x-ratelimit-remaining` above 0: the burst window has room, so it is the company's
 *   daily token budget that is spent: `BudgetExhaustedError`.
 * - 403 whose body is not JSON: Cloudflare's block page after too many 429s. Not an auth
 *   failure; back off hard (`cloudflareBaseDelayMs`, doubling; shared by all callers) for at most
 *   `cloudflareRetries` retries; then `SourceTransientError`.
 * - 401/402: `AuthenticationError`. 400, 403 with JSON, 404, other statuses, redirects and
 *   `success: false`: `SourceTerminalError`. 501 (not implemented) is terminal too.
 * - A 2xx JSON body that is not a Pipedrive envelope (no boolean `success`) means the base URL
 *   points at something else: terminal.
 */
import { SourceTerminalError, type LoaderError } from '../errors.js';
import {
  burstLimitError,
  cloudflareBlockError,
  dailyBudgetError,
  gaveUpError,
  terminalHttpError,
  type AttemptFailure,
  type HttpFailure,
  type RequestLabel,
} from './http-errors.js';
import { resetDelayMs } from './rate-limiter.js';

export type WaitReason = 'burst' | 'pacing' | 'backoff' | 'cloudflare';

export interface RetryPolicyOptions {
  /** Attempts in all for transient failures (5xx, network, timeout, bad body). Default 6. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Burst 429s waited out per request before giving up. Default 10. */
  readonly maxBurstRetries?: number;
  /** Upper bound on one burst wait, whatever `x-ratelimit-reset` says. Default 60 s. */
  readonly maxBurstWaitMs?: number;
  /** Cloudflare HTML 403s waited out per request. Default 3 (waits 30 s, 60 s, 120 s). */
  readonly cloudflareRetries?: number;
  readonly cloudflareBaseDelayMs?: number;
  /** Returns a number in [0, 1); injected for tests. */
  readonly random?: () => number;
}

/** Failed attempts of one request so far, by kind. */
export interface RetryCounts {
  readonly transient: number;
  readonly burst: number;
  readonly cloudflare: number;
}

export const NO_RETRIES_YET: RetryCounts = { transient: 0, burst: 0, cloudflare: 0 };

export type RetryDecision =
  | {
      readonly action: 'retry';
      readonly delayMs: number;
      readonly reason: WaitReason;
      /** True when every caller of the client should wait, not just this request. */
      readonly shared: boolean;
      readonly counts: RetryCounts;
    }
  | { readonly action: 'fail'; readonly error: LoaderError };

/** Statuses worth retrying: server errors, gateway errors and Cloudflare's 52x family. */
export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504, 520, 521, 522, 523, 524]);

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxBurstRetries: number;
  readonly maxBurstWaitMs: number;
  readonly cloudflareRetries: number;
  readonly cloudflareBaseDelayMs: number;
  private readonly random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? 6);
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.maxBurstRetries = options.maxBurstRetries ?? 10;
    this.maxBurstWaitMs = options.maxBurstWaitMs ?? 60_000;
    this.cloudflareRetries = options.cloudflareRetries ?? 3;
    this.cloudflareBaseDelayMs = options.cloudflareBaseDelayMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** The backoff ceiling before the (n+1)-th retry: min(max, base · 2^n). */
  backoffCeilingMs(retryIndex: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** retryIndex);
  }

  /** Full jitter: uniformly in [0, ceiling). */
  backoffDelayMs(retryIndex: number): number {
    return Math.floor(this.random() * this.backoffCeilingMs(retryIndex));
  }

  decide(failure: AttemptFailure, counts: RetryCounts, where: RequestLabel): RetryDecision {
    const attempts = counts.transient + counts.burst + counts.cloudflare + 1;
    switch (failure.kind) {
      case 'network':
      case 'timeout':
        return this.transient(failure, counts, attempts, where);
      case 'body':
        if (failure.problem === 'not-envelope') {
          return {
            action: 'fail',
            error: new SourceTerminalError(
              `${where.method} ${where.location} answered JSON that is not a Pipedrive API response. ` +
                'Check --pipedrive-url / PIPEDRIVE_BASE_URL.',
              failure.status,
            ),
          };
        }
        return this.transient(failure, counts, attempts, where);
      case 'http':
        return this.decideHttp(failure, counts, attempts, where);
    }
  }

  private decideHttp(failure: HttpFailure, counts: RetryCounts, attempts: number, where: RequestLabel): RetryDecision {
    const { status } = failure;
    if (status === 429) {
      // Singer's split, the only signal Pipedrive gives: an empty burst window says 0 remaining,
      // room left in it says the daily budget. No header at all says neither: retry as a burst.
      const { remaining } = failure.rateLimit;
      if (remaining !== undefined && remaining > 0) return { action: 'fail', error: dailyBudgetError(failure, where) };
      if (counts.burst >= this.maxBurstRetries) {
        return { action: 'fail', error: burstLimitError(attempts, where, remaining !== undefined) };
      }
      return {
        action: 'retry',
        delayMs: Math.min(this.maxBurstWaitMs, resetDelayMs(failure.rateLimit)),
        reason: 'burst',
        shared: true,
        counts: { ...counts, burst: counts.burst + 1 },
      };
    }
    if (status === 403 && failure.json === undefined) {
      if (counts.cloudflare >= this.cloudflareRetries) {
        return { action: 'fail', error: cloudflareBlockError(attempts, where) };
      }
      return {
        action: 'retry',
        delayMs: this.cloudflareBaseDelayMs * 2 ** counts.cloudflare,
        reason: 'cloudflare',
        shared: true,
        counts: { ...counts, cloudflare: counts.cloudflare + 1 },
      };
    }
    if (RETRIABLE_STATUSES.has(status)) return this.transient(failure, counts, attempts, where);
    return { action: 'fail', error: terminalHttpError(failure, where) };
  }

  private transient(failure: AttemptFailure, counts: RetryCounts, attempts: number, where: RequestLabel): RetryDecision {
    if (counts.transient + 1 >= this.maxAttempts) {
      return { action: 'fail', error: gaveUpError(failure, attempts, where) };
    }
    return {
      action: 'retry',
      delayMs: this.backoffDelayMs(counts.transient),
      reason: 'backoff',
      shared: false,
      counts: { ...counts, transient: counts.transient + 1 },
    };
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
