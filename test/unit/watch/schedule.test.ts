import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  BudgetExhaustedError,
  ConfigurationError,
  InterruptedError,
  SourceTransientError,
} from '../../../src/errors.js';
import {
  abortableSleep,
  formatCycleLine,
  formatDuration,
  nextRunDelay,
  parseEvery,
  runEvery,
  type CycleReport,
} from '../../../src/watch/schedule.js';

const MINUTE = 60_000;

describe('parseEvery', () => {
  it.each([
    ['30m', 30 * MINUTE],
    ['1h', 60 * MINUTE],
    ['6h', 360 * MINUTE],
    ['90s', 90_000],
    ['60s', MINUTE],
    [' 15M ', 15 * MINUTE],
  ])('%s → %d ms', (text, ms) => {
    expect(parseEvery(text)).toBe(ms);
  });

  it('rejects intervals under one minute, naming the minimum', () => {
    expect(() => parseEvery('30s')).toThrow(ConfigurationError);
    expect(() => parseEvery('30s')).toThrow(/minimum is 1m/);
    expect(() => parseEvery('0m')).toThrow(/minimum is 1m/);
  });

  it('takes a lower minimum when the caller gives one (the hidden --every-minimum), never under a second', () => {
    expect(parseEvery('2s', 1_000)).toBe(2_000);
    expect(() => parseEvery('2s', 5_000)).toThrow(/minimum is 5s/);
    expect(() => parseEvery('0s', 0)).toThrow(/too short/);
  });

  it.each(['30', 'm', '1.5h', '-5m', '30 minutes', '1d', ''])('rejects %j with the accepted forms', (text) => {
    expect(() => parseEvery(text)).toThrow(/whole number and a unit s, m or h/);
  });
});

describe('nextRunDelay', () => {
  const base = { intervalMs: 30 * MINUTE, lastStartedAt: 0 };

  it('is one interval after the previous start when the jitter is centred', () => {
    expect(nextRunDelay({ ...base, now: 5 * MINUTE, random: () => 0.5 })).toBe(25 * MINUTE);
  });

  it('moves the due time by at most ±10 % of the interval by default', () => {
    expect(nextRunDelay({ ...base, now: 0, random: () => 0 })).toBe(27 * MINUTE);
    expect(nextRunDelay({ ...base, now: 0, random: () => 0.999999 })).toBeCloseTo(33 * MINUTE, -2);
  });

  it('honours a custom jitter fraction and no jitter at all', () => {
    expect(nextRunDelay({ ...base, now: 0, random: () => 0, jitterFraction: 0.2 })).toBe(24 * MINUTE);
    expect(nextRunDelay({ ...base, now: 0, random: () => 0, jitterFraction: 0 })).toBe(30 * MINUTE);
  });

  it('never schedules before the previous run ended: an overrunning run is followed at once', () => {
    expect(nextRunDelay({ ...base, now: 45 * MINUTE, random: () => 0.5 })).toBe(0);
  });

  it('rejects nonsense settings', () => {
    expect(() => nextRunDelay({ ...base, now: 0, random: () => 0.5, jitterFraction: 0.9 })).toThrow(RangeError);
    expect(() => nextRunDelay({ ...base, intervalMs: 0, now: 0, random: () => 0.5 })).toThrow(RangeError);
  });
});

/** A fake clock advanced by the fake sleep, so delays are observable without real time. */
function fakeClock() {
  let time = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    },
  };
}

