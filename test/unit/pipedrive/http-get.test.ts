import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpGet } from '../../../src/pipedrive/http-get.js';
import { makeClient } from './fakes.js';

const PAGE = JSON.stringify({ success: true, data: [{ id: 1, title: 'Ünïcödé 🚀' }], additional_data: { next_cursor: null } });
const DATE = 'Tue, 01 Jul 2025 10:00:00 GMT';

describe('nodeHttpGet, the default transport', () => {
  let server: http.Server;
  let base = '';
  const redirectedTo: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const accepts = String(req.headers['accept-encoding'] ?? '');
      if (path.endsWith('/gzip') && accepts.includes('gzip')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', date: DATE });
        res.end(gzipSync(PAGE));
      } else if (path.endsWith('/br') && accepts.includes('br')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
        res.end(brotliCompressSync(PAGE));
      } else if (path.endsWith('/chunked')) {
        // No content-length: the body arrives in pieces and is joined.
        res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '7' });
        const bytes = Buffer.from(PAGE);
        res.write(bytes.subarray(0, 10));
        setTimeout(() => res.end(bytes.subarray(10)), 5);
      } else if (path.endsWith('/redirect')) {
        res.writeHead(302, { location: `${base}/elsewhere` });
        res.end();
      } else if (path.endsWith('/elsewhere')) {
        redirectedTo.push(String(req.headers['x-api-token']));
        res.end(PAGE);
      } else if (path.endsWith('/stall')) {
        // Headers and half the body, then nothing: the timeout must still fire.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(PAGE)) });
        res.write(PAGE.slice(0, 20));
      } else {
        res.writeHead(200, { 'content-type': 'application/json', date: DATE });
        res.end(PAGE);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = (path: string, signal = new AbortController().signal) => nodeHttpGet(new URL(`${base}${path}`), { accept: 'application/json' }, signal);

  it.each(['/plain', '/gzip', '/br', '/chunked'])('reads %s to the bytes the server meant', async (path) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(Buffer.from(response.body).toString('utf8')).toBe(PAGE);
  });

  it('hands over the headers', async () => {
    expect((await get('/gzip')).headers.get('date')).toBe(DATE);
    expect((await get('/chunked')).headers.get('x-ratelimit-remaining')).toBe('7');
  });

  it('answers a redirect as it is and never follows it', async () => {
    const response = await get('/redirect');
    expect(response.status).toBe(302);
    expect(redirectedTo).toEqual([]);
  });

  it('rejects when the signal aborts in the middle of the body', async () => {
    const controller = new AbortController();
    const pending = get('/stall', controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
  });

  it('through the client: pages parse, the Date header sets the server clock, a stalled body times out', async () => {
    const { client } = makeClient([], { fetch: undefined, baseUrl: base, maxAttempts: 1, requestTimeoutMs: 1_000, now: Date.now });
    const envelope = await client.get('v2', '/gzip');
    expect(envelope.data).toEqual([{ id: 1, title: 'Ünïcödé 🚀' }]);
    expect(client.serverTime()).toBe(Date.parse(DATE));
    await expect(client.get('v2', '/stall')).rejects.toThrow(/no complete response within/);
  });
});
