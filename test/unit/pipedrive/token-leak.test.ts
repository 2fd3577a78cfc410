/**
 * The API token must never be visible in an error: not in message, stack, String(), JSON, own
 * properties or anywhere down the cause chain, for every kind of failure. Pipedrive's error text
 * and fetch's own errors are deliberately made to contain the token here.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LoaderError } from '../../../src/errors.js';
import { REDACTED, redact, sanitizeError } from '../../../src/redact.js';
import { TOKEN, everythingVisible, json, makeClient, rejectionOf, text, type Responder } from './fakes.js';

const echo = (status: number) => () =>
  json({ success: false, error: `invalid api_token=${TOKEN}`, error_info: `header x-api-token: ${TOKEN}` }, status, {
    'x-ratelimit-remaining': status === 429 ? '3' : '10',
  });

const fakeScenarios: [string, Responder[], Record<string, unknown>?][] = [
  ['400', [echo(400)]],
  ['401', [echo(401)]],
  ['402', [echo(402)]],
  ['403 JSON', [echo(403)]],
  ['403 HTML (Cloudflare)', [() => text(`<html>blocked request with token ${TOKEN}</html>`, 403)]],
  ['404', [echo(404)]],
  ['429 daily', [echo(429)]],
  [
    '429 burst, bounded',
    [() => json({ success: false, error: `over limit ${TOKEN}` }, 429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' })],
    { retry: { maxBurstRetries: 2 } },
  ],
  ['500 after retries', [echo(500)]],
  ['524 after retries', [() => text(`<html>timeout ${TOKEN}</html>`, 524)]],
  ['success:false', [echo(200)]],
  ['truncated', [() => new Response(`{"success":true,"data":"${TOKEN}`, { status: 200 })]],
  ['non-JSON 200', [() => text(`<p>${TOKEN}</p>`, 200)]],
  [
    'network error quoting URL and headers',
    [
      (call) => {
        const inner = Object.assign(new Error(`connect to ${call.url.href}?api_token=${TOKEN} failed`), {
          code: 'ECONNRESET',
          headers: { 'x-api-token': TOKEN },
          cause: new Error(`deeper: ${encodeURIComponent(TOKEN)}`),
        });
        throw new TypeError(`fetch failed for token ${TOKEN}`, { cause: inner });
      },
    ],
  ],
  ['thrown non-Error value', [() => Promise.reject({ token: TOKEN })]],
  [
    'timeout',
    [
      (_call, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new Error(`aborted request with ${TOKEN}`)));
        }),
    ],
    { requestTimeoutMs: 5 },
  ],
];

describe('the token never leaks through errors', () => {
  it.each(fakeScenarios)('%s', async (_name, script, options = {}) => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const printed = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { client } = makeClient(script, { maxAttempts: 2, ...options });
      const error = await rejectionOf(client.get('v2', '/deals', { start: 0 }));
      expect(error).toBeInstanceOf(LoaderError);
      const visible = everythingVisible(error);
      expect(visible).not.toContain(TOKEN);
      expect(visible).not.toContain(encodeURIComponent(TOKEN));
      for (const spy of [logged, warned, printed]) expect(JSON.stringify(spy.mock.calls)).not.toContain(TOKEN);
    } finally {
      logged.mockRestore();
      warned.mockRestore();
      printed.mockRestore();
    }
  });

  it('the max-tokens stop does not mention it either', async () => {
    const { client } = makeClient([() => json({ success: true, data: [] })], { maxTokens: 5 });
    const error = await rejectionOf(client.get('v2', '/deals'));
    expect(everythingVisible(error)).not.toContain(TOKEN);
  });

  it('the client object itself does not show the token when inspected or serialized', async () => {
    const { client } = makeClient([() => json({ success: true, data: [] })]);
    const { inspect } = await import('node:util');
    expect(inspect(client, { depth: 5 })).not.toContain(TOKEN);
    expect(JSON.stringify(client)).not.toContain(TOKEN);
  });
});

// The default transport (node:http, http-get.ts) and a caller's fetch must behave alike.
describe.each([
  ['node:http', { fetch: undefined }],
  ['fetch', { fetch: globalThis.fetch }],
])('against a real socket on 127.0.0.1, through %s', (_transport, transport) => {
  let server: http.Server;
  let base = '';
  const seen: { url: string; token: string | undefined }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', token: req.headers['x-api-token'] as string | undefined });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.endsWith('/reset')) {
        req.socket.destroy();
      } else if (path.endsWith('/truncated')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"success":true,"data":[{"id":1},');
        setTimeout(() => req.socket.destroy(), 5);
      } else if (path.endsWith('/hang')) {
        // never answers
      } else if (path.endsWith('/cloudflare')) {
        res.writeHead(403, { 'content-type': 'text/html' });
        res.end('<!DOCTYPE html><html>Attention Required! | Cloudflare</html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '19', 'x-ratelimit-reset': '2' });
        res.end(JSON.stringify({ success: true, data: [{ id: 7 }], additional_data: { next_cursor: null } }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const realClient = (options: Record<string, unknown> = {}) =>
    makeClient([], { ...transport, baseUrl: base, maxAttempts: 2, ...options }).client;

  it('a good request carries the token in the header only', async () => {
    const envelope = await realClient().get('v2', '/deals', { limit: 500 });
    expect(envelope.data).toEqual([{ id: 7 }]);
    const last = seen[seen.length - 1];
    expect(last?.token).toBe(TOKEN);
    expect(last?.url).toBe('/api/v2/deals?limit=500');
  });

  it.each([
    ['connection reset', '/reset', {}],
    ['truncated body', '/truncated', {}],
    ['timeout', '/hang', { requestTimeoutMs: 50 }],
    ['Cloudflare HTML 403', '/cloudflare', { retry: { cloudflareRetries: 1 } }],
  ])('%s → SourceTransientError without the token', async (_name, path, options) => {
    const error = await rejectionOf(realClient(options).get('v1', path));
    expect(error).toBeInstanceOf(LoaderError);
    expect((error as LoaderError).transient).toBe(true);
    expect(everythingVisible(error)).not.toContain(TOKEN);
  });

  it('connection refused → SourceTransientError without the token', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { client } = makeClient([], { ...transport, baseUrl: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    const error = await rejectionOf(client.get('v2', '/deals'));
    expect((error as LoaderError).transient).toBe(true);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(everythingVisible(error)).not.toContain(TOKEN);
  });
});

describe('redact and sanitizeError', () => {
  it('replaces every occurrence, URL-encoded forms too, and ignores empty secrets', () => {
    const secret = 'a+b/c=d';
    const line = `x ${secret} y ${encodeURIComponent(secret)} z ${secret}`;
    expect(redact(line, [secret, ''])).toBe(`x ${REDACTED} y ${REDACTED} z ${REDACTED}`);
    expect(redact('nothing here', [''])).toBe('nothing here');
  });

  it('removes the longer secret whole when one contains another', () => {
    expect(redact('key=abcdef', ['abc', 'abcdef'])).toBe(`key=${REDACTED}`);
  });

  it('copies name, code and the cause chain with everything redacted', () => {
    const original = new TypeError(`fetch failed ${TOKEN}`, {
      cause: Object.assign(new Error(`socket ${TOKEN}`), { code: 'UND_ERR_SOCKET' }),
    });
    const safe = sanitizeError(original, [TOKEN]);
    expect(safe.name).toBe('TypeError');
    expect(safe.message).toBe(`fetch failed ${REDACTED}`);
    expect((safe.cause as Error & { code?: string }).code).toBe('UND_ERR_SOCKET');
    expect(everythingVisible(safe)).not.toContain(TOKEN);
    expect(sanitizeError({ token: TOKEN }, [TOKEN]).message).not.toContain(TOKEN);
  });
});
