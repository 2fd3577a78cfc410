/**
 * Long incremental reads with two cursors: one ascending from the start, one descending from the
 * moment the second starts, meeting in the middle; then a short tail for what changed meanwhile.
 *
 * Why: one cursor asks for one page at a time, so a backfill of N pages takes N × Pipedrive's page
 * latency (0.3–1 s) whatever the plan's burst limit allows. Two cursors halve that for the longest
 * stream, which is what bounds a first load.
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
 *    the start, every record updated before `until` has been read and both stop;
 * 3. the tail: ascending from `until`, with no upper bound, for records updated during the read
 *    (they moved above both cursors). The listing is then as complete as one cursor's, so the
 *    first load still marks deletes for free.
 * Extra requests against one cursor: the tail's page, the page in flight on the cursor that did
 * not meet, and the meeting page's records the other cursor had read: 2–3 requests per stream.
 * (The cursor that meets asks for nothing more: each cursor reads ahead only while they have not met.)
 *
 * The bookmark: while both cursors run, only the ascending one proves anything ("every record
 * updated before its last record has been read"); each page carries that point as
 * `bookmarkLimit`, and the stream loader never commits a bookmark past it. After the meeting the
 * limit is `until`, then the tail's position. A crash commits nothing the descending cursor alone
 * proved, so the rerun starts from the ascending cursor's last committed point: it reads some
 * records again (the merge by primary key makes that harmless) and loses none.
 */
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient, QueryParams } from '../pipedrive/client.js';
import { nextCursorOf, paginate, type Page } from '../pipedrive/paginate.js';
import { isoSecondsOf } from '../state/bookmarks.js';
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

/** Where a record sits in the order both cursors page in. */
interface Position {
  readonly time: number;
  readonly id: number;
}

function compare(a: Position, b: Position): number {
  return a.time - b.time || a.id - b.id;
}

/** Milliseconds of an RFC3339 timestamp (v2 always sends one); NaN otherwise. */
function millis(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

interface Tagged {
  readonly side: 'asc' | 'desc';
  readonly result: IteratorResult<Page>;
}

/**
 * A page asked for ahead, awaited only after the page before it was handed over: its failure must
 * not count as unhandled meanwhile (Node would end the process) but reach the await that follows.
 */
function ahead<T>(next: Promise<T>): Promise<T> {
  next.catch(() => undefined);
  return next;
}

function tagged(side: 'asc' | 'desc', next: Promise<IteratorResult<Page>>): Promise<Tagged> {
  // Awaited through Promise.race; when the other side fails first, this one's failure is moot.
  return ahead(next.then((result) => ({ side, result })));
}

export interface TwoEndedOptions {
  readonly stopRequested: () => boolean;
  /** Pages the ascending cursor reads, still announcing more, before the second one starts. */
  readonly afterPages: number;
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
  let descending: AsyncIterator<Page> | undefined;
  try {
    let ascLast: Position | undefined;
    let pages = 0;
    let ascPending = ahead(asc.next());
    for (;;) {
      const { done, value: page } = await ascPending;
      if (done === true) return;
      pages += 1;
      ascLast = lastOf(page.records) ?? ascLast;
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

    // 2. The second cursor, from `until` down, until the two meet.
    const desc = read({ ...ascending, sort_by: key, sort_direction: 'desc', updated_until: until });
    descending = desc;
    let descLast: Position | undefined;
    let ascNext: Promise<Tagged> = tagged('asc', ascPending);
    let descNext: Promise<Tagged> = tagged('desc', desc.next());
    for (;;) {
      const { side, result } = await Promise.race([ascNext, descNext]);
      if (result.done === true) {
        // Ascending: the list ended with no upper bound, a complete read on its own. Descending:
        // it reached the start, so everything before `until` was read. Either way, unless stopped.
        if (options.stopRequested() || side === 'asc') return;
        break;
      }
      const page = result.value;
      const other: Position | undefined = side === 'asc' ? descLast : ascLast;
      const cut: number = other === undefined
        ? -1
        : page.records.findIndex((record) => (side === 'asc' ? compare(positionOf(record), other) >= 0 : compare(positionOf(record), other) <= 0));
      const records: Record<string, unknown>[] = cut === -1 ? page.records : page.records.slice(0, cut);
      if (side === 'asc') ascLast = lastOf(records) ?? ascLast;
      else descLast = lastOf(records) ?? descLast;
      if (cut !== -1) {
        yield { ...page, records, bookmarkLimit: until };
        break;
      }
      if (side === 'asc') ascNext = tagged('asc', asc.next());
      else descNext = tagged('desc', desc.next());
      yield { ...page, bookmarkLimit: isoSecondsOf(ascLast.time) };
    }
    await Promise.all([asc.return?.(undefined), desc.return?.(undefined)]);
    if (options.stopRequested()) return;

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
    await Promise.all([asc.return?.(undefined), descending?.return?.(undefined)]);
  }
}
