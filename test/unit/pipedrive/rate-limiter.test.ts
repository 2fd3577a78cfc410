import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HeaderPacer,
  RollingWindowLimiter,
  parseRateLimitHeaders,
  resetDelayMs,
} from '../../../src/pipedrive/rate-limiter.js';
import { FakeClock } from './fakes.js';

/** True when no `windowMs`-long interval holds more than `limit` of the given start times. */
function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] ?? 0;
    const inWindow = sorted.filter((t) => t >= start && t < start + windowMs).length;
    most = Math.max(most, inWindow);
  }
  return most;
}

describe('RollingWindowLimiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets N requests through at once and makes request N+1 wait for the window to turn', async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter(3, clock.now, clock.sleep, 2000);
    const grants: number[] = [];
    for (let i = 0; i < 7; i++) {
      await limiter.acquire();
      grants.push(clock.t - 1_000_000);
    }
    expect(grants).toEqual([0, 0, 0, 2000, 2000, 2000, 4000]);
    expect(maxInAnyWindow(grants, 2000)).toBe(3);
  });

  it('never lets N+1 concurrent callers into one window (real timers, faked)', async () => {
    vi.useFakeTimers();
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    const limiter = new RollingWindowLimiter(20, () => Date.now(), sleep, 2000);
    const grants: number[] = [];
    const started = Date.now();
    const callers = Array.from({ length: 75 }, async () => {
      await limiter.acquire();
      grants.push(Date.now() - started);
    });
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(callers);
    expect(grants).toHaveLength(75);
    expect(maxInAnyWindow(grants, 2000)).toBe(20);
    // 75 requests at 20 per 2 s need windows starting at 0, 2, 4 and 6 s.
    expect(Math.max(...grants)).toBe(6000);
  });

  it('spaces requests that arrive over time by the rolling window, not fixed buckets', async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter(2, clock.now, clock.sleep, 2000);
    const grants: number[] = [];
    const take = async (): Promise<void> => {
      await limiter.acquire();
      grants.push(clock.t - 1_000_000);
    };
    await take(); // 0
    clock.t += 1500;
    await take(); // 1500
    await take(); // must wait until 2000 (the first ages out)
    await take(); // must wait until 3500
    expect(grants).toEqual([0, 1500, 2000, 3500]);
    expect(maxInAnyWindow(grants, 2000)).toBe(2);
  });

  it('reports each wait before sleeping', async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter(1, clock.now, clock.sleep, 2000);
    const waits: number[] = [];
    await limiter.acquire((ms) => waits.push(ms));
    await limiter.acquire((ms) => waits.push(ms));
    expect(waits).toEqual([2000]);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('only ever lowers its limit to what the server says', async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter(20, clock.now, clock.sleep);
    limiter.lowerLimit(40);
    expect(limiter.limit).toBe(20);
    limiter.lowerLimit(2);
    expect(limiter.limit).toBe(2);
    const grants: number[] = [];
    for (let i = 0; i < 4; i++) {
      await limiter.acquire();
      grants.push(clock.t - 1_000_000);
    }
    expect(grants).toEqual([0, 0, 2000, 2000]);
  });

  it('rejects a limit that is not a positive integer', () => {
    const clock = new FakeClock();
    expect(() => new RollingWindowLimiter(0, clock.now, clock.sleep)).toThrow(RangeError);
    expect(() => new RollingWindowLimiter(2.5, clock.now, clock.sleep)).toThrow(RangeError);
  });
});

describe('rate-limit headers', () => {
  it('parses the three x-ratelimit headers and ignores garbage', () => {
    const headers = new Headers({ 'x-ratelimit-limit': '40', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' });
    expect(parseRateLimitHeaders(headers)).toEqual({ limit: 40, remaining: 0, resetSeconds: 2 });
    expect(parseRateLimitHeaders(new Headers({ 'x-ratelimit-remaining': 'soon' }))).toEqual({
      limit: undefined,
      remaining: undefined,
      resetSeconds: undefined,
    });
  });

  it('reads x-ratelimit-reset as relative seconds, with a floor and a default', () => {
    expect(resetDelayMs({ resetSeconds: 2 })).toBe(2000);
    expect(resetDelayMs({ resetSeconds: 0 })).toBe(250);
    expect(resetDelayMs({})).toBe(2000);
  });
});

describe('HeaderPacer', () => {
  it('pauses everyone until the reset once nothing remains', async () => {
    const clock = new FakeClock();
    const pacer = new HeaderPacer(clock.now, clock.sleep);
    pacer.observe({ remaining: 5, resetSeconds: 1 }, 0);
    await pacer.wait();
    expect(clock.sleeps).toEqual([]);
    pacer.observe({ remaining: 0, resetSeconds: 1 }, 0);
    const waits: number[] = [];
    await Promise.all([pacer.wait((ms) => waits.push(ms)), pacer.wait((ms) => waits.push(ms))]);
    expect(waits[0]).toBe(1000);
    expect(clock.t - 1_000_000).toBeGreaterThanOrEqual(1000);
  });

  it('pauses when the remaining allowance is no more than the requests already in flight', async () => {
    const clock = new FakeClock();
    const pacer = new HeaderPacer(clock.now, clock.sleep);
    pacer.observe({ remaining: 3, resetSeconds: 2 }, 3);
    await pacer.wait();
    expect(clock.sleeps).toEqual([2000]);
  });

  it('keeps the longest pause when several arrive', async () => {
    const clock = new FakeClock();
    const pacer = new HeaderPacer(clock.now, clock.sleep);
    pacer.pauseFor(30_000);
    pacer.observe({ remaining: 0, resetSeconds: 1 }, 0);
    await pacer.wait();
    expect(clock.sleeps).toEqual([30_000]);
  });
});
