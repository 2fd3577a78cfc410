/**
 * Test doubles for the Pipedrive client: a simulated clock whose `sleep` advances time at once
 * (and records every wait), a virtual clock for many concurrent sleepers, and a scripted `fetch`
 * that records what it was asked.
 */
import { PipedriveClient, type PipedriveClientOptions } from '../../../src/pipedrive/client.js';

export const TOKEN = 'tok_5e3c9a1f0b7d4e2a8c6f1d3b5a7e9c0f2d4b6a8e';

export class FakeClock {
  t = 1_000_000;
  readonly sleeps: number[] = [];
  readonly now = (): number => this.t;
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
  };
}

/**
 * Virtual time for concurrent callers: `sleep` registers a timer, and `run` lets everything that
 * can run finish, then jumps to the earliest timer, until the work settles. Unlike FakeClock,
 * concurrent sleeps overlap as they would on a real clock. No wall time passes, and a deadlock
 * (nothing runnable, no timer pending) fails the test instead of hanging it.
 */
export class VirtualClock {
  t = 0;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;

  readonly now = (): number => this.t;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, resolve });
    });

  async run<T>(work: Promise<T>, maxSteps = 1_000_000): Promise<T> {
    let finished = false;
    work.then(
      () => (finished = true),
      () => (finished = true),
    );
    for (let step = 0; step < maxSteps; step++) {
      await settleCallbacks();
      if (finished) return work;
      const next = this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq).shift();
      if (!next) throw new Error(`VirtualClock: deadlock at t=${this.t}: nothing can run and no timer is pending`);
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    throw new Error(`VirtualClock: still running after ${maxSteps} timers`);
  }
}

/** A few turns of the event loop: every promise chain that does not wait on a timer completes. */
async function settleCallbacks(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A small seeded PRNG (mulberry32), so randomised tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The most requests a server with a rolling window could have counted at once, whatever each
 * request's arrival time inside its [sent, answered] interval: the largest number of intervals
 * meeting one window (s, s + windowMs]. The maximum is reached with s at some `sent − windowMs`.
 */
export function worstCaseInWindow(intervals: readonly { sent: number; answered: number }[], windowMs: number): number {
  let most = 0;
  for (const candidate of intervals) {
    const s = candidate.sent - windowMs;
    const meeting = intervals.filter((i) => i.sent <= s + windowMs && i.answered > s).length;
    most = Math.max(most, meeting);
  }
  return most;
}

export interface RecordedCall {
  readonly url: URL;
  readonly headers: Headers;
  readonly at: number;
}

export type Responder = (call: RecordedCall, init: RequestInit | undefined) => Promise<Response> | Response;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function text(body: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html', ...headers } });
}

export function ok(data: unknown, additional_data?: unknown, headers: Record<string, string> = {}): Response {
  return json({ success: true, data, ...(additional_data === undefined ? {} : { additional_data }) }, 200, headers);
}

/**
 * A fetch that answers from a script: each call takes the next responder (the last one repeats).
 * A responder may throw to simulate a network error.
 */
export class ScriptedFetch {
  readonly calls: RecordedCall[] = [];
  private index = 0;

  constructor(
    private readonly script: Responder[],
    private readonly clock?: FakeClock,
  ) {}

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const call: RecordedCall = { url, headers: new Headers(init?.headers), at: this.clock?.now() ?? Date.now() };
    this.calls.push(call);
    const responder = this.script[Math.min(this.index, this.script.length - 1)];
    this.index += 1;
    if (!responder) throw new Error('ScriptedFetch: empty script');
    return responder(call, init);
  }) as typeof fetch;
}

/** A client on a fake clock and scripted fetch, with `random` fixed unless given. */
export function makeClient(
  script: Responder[],
  options: Partial<PipedriveClientOptions> = {},
): { client: PipedriveClient; clock: FakeClock; fake: ScriptedFetch } {
  const clock = new FakeClock();
  const fake = new ScriptedFetch(script, clock);
  const client = new PipedriveClient({
    apiToken: TOKEN,
    baseUrl: 'https://acme.pipedrive.com',
    fetch: fake.fetch,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    ...options,
  });
  return { client, clock, fake };
}

/** Every string a person or a log could see of an error, down its cause chain. */
export function everythingVisible(error: unknown, depth = 0): string {
  if (depth > 8) return '';
  const parts: string[] = [String(error)];
  if (error instanceof Error) {
    parts.push(error.message, error.stack ?? '');
    try {
      parts.push(JSON.stringify(error));
    } catch {
      parts.push('[unserializable]');
    }
    for (const key of Object.getOwnPropertyNames(error)) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (key === 'cause') parts.push(everythingVisible(value, depth + 1));
      else if (typeof value === 'string') parts.push(value);
      else if (typeof value === 'object' && value !== null) parts.push(safeJson(value));
    }
  } else if (typeof error === 'object' && error !== null) {
    parts.push(safeJson(error));
  }
  return parts.join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unserializable]';
  }
}

/** Awaits a promise that must reject and returns the rejection. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
