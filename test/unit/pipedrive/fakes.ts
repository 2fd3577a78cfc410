/**
 * Test doubles for the Pipedrive client: a simulated clock whose `sleep` advances time at once
 * (and records every wait), and a scripted `fetch` that records what it was asked.
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
