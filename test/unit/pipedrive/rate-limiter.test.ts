import { describe, expect, it } from 'vitest';
import {
  HeaderPacer,
  RollingWindowLimiter,
  parseRateLimitHeaders,
  resetDelayMs,
} from '../../../src/pipedrive/rate-limiter.js';
import { FakeClock, VirtualClock, seededRandom, worstCaseInWindow } from './fakes.js';

interface Served {
  readonly caller: number;
  readonly sent: number;
  readonly answered: number;
}

/** Acquires a slot, holds it for `latencyMs` of virtual time (the request on the wire), releases. */
async function request(
  limiter: RollingWindowLimiter,
  clock: VirtualClock,
  caller: number,
  latencyMs: number,
  served: Served[],
): Promise<void> {
  const release = await limiter.acquire();
  const sent = clock.now();
  await clock.sleep(latencyMs);
  release();
  served.push({ caller, sent, answered: clock.now() });
}

describe('RollingWindowLimiter', () => {
  it('lets N instant requests through at once and makes request N+1 wait for the window to turn', async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter(3, clock.now, clock.sleep, 2000);
    const grants: number[] = [];
    for (let i = 0; i < 7; i++) {
      const release = await limiter.acquire();
      grants.push(clock.t - 1_000_000);
      release();
    }
    expect(grants).toEqual([0, 0, 0, 2000, 2000, 2000, 4000]);
  });

  it('keeps a slot taken from sending until one window after the answer (the server counts arrivals)', async () => {
    const clock = new VirtualClock();
    const limiter = new RollingWindowLimiter(2, clock.now, clock.sleep, 2000);
    const served: Served[] = [];
    // Two slow requests fill the window while on the wire: the third waits for an answer (at
    // 5 s) and then one window more, because the slow request may have arrived just before 5 s.
    await clock.run(
      Promise.all([request(limiter, clock, 0, 5000, served), request(limiter, clock, 1, 5000, served), request(limiter, clock, 2, 10, served)]),
    );
    expect(served.map((s) => [s.caller, s.sent])).toEqual([
      [0, 0],
      [1, 0],
      [2, 7000],
    ]);
  });

  it('never lets concurrent callers exceed the limit in any rolling window, and every caller gets through', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seededRandom(seed);
      const clock = new VirtualClock();
      const limit = 2 + Math.floor(random() * 6);
      const limiter = new RollingWindowLimiter(limit, clock.now, clock.sleep, 2000);
      const served: Served[] = [];
      const callers = 80;
      const work = Array.from({ length: callers }, async (_, caller) => {
        await clock.sleep(Math.floor(random() * 6000)); // arrivals spread over 6 s
        // Each caller makes a few requests in a row, as a stream reads its pages.
        for (let page = 0; page < 3; page++) await request(limiter, clock, caller, Math.floor(random() * 1500), served);
      });
      await clock.run(Promise.all(work));
      expect(served).toHaveLength(callers * 3);
      expect(worstCaseInWindow(served, 2000)).toBeLessThanOrEqual(limit);
      // The limit is used, not just respected: the busiest window is full.
      expect(worstCaseInWindow(served, 2000)).toBe(limit);
    }
  });

  it('grants slots first come, first served, so streams reading page after page take turns', async () => {
    const clock = new VirtualClock();
    const limiter = new RollingWindowLimiter(2, clock.now, clock.sleep, 2000);
    const order: string[] = [];
    const stream = async (name: string, pages: number): Promise<void> => {
      for (let page = 0; page < pages; page++) {
        const release = await limiter.acquire();
        order.push(name);
        await clock.sleep(100);
        release();
      }
    };
    await clock.run(Promise.all([stream('a', 8), stream('b', 8), stream('c', 8), stream('d', 2)]));
    expect(order).toHaveLength(26);
    // Between two grants of one stream, each other stream is granted at most once: no stream is
    // starved, none runs ahead.
    for (const name of ['a', 'b', 'c']) {
      const mine = order.flatMap((n, index) => (n === name ? [index] : []));
      for (let i = 1; i < mine.length; i++) {
        const between = order.slice((mine[i - 1] ?? 0) + 1, mine[i]);
        expect(new Set(between).size).toBe(between.length);
      }
    }
  });

  it('waits for a release when every slot is on the wire, without spinning on timers', async () => {
    const clock = new VirtualClock();
    const limiter = new RollingWindowLimiter(1, clock.now, clock.sleep, 2000);
    const waits: number[] = [];
    const first = await limiter.acquire();
    const second = limiter.acquire((ms) => waits.push(ms));
    const answer = (async () => {
      await clock.sleep(30_000);
      first();
    })();
    const release = await clock.run(second);
    await clock.run(answer);
    expect(clock.now()).toBe(32_000);
    expect(waits).toEqual([2000]);
    release();
    release(); // releasing twice is harmless
    expect(limiter.inFlight).toBe(0);
  });

  it('honours a shared pause at the moment it grants, also for callers already queued', async () => {
    const clock = new VirtualClock();
    const pacer = new HeaderPacer(clock.now, clock.sleep, 2000);
    const limiter = new RollingWindowLimiter(100, clock.now, clock.sleep, 2000, { pausedFor: () => pacer.remainingMs() });
    const served: Served[] = [];
    const work = Array.from({ length: 10 }, (_, caller) => request(limiter, clock, caller, 50, served));
    // The first answer says the window is used up: nobody may be sent until the reset.
    const pauseAfterFirst = (async () => {
      await clock.sleep(50);
      pacer.observe({ remaining: 0, resetSeconds: 3 }, 0);
      const late = Array.from({ length: 5 }, (_, i) => request(limiter, clock, 10 + i, 50, served));
      await Promise.all(late);
    })();
    await clock.run(Promise.all([...work, pauseAfterFirst]));
    expect(served).toHaveLength(15);
    const duringPause = served.filter((s) => s.sent > 50 && s.sent < 3050);
    expect(duringPause).toEqual([]);
    expect(served.filter((s) => s.caller >= 10).every((s) => s.sent >= 3050)).toBe(true);
  });

  it('reports each timed wait before sleeping', async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter(1, clock.now, clock.sleep, 2000);
    const waits: number[] = [];
    (await limiter.acquire((ms) => waits.push(ms)))();
    (await limiter.acquire((ms) => waits.push(ms)))();
    expect(waits).toEqual([2000]);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('only ever lowers its limit to what the server says, and holds the lower limit under concurrency', async () => {
    const clock = new VirtualClock();
    const limiter = new RollingWindowLimiter(20, clock.now, clock.sleep, 2000);
    limiter.lowerLimit(40);
    expect(limiter.limit).toBe(20);
    limiter.lowerLimit(0);
    limiter.lowerLimit(2.5);
    expect(limiter.limit).toBe(20);
    const served: Served[] = [];
    const before = Array.from({ length: 20 }, (_, caller) => request(limiter, clock, caller, 200, served));
    await clock.run(Promise.all(before));
    limiter.lowerLimit(3);
    expect(limiter.limit).toBe(3);
    const after = Array.from({ length: 12 }, (_, caller) => request(limiter, clock, 100 + caller, 200, served));
    await clock.run(Promise.all(after));
    const later = served.filter((s) => s.caller >= 100);
    expect(later).toHaveLength(12);
    expect(worstCaseInWindow(later, 2000)).toBe(3);
  });

  it('keeps granting after a caller whose onWait throws', async () => {
    const clock = new VirtualClock();
    const limiter = new RollingWindowLimiter(1, clock.now, clock.sleep, 2000);
    (await limiter.acquire())();
    const failing = limiter.acquire(() => {
      throw new Error('progress output failed');
    });
    await expect(clock.run(failing)).rejects.toThrow('progress output failed');
    const release = await clock.run(limiter.acquire());
    release();
    expect(limiter.inFlight).toBe(0);
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

  it('does not pause when every request Pipedrive counted can be ours: the limiter holds back already', async () => {
    const clock = new FakeClock();
    const pacer = new HeaderPacer(clock.now, clock.sleep);
    pacer.observe({ limit: 20, remaining: 0, resetSeconds: 2 }, 4, { limit: 20, inWindow: 20 });
    pacer.observe({ limit: 20, remaining: 3, resetSeconds: 1 }, 5, { limit: 20, inWindow: 17 });
    await pacer.wait();
    expect(clock.sleeps).toEqual([]);
  });

  it('pauses when Pipedrive counted more than the client sent: another integration shares the token', async () => {
    const clock = new FakeClock();
    const pacer = new HeaderPacer(clock.now, clock.sleep);
    pacer.observe({ limit: 20, remaining: 2, resetSeconds: 1 }, 3, { limit: 20, inWindow: 12 });
    await pacer.wait();
    expect(clock.sleeps).toEqual([1000]);
    // Without x-ratelimit-limit, the client's own limit stands in for it.
    pacer.observe({ remaining: 0, resetSeconds: 2 }, 0, { limit: 20, inWindow: 19 });
    await pacer.wait();
    expect(clock.sleeps).toEqual([1000, 2000]);
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
