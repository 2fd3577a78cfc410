import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BudgetExhaustedError,
  SourceTerminalError,
  SourceTransientError,
} from '../../../src/errors.js';
import type { AttemptFailure, HttpFailure } from '../../../src/pipedrive/http-errors.js';
import { NO_RETRIES_YET, RetryPolicy, type RetryCounts, type RetryDecision } from '../../../src/pipedrive/retry.js';

const where = { method: 'GET', location: 'https://acme.pipedrive.com/api/v2/deals' };

function http(status: number, json?: Record<string, unknown>, rateLimit: HttpFailure['rateLimit'] = {}): HttpFailure {
  return { kind: 'http', status, json, rateLimit };
}

function retryOf(decision: RetryDecision): Extract<RetryDecision, { action: 'retry' }> {
  if (decision.action !== 'retry') throw new Error(`expected a retry, got ${decision.error.message}`);
  return decision;
}

function errorOf(decision: RetryDecision): Error {
  if (decision.action !== 'fail') throw new Error(`expected a failure, got a retry after ${decision.delayMs} ms`);
  return decision.error;
}

/** Feeds the same failure until the policy gives up; returns the delays and the final error. */
function runUntilFailure(policy: RetryPolicy, failure: AttemptFailure): { delays: number[]; error: Error } {
  const delays: number[] = [];
  let counts: RetryCounts = NO_RETRIES_YET;
  for (let i = 0; i < 1000; i++) {
    const decision = policy.decide(failure, counts, where);
    if (decision.action === 'fail') return { delays, error: decision.error };
    delays.push(decision.delayMs);
    counts = decision.counts;
  }
  throw new Error('policy never gave up');
}

