import { describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  BudgetExhaustedError,
  ConfigurationError,
  SourceTerminalError,
  SourceTransientError,
} from '../../../src/errors.js';
import { PipedriveClient, normalizeBaseUrl, type RequestEvent, type WaitEvent } from '../../../src/pipedrive/client.js';
import { TOKEN, VirtualClock, json, makeClient, ok, rejectionOf, seededRandom, text, worstCaseInWindow, type Responder } from './fakes.js';

const deals = (): Response => ok([{ id: 1 }], { next_cursor: null });

describe('PipedriveClient requests', () => {
  it('sends the token only in the x-api-token header, to <base>/api/v2 or <base>/v1', async () => {
    const { client, fake } = makeClient([deals]);
    const envelope = await client.get('v2', '/deals', { limit: 500, cursor: undefined, include_labels: true });
    await client.get('v1', '/users');
    expect(envelope).toEqual({ success: true, data: [{ id: 1 }], additional_data: { next_cursor: null } });
    const [v2, v1] = fake.calls;
    expect(v2?.url.href).toBe('https://acme.pipedrive.com/api/v2/deals?limit=500&include_labels=true');
    expect(v1?.url.href).toBe('https://acme.pipedrive.com/v1/users');
    for (const call of fake.calls) {
      expect(call.headers.get('x-api-token')).toBe(TOKEN);
      expect(call.url.href).not.toContain(TOKEN);
      expect(call.headers.get('accept')).toBe('application/json');
    }
  });

  it('defaults to api.pipedrive.com and tolerates trailing slashes and copied version suffixes', () => {
    expect(new PipedriveClient({ apiToken: TOKEN }).baseUrl).toBe('https://api.pipedrive.com');
    expect(normalizeBaseUrl('https://acme.pipedrive.com/')).toBe('https://acme.pipedrive.com');
    expect(normalizeBaseUrl('http://127.0.0.1:4010//')).toBe('http://127.0.0.1:4010');
    expect(normalizeBaseUrl('https://api.pipedrive.com/v1')).toBe('https://api.pipedrive.com');
    expect(normalizeBaseUrl('https://api.pipedrive.com/api/v2/')).toBe('https://api.pipedrive.com');
    expect(normalizeBaseUrl('http://localhost:9000/pipedrive/')).toBe('http://localhost:9000/pipedrive');
  });

  it('refuses unusable configuration with ConfigurationErrors that do not echo the token', () => {
    expect(() => new PipedriveClient({ apiToken: '  ' })).toThrow(ConfigurationError);
    const spaced = () => new PipedriveClient({ apiToken: `${TOKEN} x` });
    expect(spaced).toThrow(ConfigurationError);
    expect(() => new PipedriveClient({ apiToken: TOKEN, baseUrl: 'ftp://x' })).toThrow(ConfigurationError);
    expect(() => new PipedriveClient({ apiToken: TOKEN, requestsPer2s: 0 })).toThrow(ConfigurationError);
    expect(() => new PipedriveClient({ apiToken: TOKEN, maxTokens: -5 })).toThrow(ConfigurationError);
    const withQuery = rejectionOf(
      Promise.resolve().then(() => new PipedriveClient({ apiToken: TOKEN, baseUrl: `https://x.pipedrive.com/?api_token=${TOKEN}` })),
    );
    return withQuery.then((error) => {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(String((error as Error).message)).not.toContain(TOKEN);
    });
  });

  it('trims a token pasted with a trailing newline', async () => {
    const { client, fake } = makeClient([deals], { apiToken: `${TOKEN}\n` });
    await client.get('v2', '/deals');
    expect(fake.calls[0]?.headers.get('x-api-token')).toBe(TOKEN);
  });

  it('rejects paths with a query string (they would dodge the cost table)', async () => {
    const { client } = makeClient([deals]);
    await expect(client.get('v2', '/deals?limit=5')).rejects.toThrow(TypeError);
  });
});

/** The error a single scripted response (repeated forever) ends in. */
async function failWith(responder: Responder, options = {}): Promise<{ error: unknown; attempts: number }> {
  const { client, fake } = makeClient([responder], options);
  const error = await rejectionOf(client.get('v2', '/deals', { updated_since: '2026-01-01T00:00:00Z' }));
  return { error, attempts: fake.calls.length };
}

const envelopeError = (error: string, code: number) => ({ success: false, error, errorCode: code, data: null });

