/**
 * Long incremental reads with two cursors or more: one ascending from the start, one descending
 * from the moment the second starts, meeting in the middle (and, on a long read, a second pair:
 * cursor-segments.ts); then a short tail for what changed meanwhile.
 *
 * Why: one cursor asks for one page at a time, so a backfill of N pages takes N × Pipedrive's page
 * latency (0.3–1 s) whatever the plan's burst limit allows. Two cursors halve that for the longest
 * stream, which is what bounds a first load; two pairs quarter it.
 *
 * Why two ends rather than fixed time windows: records are not spread evenly over time (most were
 * touched recently), so windows of equal time would be of very unequal size, and the split would
 * need extra requests to find the range. Two cursors over one range always meet where the work is
 * halved, and the only extra requests are those around the meeting point (see below).
 *
 * The read, for a stream whose endpoint accepts `updated_until` (v2 deals, archived deals,
 * persons, organizations, activities):
 * 1. one ascending cursor, as every incremental read (`updated_since` = the bookmark, if any);
 *    a read that ends within `afterPages` pages never starts a second cursor, so small and
 *    no-change reads cost exactly what they did;
 * 2. past that, a descending cursor over [`updated_since`, `until`), `until` being Pipedrive's
 *    clock then (any value is correct; the clock only makes the tail short). Each page of one
 *    cursor is cut where it reaches records the other already handed over, in (update_time, id)
 *    order, the order both cursors page in; once one is cut, or the descending cursor reaches
 *    the start, every record updated before `until` has been read and both stop. While the gap
 *    between them looks long, the pair is split into two (cursor-segments.ts);
 * 3. the tail: ascending from `until`, with no upper bound, for records updated during the read
 *    (they moved above every cursor). The listing is then as complete as one cursor's, so the
 *    first load still marks deletes for free.
 * Extra requests against one cursor: the tail's page, the page in flight on the cursor that did
 * not meet, and the meeting page's records the other cursor had read: 2–3 requests per pair.
 * (The cursor that meets asks for nothing more: each cursor reads ahead only while they have not met.)
 *
 * The bookmark: while the cursors run, only the lowest pair's ascending one proves anything
 * ("every record updated before its last record has been read"); each page carries that point as
 * `bookmarkLimit`, and the stream loader never commits a bookmark past it. After the last meeting
 * the limit is `until`, then the tail's position. A crash commits nothing the other cursors alone
 * proved, so the rerun starts from the ascending cursor's last committed point: it reads some
 * records again (the merge by primary key makes that harmless) and loses none.
 */
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient, QueryParams } from '../pipedrive/client.js';
import { nextCursorOf, paginate, type Page } from '../pipedrive/paginate.js';
import { isoSecondsOf } from '../state/bookmarks.js';
import { ahead, newCursor, readSegments, resumedCursor, type Position } from './cursor-segments.js';
import { readPages } from './read-ahead.js';

export interface StreamPage extends Page {
  /**
   * Set on the pages of a two-ended read: the newest bookmark that everything handed over so far
   * (this page included) proves. Absent: the newest update_time read is a safe bookmark.
   */
  readonly bookmarkLimit?: string;
}

/** v2 list endpoints that accept `updated_until` (pipedrive-openapi/v2.yml, reference §4). */
const ACCEPTS_UPDATED_UNTIL = new Set(['/deals', '/deals/archived', '/persons', '/organizations', '/activities']);

export function canReadTwoEnded(stream: StreamDefinition): boolean {
  return (
    stream.api === 'v2' &&
    stream.pagination === 'cursor' &&
    stream.replication === 'incremental' &&
    stream.replicationKey !== undefined &&
    ACCEPTS_UPDATED_UNTIL.has(stream.path)
  );
}

/**
 * Pages one cursor reads before a second one starts: 8,000 records. Below that the second cursor's
 * 2–3 extra requests would cost more than 15% of the read; above it they cost less and the time
 * saved grows with the stream.
 */
export const DEFAULT_SECOND_CURSOR_AFTER_PAGES = 16;

/**
 * `PIPEDRIVE_LOADER_SECOND_CURSOR_AFTER`: a number of pages, or `never` for one cursor always.
 * Meant for tests and benchmarks (the default suits real loads).
 */
export function secondCursorAfterPages(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.PIPEDRIVE_LOADER_SECOND_CURSOR_AFTER?.trim();
  if (raw === undefined || raw === '') return DEFAULT_SECOND_CURSOR_AFTER_PAGES;
  if (raw === 'never') return undefined;
  const pages = Number(raw);
  if (!Number.isInteger(pages) || pages < 1) {
    throw new RangeError(`PIPEDRIVE_LOADER_SECOND_CURSOR_AFTER must be a whole number of pages ≥ 1 or "never", not "${raw}"`);
  }
  return pages;
}

