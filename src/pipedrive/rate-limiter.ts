/**
 * Two cooperating throttles, both shared by every concurrent caller of one client:
 *
 * - `RollingWindowLimiter` is the client-side guard: at most N requests in any rolling window
 *   (Pipedrive's burst limit is per token, N per 2 s; Lite = 20).
 * - `HeaderPacer` listens to Pipedrive's own `x-ratelimit-remaining` / `x-ratelimit-reset`
 *   headers, which also see other integrations using the same token, and pauses everyone when
 *   the window is (nearly) used up, so that a 429 is the exception rather than routine.
 *
 * Time is injected (`now`, `sleep`) so both are tested without real waiting.
 */

export type Sleep = (ms: number) => Promise<void>;
export type Now = () => number;
/** Ends a granted request's occupancy of the window; call it once the response (or failure) is in. */
export type Release = () => void;

export const DEFAULT_WINDOW_MS = 2_000;

interface Grant {
  /** When the request's response or failure came back; undefined while it is on the wire. */
  finishedAt: number | undefined;
}

export interface LimiterOptions {
  /** Milliseconds every caller must still wait (a shared pause, e.g. HeaderPacer.remainingMs). */
  readonly pausedFor?: () => number;
}

/**
 * Pipedrive counts a request in the window of the moment it *arrives*, which we cannot see: it is
 * somewhere between sending and the response. So a granted request occupies a slot from the
 * moment it is sent until one window after its response came back. Counting from the send time
 * alone is not enough: a slow request granted at t=0 that arrives at t=0.3 s and a fast one
 * granted at t=2.0 s that arrives at t=2.01 s would share Pipedrive's window, one request too
 * many, and at full speed that happens on about every window boundary.
 *
 * Slots are granted first come, first served (one FIFO queue), so concurrent streams share the
 * limit fairly and none starves.
 */
export class RollingWindowLimiter {
  /** Granted requests still occupying the window, in grant order. */
  private grants: Grant[] = [];
  /** Callers queue here so that slots are granted first come, first served. */
  private queue: Promise<unknown> = Promise.resolve();
  private currentLimit: number;
  private released: { promise: Promise<void>; resolve: () => void } = newSignal();
  private readonly pausedFor: () => number;

  constructor(
    limit: number,
    private readonly now: Now,
    private readonly sleep: Sleep,
    readonly windowMs: number = DEFAULT_WINDOW_MS,
    options: LimiterOptions = {},
  ) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`requests per window must be a positive integer, got ${limit}`);
    }
    this.currentLimit = limit;
    this.pausedFor = options.pausedFor ?? (() => 0);
  }

  get limit(): number {
    return this.currentLimit;
  }

  /** Requests on the wire right now (granted, not yet released). */
  get inFlight(): number {
    return this.grants.filter((grant) => grant.finishedAt === undefined).length;
  }

  /**
   * Requests this limiter counts in the window now: on the wire, or answered less than one window
   * ago. Every request of ours that Pipedrive counts in its window is among them (it arrived no
   * later than its answer), so Pipedrive's count can exceed this only through someone else's.
   */
  get inWindow(): number {
    const since = this.now() - this.windowMs;
    return this.grants.filter((grant) => grant.finishedAt === undefined || grant.finishedAt > since).length;
  }

  /**
   * Lowers the limit (never raises it): when Pipedrive's `x-ratelimit-limit` says the plan allows
   * fewer requests than configured, the server is right.
   */
  lowerLimit(limit: number): void {
    if (Number.isInteger(limit) && limit >= 1 && limit < this.currentLimit) this.currentLimit = limit;
  }

  /**
   * Resolves when the caller may send a request, with the function that ends its occupancy
   * (call it when the response or failure arrived). `onWait` is told about each timed wait first.
   */
  acquire(onWait?: (ms: number) => void): Promise<Release> {
    const turn = this.queue.then(() => this.takeSlot(onWait));
    // A failing onWait must not jam the queue for everyone behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeSlot(onWait?: (ms: number) => void): Promise<Release> {
    for (;;) {
      const paused = this.pausedFor();
      if (paused > 0) {
        onWait?.(paused);
        await this.sleep(paused);
        continue;
      }
      const t = this.now();
      this.grants = this.grants.filter((g) => g.finishedAt === undefined || g.finishedAt > t - this.windowMs);
      if (this.grants.length < this.currentLimit) {
        const grant: Grant = { finishedAt: undefined };
        this.grants.push(grant);
        return () => this.finish(grant);
      }
      // The window is full. A finished request frees its slot one window after it finished; a
      // release happening meanwhile frees one only later still, so the earliest expiry is the
      // next chance. With every slot on the wire, the next release is.
      const expiries = this.grants.flatMap((g) => (g.finishedAt === undefined ? [] : [g.finishedAt + this.windowMs]));
      if (expiries.length === 0) {
        await this.released.promise;
        continue;
      }
      const wait = Math.min(...expiries) - t;
      onWait?.(wait);
      await this.sleep(wait);
    }
  }

  private finish(grant: Grant): void {
    if (grant.finishedAt !== undefined) return;
    grant.finishedAt = this.now();
    const { resolve } = this.released;
    this.released = newSignal();
    resolve();
  }
}

/** A one-shot signal: a promise and the function that resolves it (the next release). */
function newSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
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
   *
   * `own` (the client's limiter: its limit and `inWindow`) tells whose requests Pipedrive counted.
   * When they can all be ours, the limiter already holds back as long as Pipedrive needs (it counts
   * each request until one window after its answer, Pipedrive until one window after its arrival),
   * and a pause would only add the rounding of `x-ratelimit-reset` to whole seconds: at a plan's
   * full speed that was up to a second in every window. Only a count above ours (another
   * integration on the same token) calls for the pause.
   */
  observe(headers: RateLimitHeaders, othersInFlight: number, own?: { readonly limit: number; readonly inWindow: number }): void {
    if (headers.remaining === undefined) return;
    if (headers.remaining > othersInFlight) return;
    if (own !== undefined && (headers.limit ?? own.limit) - headers.remaining <= own.inWindow) return;
    this.pauseFor(resetDelayMs(headers, this.windowMs));
  }

  /** How long callers must still wait; 0 when no pause is in force. */
  remainingMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
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