describe('PipedriveClient error mapping', () => {
  it('400 → SourceTerminalError(400) quoting Pipedrive, path without query', async () => {
    const { error, attempts } = await failWith(() => json(envelopeError('Invalid updated_since', 400), 400));
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect((error as SourceTerminalError).status).toBe(400);
    expect((error as Error).message).toContain('"Invalid updated_since"');
    expect((error as Error).message).toContain('GET https://acme.pipedrive.com/api/v2/deals');
    expect((error as Error).message).not.toContain('updated_since=');
    expect(attempts).toBe(1);
  });

  it('401 → AuthenticationError telling where the token lives', async () => {
    const { error, attempts } = await failWith(() => json(envelopeError('unauthorized access', 401), 401));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/rejected the API token/);
    expect((error as Error).message).toContain('PIPEDRIVE_API_TOKEN');
    expect((error as Error).message).toContain('Settings → Personal preferences → API');
    expect((error as Error).message).toContain('"unauthorized access"');
    expect(attempts).toBe(1);
  });

  it('402 → AuthenticationError about the company account', async () => {
    const { error } = await failWith(() => json(envelopeError('Company account is not open', 402), 402));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/account is not open/);
  });

  it('403 with JSON → SourceTerminalError(403) about permission, plan or add-on', async () => {
    const { error, attempts } = await failWith(() => json(envelopeError('You do not have permission', 403), 403));
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect((error as SourceTerminalError).status).toBe(403);
    expect((error as Error).message).toMatch(/permission/);
    expect((error as Error).message).toMatch(/plan or add-on/);
    expect(attempts).toBe(1);
  });

  it('403 with HTML (Cloudflare) → long shared waits, then SourceTransientError, not an auth error', async () => {
    const waits: WaitEvent[] = [];
    const page = '<!DOCTYPE html><title>Access denied | api.pipedrive.com used Cloudflare</title>';
    const { error, attempts } = await failWith(() => text(page, 403), { onWait: (e: WaitEvent) => waits.push(e) });
    expect(error).toBeInstanceOf(SourceTransientError);
    expect(attempts).toBe(4);
    expect(waits.filter((w) => w.reason === 'cloudflare').map((w) => w.ms)).toEqual([30_000, 60_000, 120_000]);
  });

  it('404 → SourceTerminalError(404) mentioning the URL setting and add-ons', async () => {
    const { error } = await failWith(() => json(envelopeError('Not found', 404), 404));
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect((error as SourceTerminalError).status).toBe(404);
    expect((error as Error).message).toMatch(/--pipedrive-url/);
    expect((error as Error).message).toMatch(/add-on/);
  });

  it('429 with remaining 0 → waits the reset and goes on', async () => {
    const waits: WaitEvent[] = [];
    const burst = () =>
      json(envelopeError('Request over limit', 429), 429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' });
    const { client, clock, fake } = makeClient([burst, deals], { onWait: (e) => waits.push(e) });
    const envelope = await client.get('v2', '/deals');
    expect(envelope.data).toEqual([{ id: 1 }]);
    expect(fake.calls).toHaveLength(2);
    expect(waits.map((w) => w.reason)).toContain('burst');
    expect((fake.calls[1]?.at ?? 0) - (fake.calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(2000);
    expect(clock.sleeps).toContain(2000);
  });

  it('429 otherwise → BudgetExhaustedError about midnight server time, no retry', async () => {
    const { error, attempts } = await failWith(() =>
      json(envelopeError('Request over limit', 429), 429, { 'x-ratelimit-remaining': '17', 'x-ratelimit-reset': '1' }),
    );
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect((error as Error).message).toMatch(/daily API token budget/);
    expect((error as Error).message).toMatch(/midnight in Pipedrive's server time/);
    expect(attempts).toBe(1);
  });

  it('after a daily-budget 429, later requests fail at once without being sent', async () => {
    const daily = () => json(envelopeError('Request over limit', 429), 429, { 'x-ratelimit-remaining': '5' });
    const { client, fake } = makeClient([daily, deals]);
    await expect(client.get('v2', '/deals')).rejects.toBeInstanceOf(BudgetExhaustedError);
    await expect(client.get('v2', '/persons', {}, { stream: 'persons' })).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(fake.calls).toHaveLength(1);
    expect(client.usage.total().requests).toBe(1);
  });

  it.each([500, 502, 503, 504, 524])('%i → retried, then SourceTransientError after 6 attempts', async (status) => {
    const { error, attempts } = await failWith(() => json(envelopeError('Internal error', status), status));
    expect(error).toBeInstanceOf(SourceTransientError);
    expect((error as Error).message).toContain(`HTTP ${status}`);
    expect(attempts).toBe(6);
  });

  it('a 5xx followed by success returns the data', async () => {
    const { client, fake } = makeClient([() => text('<html>Bad gateway</html>', 502), () => text('', 524), deals]);
    expect((await client.get('v2', '/deals')).data).toEqual([{ id: 1 }]);
    expect(fake.calls).toHaveLength(3);
  });

  it('connection reset → retried, then SourceTransientError naming the code', async () => {
    const reset = (): never => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    };
    const { error, attempts } = await failWith(reset);
    expect(error).toBeInstanceOf(SourceTransientError);
    expect((error as Error).message).toContain('ECONNRESET');
    expect(attempts).toBe(6);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('timeout (AbortSignal) → retried, then SourceTransientError', async () => {
    const hang: Responder = (_call, init) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const { error, attempts } = await failWith(hang, { requestTimeoutMs: 5, maxAttempts: 2 });
    expect(error).toBeInstanceOf(SourceTransientError);
    expect((error as Error).message).toMatch(/no complete response/);
    expect(attempts).toBe(2);
  });

  it.each<[string, () => Response]>([
    ['truncated JSON', () => new Response('{"success":true,"data":[{"id":1},{"id"', { status: 200 })],
    ['non-JSON 200', () => text('<html>maintenance</html>', 200)],
    ['200 with a null body', () => new Response('null', { status: 200 })],
    ['200 with an empty body', () => new Response('', { status: 200 })],
  ])('%s → retried, and succeeds when the next answer is good', async (_name, bad) => {
    const { client, fake } = makeClient([bad, bad, deals]);
    expect((await client.get('v2', '/deals')).data).toEqual([{ id: 1 }]);
    expect(fake.calls).toHaveLength(3);
    const { error } = await failWith(bad);
    expect(error).toBeInstanceOf(SourceTransientError);
  });

  it('success:false in a 200 → SourceTerminalError quoting Pipedrive', async () => {
    const { error, attempts } = await failWith(() => json({ success: false, error: 'Filter not found' }, 200));
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect((error as Error).message).toContain('success: false');
    expect((error as Error).message).toContain('"Filter not found"');
    expect(attempts).toBe(1);
  });

  it('JSON that is not an envelope → SourceTerminalError, no retry', async () => {
    const { error, attempts } = await failWith(() => json({ hello: 'world' }));
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect(attempts).toBe(1);
  });

  it('a redirect is not followed (the token header must not travel) → SourceTerminalError', async () => {
    const { error, attempts } = await failWith((_call, init) => {
      expect(init?.redirect).toBe('manual');
      return new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } });
    });
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect((error as Error).message).toMatch(/redirect/);
    expect(attempts).toBe(1);
  });
});

