/**
 * A million deals are generated lazily: typed columns per entity instead of a million objects.
 * Memory is asserted loosely (an order of magnitude), never time.
 */
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Row } from './http.js';
import { get } from './http.js';

const MB = 1024 * 1024;

describe('large volume', () => {
  it('serves pages of a 1,000,000-deal company with a small memory footprint', async () => {
    const before = process.memoryUsage();
    const sandbox = await startSandbox({ deals: 1_000_000, dealCustomFields: 40 });
    try {
      const first = (await get(sandbox, '/api/v2/deals?limit=500')).json();
      expect((first.data as Row[]).map((d) => d.id)[0]).toBe(1);
      expect(first.data as Row[]).toHaveLength(500);
      const recent = (await get(sandbox, '/api/v2/deals?limit=500&sort_by=update_time&sort_direction=desc')).json();
      const recentRows = recent.data as Row[];
      expect(recentRows).toHaveLength(500);
      expect(String(recentRows[0]?.update_time) >= String(recentRows[499]?.update_time)).toBe(true);
      const last = (await get(sandbox, '/api/v2/deals?ids=1000000&status=open,won,lost,deleted')).json();
      const lastRows = last.data as Row[];
      // Deal 1,000,000 exists unless it was generated archived (then it is in /deals/archived).
      if (lastRows.length) expect(lastRows[0]?.id).toBe(1_000_000);
      sandbox.mutate.update('deals', 999_999, { title: 'touched' });
      const touched = (await get(sandbox, '/api/v2/deals?limit=1&sort_by=update_time&sort_direction=desc&status=open,won,lost,deleted')).json();
      expect((touched.data as Row[])[0]).toMatchObject({ id: 999_999, title: 'touched' });
      const after = process.memoryUsage();
      const heapDelta = (after.heapUsed - before.heapUsed) / MB;
      const buffersDelta = (after.arrayBuffers - before.arrayBuffers) / MB;
      // ~24 MB of typed columns and index for the deals; a million objects would need gigabytes.
      expect(heapDelta).toBeLessThan(400);
      expect(buffersDelta).toBeLessThan(200);
    } finally {
      await sandbox.close();
    }
  });
});
