/**
 * The middle of a long read (windows.ts): the range below `until` read by up to `maxSegments`
 * pairs of cursors, each pair an ascending and a descending cursor meeting in the middle of its
 * own segment.
 *
 * Why more than one pair: a pair halves one stream's page latency, but the longest stream of a
 * backfill (activities, often twice the deals) still bounds the load while the plan's burst limit
 * allows many more requests in flight. So a pair whose unread gap still looks long is split in
 * two at the middle of that gap (in time): the ascending cursor keeps the lower half and a new
 * descending cursor starts below the split; a new ascending cursor starts at the split and meets
 * the old descending one in the upper half. Records are not spread evenly over time, so halves
 * of equal time are of unequal size; when a pair meets, the segment that still looks longest is
 * split again with the cursors that pair freed (work stealing), so no cursor idles while much
 * remains.
 *
 * Each split costs what the first pair costs (the page in flight when a pair meets, the records
 * both read on the meeting page): 1–3 requests. So a segment is split only while the pages it
 * still holds, estimated from how densely its cursors found records, are many (`splitAtPages`).
 *
 * Order and bounds: every cursor pages in (update_time, id) order, ascending or descending. A
 * segment's ascending cursor is cut at the records its descending cursor already handed over, or
 * at the segment's ceiling; a descending cursor at its partner's records, or at the segment's
 * floor. The split point is a whole second M: the lower segment's new cursor asks for
 * `updated_until=M` (Pipedrive: `<`), the upper's for `updated_since=M` (`>=`), so each record
 * belongs to exactly one segment.
 *
 * The bookmark: only the lowest segment's ascending cursor proves anything ("every record updated
 * before its last record has been read"), and once a segment has met, the next segment's floor or
 * its ascending cursor's last record does. Each page carries that as `bookmarkLimit`.
 */
import type { QueryParams } from '../pipedrive/client.js';
import type { Page } from '../pipedrive/paginate.js';
import { isoSecondsOf } from '../state/bookmarks.js';
import type { StreamPage } from './windows.js';

/** Where a record sits in the order every cursor pages in. */
export interface Position {
  readonly time: number;
  readonly id: number;
}

function compare(a: Position, b: Position): number {
  return a.time - b.time || a.id - b.id;
}

/** Before every record of second `ms` (ids are finite), so a cut there keeps that whole second. */
const secondStart = (ms: number): Position => ({ time: ms, id: Number.NEGATIVE_INFINITY });

/** One cursor of a pair, with what it has handed over so far. */
export interface Cursor {
  readonly iterator: AsyncIterator<Page>;
  /** The next page, asked for ahead; undefined once the cursor is done or its pair has met. */
  pending: Promise<Arrival> | undefined;
  /** The last record handed over. */
  last: Position | undefined;
  /** The first record it handed over (ms): with `pages`, how densely it found records. */
  startMs: number | undefined;
  pages: number;
}

interface Arrival {
  readonly cursor: Cursor;
  readonly result: IteratorResult<Page>;
}

interface Segment {
  /** The lowest update_time this segment holds (ms); undefined: the read's own start. */
  readonly floorMs: number | undefined;
  /** `updated_until` of the segment's cursors (ms). */
  ceilingMs: number;
  /**
   * Whether the ascending cursor stops at the ceiling. The first ascending cursor asked for no
   * upper bound, and until its segment is split it may read past `until` like a one-cursor read.
   */
  ceilingCutsUp: boolean;
  readonly up: Cursor;
  down: Cursor;
}

/**
 * A page asked for ahead, awaited only after the page before it was handed over: its failure must
 * not count as unhandled meanwhile (Node would end the process) but reach the await that follows.
 */
export function ahead<T>(next: Promise<T>): Promise<T> {
  next.catch(() => undefined);
  return next;
}

export function newCursor(iterator: AsyncIterator<Page>, startMs?: number): Cursor {
  const cursor: Cursor = { iterator, pending: undefined, last: undefined, startMs, pages: 0 };
  askNext(cursor);
  return cursor;
}

/** A cursor that already read `state.pages` pages and has asked for the next (`pending`). */
export function resumedCursor(
  iterator: AsyncIterator<Page>,
  pending: Promise<IteratorResult<Page>>,
  state: Pick<Cursor, 'last' | 'startMs' | 'pages'>,
): Cursor {
  const cursor: Cursor = { iterator, pending: undefined, ...state };
  cursor.pending = ahead(pending.then((result) => ({ cursor, result })));
  return cursor;
}

function askNext(cursor: Cursor): void {
  // Awaited through Promise.race; a pair that meets first drops it, failure and all.
  cursor.pending = ahead(cursor.iterator.next().then((result) => ({ cursor, result })));
}

export interface SegmentReadOptions {
  readonly key: string;
  readonly ascending: QueryParams;
  readonly untilMs: number;
  /** Pairs of cursors at most (1: the two-cursor read). */
  readonly maxSegments: number;
  /** Pages a segment must still seem to hold before it is split. */
  readonly splitAtPages: number;
  readonly stopRequested: () => boolean;
  readonly open: (params: QueryParams) => AsyncIterator<Page>;
  readonly positionOf: (record: Record<string, unknown>) => Position;
  readonly lastOf: (records: readonly Record<string, unknown>[]) => Position | undefined;
}

/** How the segments ended: all met (`met`: the tail follows), the list ended, or a stop. */
export type SegmentsEnd = 'met' | 'complete' | 'stopped';

