/**
 * Up to four cursors on one long read (src/load/cursor-segments.ts) against the sandbox: the pair
 * of the two-cursor read is split at the middle of its unread gap, each record is still handed
 * over once, every page's bookmarkLimit is proved by what was handed over up to it, a record
 * changed during the read arrives through the tail, and each split costs at most three requests.
 *
 * The cursors are told apart in the requests themselves: a request without `cursor` starts one,
 * and its `updated_since` / `updated_until` / `sort_direction` say which part of the list it reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS, type StreamDefinition } from '../../src/pipedrive/catalog.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { paginate } from '../../src/pipedrive/paginate.js';
import { requestParams } from '../../src/load/stream-reader.js';
import { maxCursorsPerRead, twoEndedPages } from '../../src/load/windows.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const activities = STREAMS.find((stream) => stream.name === 'activities') as StreamDefinition;
let sandbox: Sandbox;

beforeAll(async () => {
  // 12,000 activities: 24 pages of 500.
  sandbox = await startSandbox({ seed: 11, deals: 6_000 });
});

afterAll(async () => {
  await sandbox.close();
});

/** A client whose requests to the activities list are remembered (their query strings). */
function recordingClient(): { client: PipedriveClient; listed: URLSearchParams[] } {
  const listed: URLSearchParams[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname.endsWith('/activities')) listed.push(url.searchParams);
    return fetch(input, init);
  };
  return { client: new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.adminToken, requestsPer2s: 1000, fetch: recording }), listed };
}

async function listedTimes(): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  for await (const record of sandbox.records('activities')) times.set(Number(record.id), Date.parse(String(record.update_time)));
  return times;
}

interface ReadResult {
  seen: Map<number, number>;
  latest: Map<number, unknown>;
  changedId: number | undefined;
  limits: number;
  starts: URLSearchParams[];
  requests: number;
}

async function readAll(maxCursors: number, changeDuringRead: boolean): Promise<ReadResult> {
  const before = await listedTimes();
  const { client, listed } = recordingClient();
  const seen = new Map<number, number>();
  const latest = new Map<number, unknown>();
  let limits = 0;
  let changedId: number | undefined;
  const pages = twoEndedPages(client, activities, requestParams(activities, undefined), { stopRequested: () => false, afterPages: 2, maxCursors });
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
    if (changeDuringRead && changedId === undefined && limits >= 3) {
      // A record no cursor has reached yet changes while they read.
      changedId = [...before.keys()].find((id) => !seen.has(id));
      if (changedId !== undefined) {
        sandbox.clock.advance(60);
        sandbox.mutate.update('activities', changedId, { subject: `Changed during a ${maxCursors}-cursor read` });
      }
    }
  }
  return { seen, latest, changedId, limits, starts: listed.filter((params) => !params.has('cursor')), requests: listed.length };
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
    const { client, listed } = recordingClient();
    for await (const page of paginate(client, activities, requestParams(activities, undefined))) oneCursor += page.records.length > 0 ? 1 : 0;
    const single = listed.length;

    const result = await readAll(4, true);
    const after = await listedTimes();
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
    const result = await readAll(2, false);
    const after = await listedTimes();
    expect([...after.keys()].filter((id) => !result.seen.has(id))).toEqual([]);
    expect([...result.seen].filter(([, count]) => count > 1)).toEqual([]);
    expect(result.starts.filter((params) => params.has('updated_until') && params.has('updated_since'))).toEqual([]);
    expect(result.starts.length).toBe(3);
  });
});