interface ArrivalCountingServer {
  readonly fetch: typeof fetch;
  /** Each answered request's sending and answer times. */
  readonly served: { sent: number; answered: number }[];
  rejected(): number;
}

/**
 * A server with Pipedrive's burst window: it counts a request when it arrives (after `uplink` ms),
 * answers `downlink` ms later, and refuses with a 429 a request that finds `limit` in the last
 * 2 s. `withHeaders`: every answer carries x-ratelimit-limit / -remaining / -reset (whole seconds,
 * rounded up) as Pipedrive's do; otherwise only the 429 says anything.
 */
function arrivalCountingServer(
  clock: VirtualClock,
  limit: number,
  delays: { readonly uplink: () => number; readonly downlink: () => number },
  withHeaders: boolean,
): ArrivalCountingServer {
  const arrivals: number[] = [];
  const served: { sent: number; answered: number }[] = [];
  let rejected = 0;
  const limitHeader: Record<string, string> = withHeaders ? { 'x-ratelimit-limit': String(limit) } : {};
  const fetchImpl = (async () => {
    const sent = clock.now();
    await clock.sleep(delays.uplink());
    const arrived = clock.now();
    const counted = arrivals.filter((a) => a > arrived - 2000);
    await clock.sleep(delays.downlink());
    served.push({ sent, answered: clock.now() });
    if (counted.length >= limit) {
      rejected += 1;
      return json({ success: false, error: 'Request over limit' }, 429, { ...limitHeader, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' });
    }
    arrivals.push(arrived);
    if (!withHeaders) return deals();
    const reset = Math.max(1, Math.ceil(((counted[0] ?? arrived) + 2000 - arrived) / 1000));
    return ok([], undefined, { ...limitHeader, 'x-ratelimit-remaining': String(limit - counted.length - 1), 'x-ratelimit-reset': String(reset) });
  }) as typeof fetch;
  return { fetch: fetchImpl, served, rejected: () => rejected };
}

/** Reads `pages` pages of /deals per stream name, the streams concurrently, each page after the last. */
function readStreams(client: PipedriveClient, pages: Readonly<Record<string, number>>): Promise<void[]> {
  const stream = async (name: string, count: number): Promise<void> => {
    for (let page = 0; page < count; page++) await client.get('v2', '/deals', { cursor: `${name}-${page}` }, { stream: name });
  };
  return Promise.all(Object.entries(pages).map(([name, count]) => stream(name, count)));
}

describe('PipedriveClient pacing', () => {
  it('waits for x-ratelimit-reset when x-ratelimit-remaining reaches 0, before the next request', async () => {
    const waits: WaitEvent[] = [];
    const spent = () => ok([], undefined, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' });
    const { client, fake } = makeClient([spent, deals], { onWait: (e) => waits.push(e) });
    await client.get('v2', '/deals');
    await client.get('v2', '/deals');
    expect(waits).toEqual([{ reason: 'pacing', ms: 2000, stream: '(unscoped)', api: 'v2', path: '/deals' }]);
    expect((fake.calls[1]?.at ?? 0) - (fake.calls[0]?.at ?? 0)).toBe(2000);
  });

  it('does not wait while the window has room', async () => {
    const roomy = () => ok([], undefined, { 'x-ratelimit-remaining': '15', 'x-ratelimit-reset': '2' });
    const { client, clock } = makeClient([roomy]);
    for (let i = 0; i < 5; i++) await client.get('v2', '/deals');
    expect(clock.sleeps).toEqual([]);
  });

  it('shares the client-side limit between concurrent callers: never N+1 in 2 s', async () => {
    const { client, fake } = makeClient([deals], { requestsPer2s: 4 });
    await Promise.all(Array.from({ length: 13 }, (_, i) => client.get('v2', '/deals', {}, { stream: `s${i % 3}` })));
    const times = fake.calls.map((c) => c.at).sort((a, b) => a - b);
    expect(times).toHaveLength(13);
    for (let i = 0; i + 4 < times.length; i++) {
      expect((times[i + 4] ?? 0) - (times[i] ?? 0)).toBeGreaterThanOrEqual(2000);
    }
  });

  it('holds the limit with real (faked) timers and concurrent callers', async () => {
    vi.useFakeTimers();
    try {
      const starts: number[] = [];
      const client = new PipedriveClient({
        apiToken: TOKEN,
        requestsPer2s: 5,
        fetch: (async () => {
          starts.push(Date.now());
          return deals();
        }) as typeof fetch,
      });
      const all = Promise.all(Array.from({ length: 23 }, () => client.get('v2', '/deals')));
      await vi.advanceTimersByTimeAsync(20_000);
      await all;
      const t0 = starts[0] ?? 0;
      const offsets = starts.map((t) => t - t0);
      expect(offsets).toHaveLength(23);
      for (let i = 0; i + 5 < offsets.length; i++) {
        expect((offsets[i + 5] ?? 0) - (offsets[i] ?? 0)).toBeGreaterThanOrEqual(2000);
      }
      expect(Math.max(...offsets)).toBe(8000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('concurrent streams against a strict server window with uneven latency: no 429, every page read', async () => {
    // The server counts a request when it arrives, after a random uplink delay; a limiter that
    // counted only send times would collide with it at the window boundaries.
    const clock = new VirtualClock();
    const random = seededRandom(7);
    const limit = 5;
    const server = arrivalCountingServer(clock, limit, { uplink: () => Math.floor(random() * 400), downlink: () => Math.floor(random() * 400) }, false);
    const client = new PipedriveClient({ apiToken: TOKEN, requestsPer2s: limit, fetch: server.fetch, now: clock.now, sleep: clock.sleep });
    await clock.run(readStreams(client, { deals: 12, persons: 9, activities: 15, products: 2 }));
    expect(server.rejected()).toBe(0);
    expect(Object.fromEntries([...client.usage.byStream()].map(([name, usage]) => [name, usage.requests]))).toEqual({
      deals: 12,
      persons: 9,
      activities: 15,
      products: 2,
    });
    expect(worstCaseInWindow(server.served, 2000)).toBeLessThanOrEqual(limit);
  });

  it('alone on its token at full speed: paced by its own window, not also by the whole seconds of x-ratelimit-reset', async () => {
    // A server that counts arrivals and answers with Pipedrive's headers (reset in whole seconds,
    // rounded up). Every request it counts is the client's own, so its limiter already holds back
    // enough; pausing on each remaining=0 as well cost up to a second a window.
    const clock = new VirtualClock();
    const random = seededRandom(11);
    const limit = 20;
    const server = arrivalCountingServer(clock, limit, { uplink: () => 50 + Math.floor(random() * 100), downlink: () => 100 + Math.floor(random() * 100) }, true);
    const client = new PipedriveClient({ apiToken: TOKEN, requestsPer2s: limit, fetch: server.fetch, now: clock.now, sleep: clock.sleep });
    const started = clock.now();
    await clock.run(readStreams(client, { deals: 40, persons: 40, activities: 40, organizations: 40, notes: 40, leads: 40 }));
    expect(server.rejected()).toBe(0);
    expect(worstCaseInWindow(server.served, 2000)).toBeLessThanOrEqual(limit);
    // 240 requests, 20 a window, each counted by the client until 2 s after its answer (≤ 350 ms):
    // 12 windows of at most 2.35 s; it takes 26.1 s. Pausing also whenever remaining fell to the
    // requests in flight, it took 30.2 s.
    expect(clock.now() - started).toBeLessThanOrEqual(12 * 2350);
  });

  it('lowers its limit to x-ratelimit-limit when the plan allows less', async () => {
    const small = () => ok([], undefined, { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '9' });
    const { client, fake } = makeClient([small], { requestsPer2s: 20 });
    for (let i = 0; i < 5; i++) await client.get('v2', '/deals');
    const times = fake.calls.map((c) => c.at - (fake.calls[0]?.at ?? 0));
    expect(times).toEqual([0, 0, 2000, 2000, 4000]);
  });
});

describe('PipedriveClient token accounting', () => {
  it('charges tokenCost per request and per stream', async () => {
    const { client } = makeClient([deals]);
    await client.get('v2', '/deals', {}, { stream: 'deals' });
    await client.get('v2', '/deals', {}, { stream: 'deals' });
    await client.get('v2', '/pipelines', {}, { stream: 'pipelines' });
    await client.get('v1', '/users', {}, { stream: 'users' });
    await client.get('v2', '/deals/42');
    expect(Object.fromEntries(client.usage.byStream())).toEqual({
      deals: { requests: 2, tokens: 20 },
      pipelines: { requests: 1, tokens: 5 },
      users: { requests: 1, tokens: 20 },
      '(unscoped)': { requests: 1, tokens: 1 },
    });
    expect(client.usage.total()).toEqual({ requests: 5, tokens: 46 });
  });

  it('counts retried attempts, which Pipedrive charges too', async () => {
    const events: RequestEvent[] = [];
    const { client } = makeClient([() => text('oops', 503), () => text('oops', 500), deals], {
      onRequest: (e) => events.push(e),
    });
    await client.get('v2', '/deals/archived', {}, { stream: 'deals_archived' });
    expect(client.usage.forStream('deals_archived')).toEqual({ requests: 3, tokens: 60 });
    expect(events.map((e) => [e.attempt, e.status, e.tokens])).toEqual([
      [1, 503, 20],
      [2, 500, 20],
      [3, 200, 20],
    ]);
    expect(events[0]?.failure).toBe('HTTP 503 (non-JSON body)');
    expect(events[2]?.failure).toBeUndefined();
    expect(events.every((e) => e.path === '/deals/archived' && e.api === 'v2')).toBe(true);
  });

  it('stops with BudgetExhaustedError before a request that would pass maxTokens', async () => {
    const { client, fake } = makeClient([deals], { maxTokens: 25 });
    await client.get('v2', '/deals');
    await client.get('v2', '/deals');
    const error = await rejectionOf(client.get('v2', '/deals'));
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect((error as Error).message).toMatch(/stopped at the --max-tokens cap/i);
    expect(fake.calls).toHaveLength(2);
    expect(client.usage.total()).toEqual({ requests: 2, tokens: 20 });
    // A cheaper request that still fits is allowed.
    await client.get('v2', '/pipelines');
    expect(client.usage.total().tokens).toBe(25);
  });

  it('stops mid-retry when the retries would pass maxTokens', async () => {
    const { client, fake } = makeClient([() => text('busy', 503)], { maxTokens: 30 });
    const error = await rejectionOf(client.get('v2', '/deals'));
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect(fake.calls).toHaveLength(3);
  });

  it('holds the cap under concurrent callers', async () => {
    const { client, fake } = makeClient([deals], { maxTokens: 45 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.get('v2', '/deals')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(fake.calls).toHaveLength(4);
    expect(client.usage.total().tokens).toBe(40);
  });
});