describe('runEvery', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs two cycles, then stops after the second when the signal fires during it', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const reports: CycleReport[] = [];
    const signalsSeen: AbortSignal[] = [];
    let batchesCommitted = 0;
    const result = await runEvery({
      intervalMs: 30 * MINUTE,
      signal: controller.signal,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      onCycle: (report) => reports.push(report),
      run: async (signal) => {
        signalsSeen.push(signal);
        // Three batches per run; SIGTERM arrives during the second run's first batch.
        for (let batch = 0; batch < 3; batch += 1) {
          if (signal.aborted) return; // stop at a batch boundary
          clock.advance(MINUTE);
          if (reports.length === 1 && batch === 0) controller.abort();
          batchesCommitted += 1;
        }
      },
    });
    expect(result).toEqual({ cycles: 2 });
    expect(signalsSeen).toEqual([controller.signal, controller.signal]);
    // The batch in flight when the signal fired finished; no batch started afterwards.
    expect(batchesCommitted).toBe(4);
    expect(reports.map((r) => [r.cycle, r.outcome, r.nextDelayMs])).toEqual([
      [1, 'succeeded', 27 * MINUTE],
      [2, 'succeeded', null],
    ]);
    // The delay is counted from the start of the run: 30 minutes minus the 3 the run took.
    expect(clock.sleeps).toEqual([27 * MINUTE]);
  });

  it('does not start a run when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = vi.fn(async () => {});
    await expect(runEvery({ intervalMs: MINUTE, signal: controller.signal, run })).resolves.toEqual({ cycles: 0 });
    expect(run).not.toHaveBeenCalled();
  });

  it('returns at once when the signal fires during the sleep between runs (real sleep, fake timers)', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const run = vi.fn(async () => {});
    const done = runEvery({
      intervalMs: 60 * MINUTE,
      signal: controller.signal,
      run,
      onCycle: () => queueMicrotask(() => controller.abort()),
    });
    // No timer is advanced: only the abort can end the hour-long sleep.
    await expect(done).resolves.toEqual({ cycles: 1 });
    expect(run).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a failed run and carries on with the next one on schedule', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const reports: CycleReport[] = [];
    const failure = new SourceTransientError('Pipedrive answered 503 six times');
    let calls = 0;
    await runEvery({
      intervalMs: 30 * MINUTE,
      signal: controller.signal,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      onCycle: (report) => reports.push(report),
      run: async () => {
        calls += 1;
        if (calls === 1) throw failure;
        controller.abort();
      },
    });
    expect(reports.map((r) => r.outcome)).toEqual(['failed', 'succeeded']);
    expect(reports[0]?.error).toBe(failure);
    expect(reports[0]?.nextDelayMs).toBe(30 * MINUTE);
  });

  it('treats an exhausted budget as a normal stop: the next run waits for its turn', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const reports: CycleReport[] = [];
    let calls = 0;
    await runEvery({
      intervalMs: 30 * MINUTE,
      signal: controller.signal,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      onCycle: (report) => reports.push(report),
      run: async () => {
        calls += 1;
        clock.advance(2 * MINUTE);
        if (calls === 1) throw new BudgetExhaustedError('daily budget spent');
        controller.abort();
      },
    });
    expect(reports.map((r) => r.outcome)).toEqual(['budget_exhausted', 'succeeded']);
    // Not retried early: the full interval (from the run's start) passed before the next run.
    expect(clock.sleeps).toEqual([28 * MINUTE]);
  });

  it('reports an InterruptedError thrown after the signal as interrupted and ends the loop', async () => {
    const controller = new AbortController();
    const reports: CycleReport[] = [];
    const result = await runEvery({
      intervalMs: MINUTE,
      signal: controller.signal,
      onCycle: (report) => reports.push(report),
      run: async () => {
        controller.abort();
        throw new InterruptedError('stopped after the current batch');
      },
    });
    expect(result).toEqual({ cycles: 1 });
    expect(reports.map((r) => [r.outcome, r.nextDelayMs])).toEqual([['interrupted', null]]);
  });

  it('rethrows errors a later run cannot fix, after reporting them', async () => {
    const controller = new AbortController();
    const reports: CycleReport[] = [];
    const rejected = new AuthenticationError('Pipedrive rejected the token');
    await expect(
      runEvery({
        intervalMs: MINUTE,
        signal: controller.signal,
        onCycle: (report) => reports.push(report),
        run: async () => {
          throw rejected;
        },
      }),
    ).rejects.toBe(rejected);
    expect(reports.map((r) => [r.outcome, r.nextDelayMs])).toEqual([['failed', null]]);
  });

  it('lets the caller decide what is fatal', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    let calls = 0;
    const result = await runEvery({
      intervalMs: MINUTE,
      signal: controller.signal,
      now: clock.now,
      sleep: clock.sleep,
      isFatal: () => false,
      run: async () => {
        calls += 1;
        if (calls === 3) controller.abort();
        throw new ConfigurationError('bad profile');
      },
    });
    expect(result).toEqual({ cycles: 3 });
  });
});

describe('abortableSleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay', async () => {
    vi.useFakeTimers();
    let resolved = false;
    const sleeping = abortableSleep(5_000, new AbortController().signal).then(() => {
      resolved = true;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(resolved).toBe(true);
  });

  it('resolves at once, clearing its timer, when aborted', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleeping = abortableSleep(3_600_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [750_000, '12m 30s'],
    [3_900_000, '1h 5m'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatCycleLine', () => {
  const base = { cycle: 3, startedAt: 0, finishedAt: 72_000 };

  it('gives the outcome, the duration and when the next run comes, on one line', () => {
    expect(formatCycleLine({ ...base, outcome: 'succeeded', nextDelayMs: 1_728_000 })).toBe(
      'run 3 (1m 12s): succeeded; next run in 28m 48s',
    );
    expect(formatCycleLine({ ...base, outcome: 'budget_exhausted', nextDelayMs: 1_800_000 })).toBe(
      'run 3 (1m 12s): API budget spent, committed data kept; next run in 30m',
    );
    expect(formatCycleLine({ ...base, outcome: 'interrupted', nextDelayMs: null })).toBe(
      'run 3 (1m 12s): stopped by signal after its current batch',
    );
  });

  it('puts the run’s figures after the outcome', () => {
    expect(formatCycleLine({ ...base, outcome: 'succeeded', nextDelayMs: 1_728_000 }, '12 rows, 9 requests, 90 tokens, load L1')).toBe(
      'run 3 (1m 12s): succeeded (12 rows, 9 requests, 90 tokens, load L1); next run in 28m 48s',
    );
    expect(formatCycleLine({ ...base, outcome: 'succeeded', nextDelayMs: null }, '')).toBe('run 3 (1m 12s): succeeded');
  });

  it('adds the first line of a failure’s message', () => {
    const error = new SourceTransientError('Pipedrive answered 503\nstack …');
    expect(formatCycleLine({ ...base, outcome: 'failed', error, nextDelayMs: 1_800_000 })).toBe(
      'run 3 (1m 12s): failed: Pipedrive answered 503; next run in 30m',
    );
  });
});