describe('RetryPolicy backoff', () => {
  it('grows exponentially: with random→~1 each delay ceiling doubles from the base, capped', () => {
    const policy = new RetryPolicy({ baseDelayMs: 1000, maxDelayMs: 10_000, maxAttempts: 7, random: () => 0.999999 });
    const { delays } = runUntilFailure(policy, http(503));
    expect(delays).toEqual([999, 1999, 3999, 7999, 9999, 9999]);
    expect([0, 1, 2, 3, 4, 5].map((n) => policy.backoffCeilingMs(n))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('uses full jitter: every delay lies in [0, ceiling) and follows random()', () => {
    const samples = [0, 0.25, 0.5, 0.75, 0.9999];
    for (const r of samples) {
      const policy = new RetryPolicy({ baseDelayMs: 1000, maxDelayMs: 60_000, random: () => r });
      for (let n = 0; n < 8; n++) {
        const delay = policy.backoffDelayMs(n);
        const ceiling = policy.backoffCeilingMs(n);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
        expect(delay).toBe(Math.floor(r * ceiling));
      }
    }
  });

  it('random 0 gives zero waits: jitter is full, not "equal" jitter', () => {
    const policy = new RetryPolicy({ random: () => 0 });
    expect(runUntilFailure(policy, http(500)).delays).toEqual([0, 0, 0, 0, 0]);
  });

  it('stops after maxAttempts attempts in all (default 6) with a SourceTransientError', () => {
    const policy = new RetryPolicy({ random: () => 0.5 });
    const { delays, error } = runUntilFailure(policy, http(502));
    expect(delays).toHaveLength(5);
    expect(error).toBeInstanceOf(SourceTransientError);
    expect(error.message).toContain('6 attempts');
    expect(error.message).toContain('HTTP 502');
    expect(error.message).toContain(where.location);
    const once = new RetryPolicy({ maxAttempts: 1 });
    expect(errorOf(once.decide(http(500), NO_RETRIES_YET, where))).toBeInstanceOf(SourceTransientError);
  });
});

describe('RetryPolicy: which failures retry', () => {
  const policy = new RetryPolicy({ random: () => 0.5 });

  it.each([500, 502, 503, 504, 520, 522, 524])('retries HTTP %i with backoff', (status) => {
    const decision = retryOf(policy.decide(http(status), NO_RETRIES_YET, where));
    expect(decision.reason).toBe('backoff');
    expect(decision.shared).toBe(false);
    expect(decision.counts.transient).toBe(1);
  });

  it.each<[string, AttemptFailure]>([
    ['connection reset', { kind: 'network', code: 'ECONNRESET', cause: new Error('socket hang up') }],
    ['timeout', { kind: 'timeout', afterMs: 30_000 }],
    ['truncated body', { kind: 'body', status: 200, problem: 'truncated' }],
    ['non-JSON body', { kind: 'body', status: 200, problem: 'non-json' }],
    ['null body', { kind: 'body', status: 200, problem: 'null' }],
    ['empty body', { kind: 'body', status: 200, problem: 'empty' }],
  ])('retries a %s with backoff', (_name, failure) => {
    expect(retryOf(policy.decide(failure, NO_RETRIES_YET, where)).reason).toBe('backoff');
  });

  it('gives up on a JSON body that is not a Pipedrive envelope at once', () => {
    const error = errorOf(policy.decide({ kind: 'body', status: 200, problem: 'not-envelope' }, NO_RETRIES_YET, where));
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect(error.message).toContain('--pipedrive-url');
  });

  it.each<[number, new (...args: never[]) => Error]>([
    [400, SourceTerminalError],
    [401, AuthenticationError],
    [402, AuthenticationError],
    [404, SourceTerminalError],
    [405, SourceTerminalError],
    [410, SourceTerminalError],
    [501, SourceTerminalError],
  ])('does not retry HTTP %i', (status, type) => {
    expect(errorOf(policy.decide(http(status, { success: false, error: 'nope' }), NO_RETRIES_YET, where))).toBeInstanceOf(type);
  });

  it('does not retry a JSON 403 (permissions, plan, add-on)', () => {
    const error = errorOf(policy.decide(http(403, { success: false, error: 'forbidden' }), NO_RETRIES_YET, where));
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect((error as SourceTerminalError).status).toBe(403);
  });

  it('waits out a burst 429 (remaining 0) for x-ratelimit-reset seconds, shared, bounded', () => {
    const burst = http(429, { success: false, error: 'Request over limit' }, { remaining: 0, resetSeconds: 2 });
    const first = retryOf(policy.decide(burst, NO_RETRIES_YET, where));
    expect(first).toMatchObject({ reason: 'burst', delayMs: 2000, shared: true });
    expect(first.counts).toEqual({ transient: 0, burst: 1, cloudflare: 0 });
    const { delays, error } = runUntilFailure(new RetryPolicy({ maxBurstRetries: 3 }), burst);
    expect(delays).toEqual([2000, 2000, 2000]);
    expect(error).toBeInstanceOf(SourceTransientError);
    // A silly reset header cannot make us sleep for hours.
    const huge = http(429, undefined, { remaining: 0, resetSeconds: 86_400 });
    expect(retryOf(policy.decide(huge, NO_RETRIES_YET, where)).delayMs).toBe(60_000);
  });

  it('treats a 429 whose burst window still has room as the spent daily budget', () => {
    const error = errorOf(
      policy.decide(http(429, { success: false, error: 'Request over limit' }, { remaining: 12, resetSeconds: 1 }), NO_RETRIES_YET, where),
    );
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect(error.message).toMatch(/midnight in Pipedrive's server time/);
    expect(error.message).toMatch(/committed so far is kept/);
  });

  it('retries a 429 without rate-limit headers as a burst (a proxy or an edge answered), never as the daily budget', () => {
    const bare = http(429, { success: false, error: 'Request over limit' });
    const first = retryOf(policy.decide(bare, NO_RETRIES_YET, where));
    // No x-ratelimit-reset to go by: one whole 2-second window.
    expect(first).toMatchObject({ reason: 'burst', delayMs: 2000, shared: true });
    const { delays, error } = runUntilFailure(new RetryPolicy({ maxBurstRetries: 3 }), bare);
    expect(delays).toEqual([2000, 2000, 2000]);
    expect(error).toBeInstanceOf(SourceTransientError);
    expect(error).not.toBeInstanceOf(BudgetExhaustedError);
    expect(error.message).toMatch(/without rate-limit headers/);
  });

  it('backs off hard on a Cloudflare HTML 403, then gives a SourceTransientError', () => {
    const cloudflare = http(403, undefined);
    const { delays, error } = runUntilFailure(policy, cloudflare);
    expect(delays).toEqual([30_000, 60_000, 120_000]);
    expect(error).toBeInstanceOf(SourceTransientError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/Cloudflare/);
    expect(error.message).toMatch(/not an authentication problem/);
    expect(retryOf(policy.decide(cloudflare, NO_RETRIES_YET, where)).shared).toBe(true);
  });

  it('keeps separate budgets: bursts do not use up the transient attempts', () => {
    const counts: RetryCounts = { transient: 4, burst: 9, cloudflare: 0 };
    expect(retryOf(policy.decide(http(500), counts, where)).counts.transient).toBe(5);
    expect(retryOf(policy.decide(http(429, undefined, { remaining: 0 }), counts, where)).counts.burst).toBe(10);
    expect(errorOf(policy.decide(http(500), { ...counts, transient: 5 }, where))).toBeInstanceOf(SourceTransientError);
  });
});
