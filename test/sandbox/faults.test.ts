import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultKind, Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { control, get } from './http.js';

let sandbox: Sandbox;
let baseline: string;
const PATH = '/api/v2/deals?limit=20';

beforeAll(async () => {
  sandbox = await startSandbox({ deals: 100, seed: 21 });
  baseline = (await get(sandbox, PATH)).text;
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.faults.clear());

async function expectRecovered(): Promise<void> {
  const next = await get(sandbox, PATH);
  expect(next.status).toBe(200);
  expect(next.text).toBe(baseline);
}

describe('fault kinds', () => {
  it.each([
    ['500', 500, 'json'],
    ['503', 503, 'json'],
    ['502', 502, 'html'],
    ['504', 504, 'html'],
    ['524', 524, 'html'],
    ['cloudflare-403', 403, 'html'],
  ] as const)('%s answers %i (%s) once, then the data is unchanged', async (kind, status, format) => {
    sandbox.faults.inject({ kind, path: '/api/v2/deals' });
    const response = await get(sandbox, PATH);
    expect(response.status).toBe(status);
    if (format === 'json') expect(response.json()).toMatchObject({ success: false, errorCode: status });
    else {
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(() => JSON.parse(response.text)).toThrow();
    }
    await expectRecovered();
  });

  it('429-burst has remaining 0; 429-daily has remaining > 0', async () => {
    sandbox.faults.inject({ kind: '429-burst' });
    const burst = await get(sandbox, PATH);
    expect(burst.status).toBe(429);
    expect(burst.headers.get('x-ratelimit-remaining')).toBe('0');
    sandbox.faults.inject({ kind: '429-daily' });
    const daily = await get(sandbox, PATH);
    expect(daily.status).toBe(429);
    expect(Number(daily.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    expect(daily.json()).toMatchObject({ success: false, errorCode: 429 });
    await expectRecovered();
  });

  it('truncated: a 200 whose JSON stops half-way through the real body', async () => {
    sandbox.faults.inject({ kind: 'truncated' });
    const response = await get(sandbox, PATH);
    expect(response.status).toBe(200);
    expect(() => JSON.parse(response.text)).toThrow();
    expect(baseline.startsWith(response.text)).toBe(true);
    expect(response.text.length).toBeLessThan(baseline.length);
    await expectRecovered();
  });

  it('non-json: a 200 with an HTML body', async () => {
    sandbox.faults.inject({ kind: 'non-json' });
    const response = await get(sandbox, PATH);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(() => JSON.parse(response.text)).toThrow();
    await expectRecovered();
  });

  it('drop: the socket dies mid-response', async () => {
    sandbox.faults.inject({ kind: 'drop' });
    await expect(fetch(sandbox.url + PATH, { headers: { 'x-api-token': sandbox.adminToken } }).then((r) => r.text())).rejects.toThrow();
    await expectRecovered();
  });

  it('slow: the same body, delivered no sooner than delayMs', async () => {
    sandbox.faults.inject({ kind: 'slow', delayMs: 250 });
    const started = performance.now();
    const response = await get(sandbox, PATH);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(response.text).toBe(baseline);
  });
});

describe('fault matching', () => {
  it('a string path matches exactly, a RegExp by test; times limits the count', async () => {
    sandbox.faults.inject({ kind: '500', path: '/api/v2/persons', times: 2 });
    expect((await get(sandbox, PATH)).status).toBe(200);
    expect((await get(sandbox, '/api/v2/persons')).status).toBe(500);
    expect((await get(sandbox, '/api/v2/persons')).status).toBe(500);
    expect((await get(sandbox, '/api/v2/persons')).status).toBe(200);
    sandbox.faults.inject({ kind: '503', path: /Fields$/ });
    expect((await get(sandbox, '/api/v2/dealFields')).status).toBe(503);
    expect(sandbox.faults.pending).toBe(0);
  });

  it('everyNth fires on every Nth matching request until cleared', async () => {
    sandbox.faults.inject({ kind: '502', path: '/api/v2/deals', everyNth: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(sandbox, PATH)).status);
    expect(statuses).toEqual([200, 200, 502, 200, 200, 502, 200]);
    sandbox.faults.clear();
    expect((await get(sandbox, PATH)).status).toBe(200);
  });

  it('can be driven over HTTP: POST and DELETE /_sandbox/faults', async () => {
    const injected = await control(sandbox, 'POST', '/_sandbox/faults', { kind: '524', pathPattern: '^/api/v2/deals$', times: 1 });
    expect(injected.body).toEqual({ success: true, data: { pending: 1 } });
    expect((await get(sandbox, PATH)).status).toBe(524);
    await control(sandbox, 'POST', '/_sandbox/faults', { kind: '500', everyNth: 1 });
    await control(sandbox, 'DELETE', '/_sandbox/faults');
    await expectRecovered();
    const rejected = await control(sandbox, 'POST', '/_sandbox/faults', { kind: 'gremlins' as FaultKind });
    expect(rejected.status).toBe(400);
  });
});