/**
 * Cursors one long read uses at most: two pairs. Pipedrive's page latency (0.3–1 s) bounds each
 * cursor; four streams with four cursors each stay within even Lite's 20 requests per 2 s at that
 * latency, and the limiter paces them when they would not.
 */
export const DEFAULT_MAX_CURSORS = 4;

/** `PIPEDRIVE_LOADER_MAX_CURSORS`: 2 for one pair (the first two-ended reader), up to 8. For benchmarks and tests. */
export function maxCursorsPerRead(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PIPEDRIVE_LOADER_MAX_CURSORS?.trim();
  if (raw === undefined || raw === '') return DEFAULT_MAX_CURSORS;
  const cursors = Number(raw);
  if (!Number.isInteger(cursors) || cursors < 2 || cursors > 8) {
    throw new RangeError(`PIPEDRIVE_LOADER_MAX_CURSORS must be a whole number from 2 to 8, not "${raw}"`);
  }
  return cursors;
}

/** Milliseconds of an RFC3339 timestamp (v2 always sends one); NaN otherwise. */
function millis(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

export interface TwoEndedOptions {
  readonly stopRequested: () => boolean;
  /** Pages the ascending cursor reads, still announcing more, before the second one starts. */
  readonly afterPages: number;
  /** Cursors at most (pairs: 2 or 4; default DEFAULT_MAX_CURSORS). */
  readonly maxCursors?: number;
}

export async function* twoEndedPages(
  client: PipedriveClient,
  stream: StreamDefinition,
  ascending: QueryParams,
  options: TwoEndedOptions,
): AsyncGenerator<StreamPage> {
  const key = stream.replicationKey ?? 'update_time';
  const idField = stream.primaryKey[0] ?? 'id';
  const positionOf = (record: Record<string, unknown>): Position => ({ time: millis(record[key]), id: Number(record[idField]) });
  const lastOf = (records: readonly Record<string, unknown>[]): Position | undefined => {
    const last = records.at(-1);
    const position = last === undefined ? undefined : positionOf(last);
    return position !== undefined && Number.isFinite(position.time) && Number.isFinite(position.id) ? position : undefined;
  };
  // Each cursor asks for its next page as soon as a page arrives (read-ahead), except once it has
  // met the other: a page asked for then would be paid for and thrown away.
  const read = (params: QueryParams) =>
    readPages(paginate(client, stream, params), { readAhead: false, stopRequested: options.stopRequested })[Symbol.asyncIterator]();

  // 1. One cursor, as every incremental read, until the read proves long.
  const asc = read(ascending);
  try {
    let ascLast: Position | undefined;
    let ascStart: number | undefined;
    let pages = 0;
    let ascPending = ahead(asc.next());
    for (;;) {
      const { done, value: page } = await ascPending;
      if (done === true) return;
      pages += 1;
      ascLast = lastOf(page.records) ?? ascLast;
      ascStart ??= lastOf(page.records.slice(0, 1))?.time;
      ascPending = ahead(asc.next());
      yield page;
      if (pages >= options.afterPages && ascLast !== undefined && nextCursorOf(page.envelope) !== undefined && !options.stopRequested()) break;
    }
    const untilMs = Math.floor((client.serverTime() ?? Date.now()) / 1000) * 1000;
    if (ascLast === undefined || untilMs <= ascLast.time) {
      // Nothing above the ascending cursor yet (a clock behind the records): stay with one.
      for (let next = await ascPending; next.done !== true; next = await ascPending) {
        ascPending = ahead(asc.next());
        yield next.value;
      }
      return;
    }
    const until = isoSecondsOf(untilMs);

    // 2. The second cursor, from `until` down, and more pairs while the gap looks long (cursor-segments.ts).
    const up = resumedCursor(asc, ascPending, { last: ascLast, startMs: ascStart, pages });
    const down = newCursor(read({ ...ascending, sort_by: key, sort_direction: 'desc', updated_until: until }), untilMs);
    const end = yield* readSegments(up, down, {
      key,
      ascending,
      untilMs,
      maxSegments: Math.max(1, Math.floor((options.maxCursors ?? DEFAULT_MAX_CURSORS) / 2)),
      splitAtPages: options.afterPages,
      stopRequested: options.stopRequested,
      open: read,
      positionOf,
      lastOf,
    });
    if (end !== 'met' || options.stopRequested()) return;

    // 3. The tail: what changed while the two cursors read.
    let tailLast = untilMs;
    for await (const page of readPages(paginate(client, stream, { ...ascending, updated_since: until }), {
      readAhead: true,
      stopRequested: options.stopRequested,
    })) {
      tailLast = Math.max(tailLast, lastOf(page.records)?.time ?? tailLast);
      yield { ...page, bookmarkLimit: isoSecondsOf(tailLast) };
    }
  } finally {
    // The cursors of step 2 are closed by readSegments.
    await asc.return?.(undefined);
  }
}
