import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { Latency } from '../../src/sandbox/latency.js';
import { get } from './http.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('response latency', () => {
  it('draws delays uniformly within ± jitter around the mean, the same sequence for the same seed', () => {
    const latency = new Latency({ ms: 300, jitter: 0.5, seed: 7 });
    const draws = Array.from({ length: 2_000 }, () => latency.next());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...draws)).toBeLessThan(450);
    // Spread over the whole range, centred on the mean.
    expect(Math.min(...draws)).toBeLessThan(160);
    expect(Math.max(...draws)).toBeGreaterThan(440);
    const mean = draws.reduce((sum, ms) => sum + ms, 0) / draws.length;
    expect(Math.abs(mean - 300)).toBeLessThan(10);
    const again = new Latency({ ms: 300, jitter: 0.5, seed: 7 });
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => again.next()));
    expect(new Latency({ ms: 300, jitter: 0 }).next()).toBe(300);
  });

  it('refuses a negative delay or a jitter outside 0..1', () => {
    expect(() => new Latency({ ms: -1 })).toThrow(RangeError);
    expect(() => new Latency({ ms: 100, jitter: 1.5 })).toThrow(RangeError);
  });

  it('delays every API response, a 404 included, by at least the least delay, and serves the same data', async () => {
    sandbox = await startSandbox({ deals: 50, latency: { ms: 120, jitter: 0.25 } });
    for (const path of ['/api/v2/deals?limit=10', '/v1/users/me', '/api/v2/nothing-here']) {
      const started = performance.now();
      const response = await get(sandbox, path);
      expect(performance.now() - started, `${path} answered ${response.status}`).toBeGreaterThanOrEqual(90);
    }
    // Unchanged data: the same page with and without latency.
    const plain = await startSandbox({ deals: 50 });
    try {
      expect((await get(sandbox, '/api/v2/deals?limit=10')).json()).toEqual((await get(plain, '/api/v2/deals?limit=10')).json());
    } finally {
      await plain.close();
    }
    expect(sandbox.stats.requests).toBe(4);
  });
});
