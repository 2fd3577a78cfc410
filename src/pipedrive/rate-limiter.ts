/**
 * Two cooperating throttles, both shared by every concurrent caller of one client:
 *
 * - `RollingWindowLimiter` is the client-side guard: at most N requests start in any rolling
 *   window (Pipedrive's burst limit is per token, N per 2 s; Lite = 20).
 * - `HeaderPacer` listens to Pipedrive's own `x-ratelimit-remaining` / `x-ratelimit-reset`
 *   headers, which also see other integrations using the same token, and pauses everyone when
 *   the window is (nearly) used up, so that a 429 is the exception rather than routine.
 *
 * Time is injected (`now`, `sleep`) so both are tested without real waiting.
 */

export type Sleep = (ms: number) => Promise<void>;
export type Now = () => number;

export const DEFAULT_WINDOW_MS = 2_000;

export class RollingWindowLimiter {
  /** Start times of the requests granted in the current window, oldest first. */
  private readonly grants: number[] = [];
  /** Callers queue here so that slots are granted first come, first served. */
  private queue: Promise<void> = Promise.resolve();
  private currentLimit: number;

  constructor(
    limit: number,
    private readonly now: Now,
    private readonly sleep: Sleep,
    readonly windowMs: number = DEFAULT_WINDOW_MS,
  ) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`requests per window must be a positive integer, got ${limit}`);
    }
    this.currentLimit = limit;
  }

  get limit(): number {
    return this.currentLimit;
  }

  /**
   * Lowers the limit (never raises it): when Pipedrive's `x-ratelimit-limit` says the plan allows
   * fewer requests than configured, the server is right.
   */
  lowerLimit(limit: number): void {
    if (Number.isInteger(limit) && limit >= 1 && limit < this.currentLimit) this.currentLimit = limit;
  }

  /** Resolves when the caller may start a request; `onWait` is told about each wait first. */
  acquire(onWait?: (ms: number) => void): Promise<void> {
    const turn = this.queue.then(() => this.takeSlot(onWait));
    // A failing onWait must not jam the queue for everyone behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeSlot(onWait?: (ms: number) => void): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.grants.length > 0 && (this.grants[0] ?? 0) <= t - this.windowMs) this.grants.shift();
      if (this.grants.length < this.currentLimit) {
        this.grants.push(t);
        return;
      }
      // The window is full: wait until the request that fills the window's oldest slot ages out.
      const blocking = this.grants[this.grants.length - this.currentLimit] ?? t;
      const wait = blocking + this.windowMs - t;
      onWait?.(wait);
      await this.sleep(wait);
    }
  }
}

export interface RateLimitHeaders {
  /** Requests allowed per window (`x-ratelimit-limit`). */
  readonly limit?: number;
  /** Requests left in the current window (`x-ratelimit-remaining`). */
  readonly remaining?: number;
  /** Seconds until the window resets (`x-ratelimit-reset`; relative, not an epoch). */
  readonly resetSeconds?: number;
}

export function parseRateLimitHeaders(headers: Headers): RateLimitHeaders {
  const read = (name: string): number | undefined => {
    const raw = headers.get(name);
    if (raw === null || raw.trim() === '') return undefined;
    const value = Number(raw);
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  return {
    limit: read('x-ratelimit-limit'),
    remaining: read('x-ratelimit-remaining'),
    resetSeconds: read('x-ratelimit-reset'),
  };
}

/** When `x-ratelimit-reset` says 0 (rounded down) the window still needs a moment to turn over. */
const MIN_PAUSE_MS = 250;

/** How long a reset header asks us to wait; the whole window when the header is absent. */
export function resetDelayMs(headers: RateLimitHeaders, windowMs = DEFAULT_WINDOW_MS): number {
  if (headers.resetSeconds === undefined) return windowMs;
  return Math.max(MIN_PAUSE_MS, headers.resetSeconds * 1000);
}

export class HeaderPacer {
  private pausedUntil = 0;

  constructor(
    private readonly now: Now,
    private readonly sleep: Sleep,
    private readonly windowMs: number = DEFAULT_WINDOW_MS,
  ) {}

  /**
   * Learns from one response's headers. `othersInFlight` is how many other requests are already
   * on the wire: they will use up the remaining allowance, so we pause once `remaining` does not
   * exceed them (with nothing in flight: once remaining is 0).
   */
  observe(headers: RateLimitHeaders, othersInFlight: number): void {
    if (headers.remaining === undefined) return;
    if (headers.remaining <= othersInFlight) this.pauseFor(resetDelayMs(headers, this.windowMs));
  }

  /** Makes every caller wait at least `ms` from now (used for bursts and Cloudflare blocks too). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** Resolves once no pause is in force; `onWait` is told about each wait first. */
  async wait(onWait?: (ms: number) => void): Promise<void> {
    for (;;) {
      const ms = this.pausedUntil - this.now();
      if (ms <= 0) return;
      onWait?.(ms);
      await this.sleep(ms);
    }
  }
}