/**
 * Reads below `untilMs` with `up` (the ascending cursor of phase 1, still running) and `down`
 * (the first descending cursor, from `until`), splitting as described above.
 */
export async function* readSegments(up: Cursor, down: Cursor, options: SegmentReadOptions): AsyncGenerator<StreamPage, SegmentsEnd> {
  const { key, positionOf, lastOf } = options;
  let segments: Segment[] = [{ floorMs: undefined, ceilingMs: options.untilMs, ceilingCutsUp: false, up, down }];
  const all: Cursor[] = [up, down];
  const until = isoSecondsOf(options.untilMs);

  const proven = (): string => {
    const lowest = segments[0];
    if (lowest === undefined) return until;
    const at = lowest.up.last?.time ?? lowest.floorMs;
    return at === undefined ? until : isoSecondsOf(at);
  };
  const retire = (segment: Segment): void => {
    segments = segments.filter((candidate) => candidate !== segment);
    segment.up.pending = undefined;
    segment.down.pending = undefined;
    // Their in-flight pages are not needed; closing waits for them, so it is not awaited here.
    void segment.up.iterator.return?.(undefined)?.catch(() => undefined);
    void segment.down.iterator.return?.(undefined)?.catch(() => undefined);
  };
  const split = (segment: Segment): boolean => {
    const low = segment.up.last;
    const high = segment.down.last;
    if (low === undefined || high === undefined) return false;
    const middle = Math.floor((low.time + high.time) / 2 / 1000) * 1000;
    if (middle <= low.time || middle > high.time) return false;
    const newDown = newCursor(options.open({ ...options.ascending, sort_by: key, sort_direction: 'desc', updated_until: isoSecondsOf(middle) }), middle);
    const newUp = newCursor(
      options.open({ ...options.ascending, updated_since: isoSecondsOf(middle), updated_until: isoSecondsOf(segment.ceilingMs) }),
      middle,
    );
    const upper: Segment = { floorMs: middle, ceilingMs: segment.ceilingMs, ceilingCutsUp: true, up: newUp, down: segment.down };
    segment.ceilingMs = middle;
    segment.ceilingCutsUp = true;
    segment.down = newDown;
    segments.splice(segments.indexOf(segment) + 1, 0, upper);
    all.push(newDown, newUp);
    return true;
  };
  /** Pages a segment still seems to hold: its cursors' pages per second read, times the gap. */
  const pagesLeft = (segment: Segment): number => {
    const { up: low, down: high } = segment;
    if (low.last === undefined || high.last === undefined) return 0;
    const covered = low.last.time - (low.startMs ?? low.last.time) + ((high.startMs ?? high.last.time) - high.last.time);
    return ((low.pages + high.pages) / Math.max(1000, covered)) * Math.max(0, high.last.time - low.last.time);
  };
  const splitLongest = (): void => {
    while (segments.length < options.maxSegments && !options.stopRequested()) {
      const longest = segments.reduce<Segment | undefined>((best, s) => (best === undefined || pagesLeft(s) > pagesLeft(best) ? s : best), undefined);
      if (longest === undefined || pagesLeft(longest) < options.splitAtPages || !split(longest)) return;
    }
  };

  try {
    for (;;) {
      const pending = segments.flatMap((segment) => [segment.up.pending, segment.down.pending]).filter((p): p is Promise<Arrival> => p !== undefined);
      if (pending.length === 0) return segments.length === 0 ? 'met' : 'stopped';
      const { cursor, result } = await Promise.race(pending);
      const segment = segments.find((candidate) => candidate.up === cursor || candidate.down === cursor);
      if (segment === undefined) continue; // its pair met meanwhile
      const ascending = segment.up === cursor;
      if (result.done === true) {
        if (options.stopRequested()) return 'stopped';
        // The first ascending cursor, unsplit, reached the end of a list with no upper bound: a
        // complete read by itself, as with one cursor.
        if (ascending && !segment.ceilingCutsUp && segments.length === 1) return 'complete';
        // Otherwise the cursor reached its bound (`updated_until`, or the read's start): the segment is read.
        // The next page handed over carries the bookmark this proves.
        retire(segment);
        splitLongest();
        continue;
      }
      const page = result.value;
      const partner = ascending ? segment.down.last : segment.up.last;
      const bound: Position | undefined = partner ??
        (ascending ? (segment.ceilingCutsUp ? secondStart(segment.ceilingMs) : undefined) : segment.floorMs === undefined ? undefined : secondStart(segment.floorMs));
      const cut = bound === undefined
        ? -1
        : page.records.findIndex((record) => (ascending ? compare(positionOf(record), bound) >= 0 : compare(positionOf(record), bound) <= 0));
      const records: Record<string, unknown>[] = cut === -1 ? page.records : page.records.slice(0, cut);
      const last = lastOf(records);
      if (last !== undefined) {
        cursor.last = last;
        cursor.startMs ??= positionOf(records[0] as Record<string, unknown>).time;
      }
      cursor.pages += 1;
      if (cut !== -1) {
        retire(segment);
        yield { ...page, records, bookmarkLimit: proven() };
        splitLongest();
        continue;
      }
      askNext(cursor);
      yield { ...page, bookmarkLimit: proven() };
      splitLongest();
    }
  } finally {
    await Promise.all(all.map((c) => c.iterator.return?.(undefined)?.catch(() => undefined)));
  }
}
