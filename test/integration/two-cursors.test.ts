/**
 * The two-cursor read (src/load/windows.ts) against the sandbox, page by page: every record is
 * handed over once (the cursors cut at their meeting point), a record changed during the read
 * arrives through the tail, each page's bookmarkLimit is proved by what was handed over up to it,
 * and the read costs one cursor's requests plus at most three.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS, type StreamDefinition } from '../../src/pipedrive/catalog.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { paginate } from '../../src/pipedrive/paginate.js';
import { requestParams } from '../../src/load/stream-reader.js';
import { canReadTwoEnded, twoEndedPages } from '../../src/load/windows.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const activities = STREAMS.find((stream) => stream.name === 'activities') as StreamDefinition;
let sandbox: Sandbox;

beforeAll(async () => {
  // 3,000 activities: 6 pages of 500.
  sandbox = await startSandbox({ seed: 5, deals: 1_500 });
});

afterAll(async () => {
  await sandbox.close();
});

function client(): PipedriveClient {
  return new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.adminToken, requestsPer2s: 1000 });
}

async function listed(): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  for await (const record of sandbox.records('activities')) times.set(Number(record.id), Date.parse(String(record.update_time)));
  return times;
}

describe('two cursors over one list', () => {
  it('reads only the v2 incremental streams whose endpoint takes updated_until', () => {
    expect(STREAMS.filter(canReadTwoEnded).map((stream) => stream.name).sort()).toEqual(['activities', 'deals', 'deals_archived', 'organizations', 'persons']);
  });

  it('hands over every record once, proves each bookmark limit, and costs one cursor plus at most three requests', async () => {
    const before = await listed();
    sandbox.stats.reset();
    let single = 0;
    for await (const page of paginate(client(), activities, requestParams(activities, undefined))) single += page.records.length;
    const oneCursor = sandbox.stats.requests;
    expect(single).toBe(before.size);

    sandbox.stats.reset();
    const seen = new Map<number, number>();
    const latest = new Map<number, unknown>();
    let limits = 0;
    let changedId: number | undefined;
    for await (const page of twoEndedPages(client(), activities, requestParams(activities, undefined), { stopRequested: () => false, afterPages: 1 })) {
      for (const record of page.records) {
        seen.set(Number(record.id), (seen.get(Number(record.id)) ?? 0) + 1);
        latest.set(Number(record.id), record.subject);
      }
      if (page.bookmarkLimit === undefined) continue;
      limits += 1;
      // Everything listed before the limit has been handed over by now (the one changed record aside).
      const limit = Date.parse(page.bookmarkLimit);
      const missing = [...before].filter(([id, time]) => time < limit && !seen.has(id) && id !== changedId).map(([id]) => id);
      expect(missing.slice(0, 5)).toEqual([]);
      if (changedId === undefined) {
        // Change a record neither cursor has reached yet, while they read.
        changedId = [...before.keys()].find((id) => !seen.has(id));
        if (changedId !== undefined) {
          sandbox.clock.advance(60);
          sandbox.mutate.update('activities', changedId, { subject: 'Changed during the read' });
        }
      }
    }
    expect(limits).toBeGreaterThan(1);
    expect(changedId).toBeDefined();
    // The change made during the read arrived (through the tail: it moved above both cursors).
    expect(latest.get(changedId as number)).toBe('Changed during the read');
    const after = await listed();
    expect([...after.keys()].filter((id) => !seen.has(id))).toEqual([]);
    // Once each, but the changed record, which the tail reads again where a cursor had read it before its change.
    const twice = [...seen].filter(([id, count]) => count > 1 && id !== changedId);
    expect(twice).toEqual([]);
    const extra = sandbox.stats.requests - oneCursor;
    expect(extra).toBeGreaterThanOrEqual(1);
    expect(extra).toBeLessThanOrEqual(3);
  });

  it('stays one cursor on a read shorter than the threshold', async () => {
    sandbox.stats.reset();
    let pages = 0;
    for await (const page of twoEndedPages(client(), activities, requestParams(activities, undefined), { stopRequested: () => false, afterPages: 50 })) {
      expect(page.bookmarkLimit).toBeUndefined();
      pages += 1;
    }
    expect(sandbox.stats.requests).toBe(pages);
  });
});
