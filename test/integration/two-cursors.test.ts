/**
 * The two-cursor read (src/load/windows.ts) and its split into more pairs (cursor-segments.ts)
 * against the sandbox, page by page: every record is handed over once (the cursors cut at their
 * meeting points), a record changed during the read arrives through the tail, each page's
 * bookmarkLimit is proved by what was handed over up to it, and the read costs one cursor's
 * requests plus at most three a pair.
 *
 * The cursors are told apart in the requests themselves: a request without `cursor` starts one,
 * and its `updated_since` / `updated_until` / `sort_direction` say which part of the list it reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS, type StreamDefinition } from '../../src/pipedrive/catalog.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { paginate } from '../../src/pipedrive/paginate.js';
import { requestParams } from '../../src/load/stream-reader.js';
import { canReadTwoEnded, maxCursorsPerRead, twoEndedPages } from '../../src/load/windows.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const activities = STREAMS.find((stream) => stream.name === 'activities') as StreamDefinition;
let sandbox: Sandbox;

beforeAll(async () => {
  // 12,000 activities: 24 pages of 500.
  sandbox = await startSandbox({ seed: 5, deals: 6_000 });
});

afterAll(async () => {
  await sandbox.close();
});

function client(): PipedriveClient {
  return new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.adminToken, requestsPer2s: 1000 });
}

/** A client whose requests to the activities list are remembered (their query strings). */
function recordingClient(): { client: PipedriveClient; requested: URLSearchParams[] } {
  const requested: URLSearchParams[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname.endsWith('/activities')) requested.push(url.searchParams);
    return fetch(input, init);
  };
  return { client: new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.adminToken, requestsPer2s: 1000, fetch: recording }), requested };
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
    const { client: counted, requested } = recordingClient();
    let single = 0;
    for await (const page of paginate(counted, activities, requestParams(activities, undefined))) single += page.records.length;
    expect(single).toBe((await listed()).size);

    const result = await readAll({ maxCursors: 2, afterPages: 1, changeAfterLimits: 1 });
    expect(result.limits).toBeGreaterThan(1);
    expect(result.changedId).toBeDefined();
    // The change made during the read arrived (through the tail: it moved above both cursors).
    expect(result.latest.get(result.changedId as number)).toBe('Changed during a 2-cursor read');
    const after = await listed();
    expect([...after.keys()].filter((id) => !result.seen.has(id))).toEqual([]);
    // Once each, but the changed record, which the tail reads again where a cursor had read it before its change.
    expect([...result.seen].filter(([id, count]) => count > 1 && id !== result.changedId)).toEqual([]);
    const extra = result.requests - requested.length;
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

interface ReadResult {
  seen: Map<number, number>;
  latest: Map<number, unknown>;
  changedId: number | undefined;
  limits: number;
  starts: URLSearchParams[];
  requests: number;
}

interface ReadOptions {
  readonly maxCursors: number;
  readonly afterPages?: number;
  /** Change a record no cursor has reached yet once this many pages carried a bookmark limit; undefined: no change. */
  readonly changeAfterLimits?: number;
}

/** One read through twoEndedPages, checking at every page that its bookmark limit is proved. */
async function readAll({ maxCursors, afterPages = 2, changeAfterLimits }: ReadOptions): Promise<ReadResult> {
  const before = await listed();
  const { client, requested } = recordingClient();
  const seen = new Map<number, number>();
  const latest = new Map<number, unknown>();
  let limits = 0;
  let changedId: number | undefined;
  const pages = twoEndedPages(client, activities, requestParams(activities, undefined), { stopRequested: () => false, afterPages, maxCursors });
  for await (const page of pages) {
    for (const record of page.records) {
      seen.set(Number(record.id), (seen.get(Number(record.id)) ?? 0) + 1);
      latest.set(Number(record.id), record.subject);
    }
    if (page.bookmarkLimit === undefined) continue;
    limits += 1;
    const limit = Date.parse(page.bookmarkLimit);
    const missing = [...before].filter(([id, time]) => time < limit && !seen.has(id) && id !== changedId).map(([id]) => id);
    expect(missing.slice(0, 5)).toEqual([]);
    if (changeAfterLimits !== undefined && changedId === undefined && limits >= changeAfterLimits) {
      // A record no cursor has reached yet changes while they read.
      changedId = [...before.keys()].find((id) => !seen.has(id));
      if (changedId !== undefined) {
        sandbox.clock.advance(60);
        sandbox.mutate.update('activities', changedId, { subject: `Changed during a ${maxCursors}-cursor read` });
      }
    }
  }
  return { seen, latest, changedId, limits, starts: requested.filter((params) => !params.has('cursor')), requests: requested.length };
}

describe('four cursors over one list', () => {
  it('defaults to four cursors and accepts 2 to 8 from PIPEDRIVE_LOADER_MAX_CURSORS', () => {
    expect(maxCursorsPerRead({})).toBe(4);
    expect(maxCursorsPerRead({ PIPEDRIVE_LOADER_MAX_CURSORS: '2' })).toBe(2);
    expect(() => maxCursorsPerRead({ PIPEDRIVE_LOADER_MAX_CURSORS: '1' })).toThrow(/from 2 to 8/);
    expect(() => maxCursorsPerRead({ PIPEDRIVE_LOADER_MAX_CURSORS: 'four' })).toThrow(/from 2 to 8/);
  });

  it('splits the pair, hands over every record once, proves every bookmark limit, and pays at most three requests a split', async () => {
    let oneCursor = 0;
    const { client, requested } = recordingClient();
    for await (const page of paginate(client, activities, requestParams(activities, undefined))) oneCursor += page.records.length > 0 ? 1 : 0;
    const single = requested.length;

    const result = await readAll({ maxCursors: 4, changeAfterLimits: 3 });
    const after = await listed();
    expect([...after.keys()].filter((id) => !result.seen.has(id))).toEqual([]);
    expect(result.latest.get(result.changedId as number)).toBe('Changed during a 4-cursor read');
    expect([...result.seen].filter(([id, count]) => count > 1 && id !== result.changedId)).toEqual([]);

    // Cursors started: the first ascending one, the first descending one, two per split, the tail.
    const splits = (result.starts.length - 3) / 2;
    expect(Number.isInteger(splits)).toBe(true);
    expect(splits).toBeGreaterThanOrEqual(1);
    // A split's ascending cursor asks for both bounds; its descending partner for the same second as its upper bound.
    const splitUps = result.starts.filter((params) => params.has('updated_since') && params.has('updated_until'));
    const splitDowns = result.starts.filter((params) => params.get('sort_direction') === 'desc');
    expect(splitUps).toHaveLength(splits);
    const splitPoints = splitUps.map((params) => params.get('updated_since'));
    for (const point of splitPoints) expect(splitDowns.map((params) => params.get('updated_until'))).toContain(point);
    expect(result.requests - single).toBeGreaterThanOrEqual(1);
    expect(result.requests - single).toBeLessThanOrEqual(3 * (splits + 1));
    expect(oneCursor).toBeGreaterThanOrEqual(24);
  });

  it('keeps to one pair when told to (PIPEDRIVE_LOADER_MAX_CURSORS=2)', async () => {
    const result = await readAll({ maxCursors: 2 });
    const after = await listed();
    expect([...after.keys()].filter((id) => !result.seen.has(id))).toEqual([]);
    expect([...result.seen].filter(([, count]) => count > 1)).toEqual([]);
    expect(result.starts.filter((params) => params.has('updated_until') && params.has('updated_since'))).toEqual([]);
    expect(result.starts.length).toBe(3);
  });
});
