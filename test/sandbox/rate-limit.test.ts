import { afterEach, describe, expect, it } from 'vitest';
import { tokenCost } from '../../src/pipedrive/costs.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { RateLimiter } from '../../src/sandbox/rate-limit.js';
import { control, get } from './http.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('rate-limit headers and burst window', () => {
  it('every response carries x-ratelimit-limit/remaining/reset (relative seconds)', async () => {
    sandbox = await startSandbox({ deals: 50, requestsPer2s: 40 });
    const first = await get(sandbox, '/api/v2/deals');
    const second = await get(sandbox, '/api/v2/deals');
    expect(first.headers.get('x-ratelimit-limit')).toBe('40');
    expect(Number(first.headers.get('x-ratelimit-remaining'))).toBe(39);
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(38);
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(2);
    const unauthorized = await get(sandbox, '/api/v2/deals', 'wrong');
    expect(unauthorized.headers.get('x-ratelimit-limit')).toBe('40');
  });

  it('over the burst: 429 with remaining 0 and the JSON envelope; nothing is charged', async () => {
    sandbox = await startSandbox({ deals: 50, requestsPer2s: 5 });
    const responses = await Promise.all(Array.from({ length: 7 }, () => get(sandbox as Sandbox, '/api/v2/deals')));
    const limited = responses.filter((r) => r.status === 429);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
    expect(limited).toHaveLength(2);
    for (const response of limited) {
      expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(response.json()).toMatchObject({ success: false, errorCode: 429 });
    }
    expect(sandbox.stats.tokens).toBe(5 * tokenCost('v2', 'GET', '/deals'));
    expect(sandbox.stats.requests).toBe(7);
  });

  it('a token that keeps hammering after ten 429s gets a Cloudflare HTML 403', async () => {
    sandbox = await startSandbox({ deals: 50, requestsPer2s: 1 });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 13; i++) {
      last = await get(sandbox, '/api/v2/pipelines');
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 11)).toEqual([200, ...Array<number>(10).fill(429)]);
    expect(statuses.slice(11)).toEqual([403, 403]);
    expect(last?.headers.get('content-type')).toMatch(/text\/html/);
    expect(last?.text).toContain('Cloudflare');
    // Another token is not affected.
    expect((await get(sandbox, '/api/v2/pipelines', sandbox.userToken)).status).toBe(200);
  });

  it('the window rolls, and a blocked token is let back in after one quiet window (unit, injected time)', () => {
    const limiter = new RateLimiter(2, 1_000_000, () => 0);
    expect(limiter.admit('t', 1, 0).outcome).toBe('ok');
    expect(limiter.admit('t', 1, 100).outcome).toBe('ok');
    expect(limiter.admit('t', 1, 200)).toMatchObject({ outcome: 'burst', remaining: 0, reset: 2 });
    expect(limiter.admit('t', 1, 1_500)).toMatchObject({ outcome: 'burst', reset: 1 });
    expect(limiter.admit('t', 1, 2_050)).toMatchObject({ outcome: 'ok', remaining: 0 });
    expect(limiter.admit('t', 1, 2_100).outcome).toBe('ok'); // 100 left the window
    for (let i = 0; i < 10; i++) expect(limiter.admit('t', 1, 2_110 + i).outcome).toBe('burst');
    expect(limiter.admit('t', 1, 2_200).outcome).toBe('blocked');
    expect(limiter.admit('t', 1, 4_000).outcome).toBe('blocked'); // still hammering: stays blocked
    expect(limiter.admit('t', 1, 6_500).outcome).toBe('ok');
  });
});

describe('daily token budget', () => {
  it('spends each request’s token cost company-wide; when spent, 429 with remaining > 0; resets at sandbox midnight', async () => {
    sandbox = await startSandbox({ deals: 50, dailyTokenBudget: 25, now: '2026-06-01T12:00:00Z' });
    expect((await get(sandbox, '/api/v2/deals')).status).toBe(200); // 10
    expect((await get(sandbox, '/api/v2/deals', sandbox.userToken)).status).toBe(200); // 20: shared budget
    const over = await get(sandbox, '/api/v2/deals'); // would be 30
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    expect(over.json()).toMatchObject({ success: false, errorCode: 429 });
    expect((await get(sandbox, '/api/v2/pipelines')).status).toBe(200); // 25: cost 5 still fits
    expect((await get(sandbox, '/v1/users/me')).status).toBe(429);
    sandbox.clock.advance(12 * 3600);
    expect((await get(sandbox, '/api/v2/deals')).status).toBe(200);
  });

  it('stats count requests and tokens per route template and reset over HTTP', async () => {
    sandbox = await startSandbox({ deals: 50 });
    await get(sandbox, '/api/v2/deals?limit=5');
    await get(sandbox, '/api/v2/deals/archived');
    await get(sandbox, '/v1/users/me');
    await get(sandbox, '/api/v2/stages');
    expect(sandbox.stats.byRoute).toEqual({
      'GET /api/v2/deals': { requests: 1, tokens: 10 },
      'GET /api/v2/deals/archived': { requests: 1, tokens: 20 },
      'GET /api/v1/users/me': { requests: 1, tokens: 2 },
      'GET /api/v2/stages': { requests: 1, tokens: 5 },
    });
    const stats = await control(sandbox, 'GET', '/_sandbox/stats');
    expect(stats.body.data).toMatchObject({ requests: 4, tokens: 37 });
    await control(sandbox, 'POST', '/_sandbox/stats/reset');
    expect(sandbox.stats.requests).toBe(0);
    expect(sandbox.stats.tokens).toBe(0);
  });
});
