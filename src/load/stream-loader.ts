/**
 * Loads one stream: pages → shaped rows → batches → commits, each commit with its bookmark. A
 * commit is one batch, or, where the warehouse stages through a file (BigQuery, Snowflake), a
 * commit unit of many batches (context.ts StreamWriter); "batch" below means either.
 *
 * - incremental: each batch commits the newest update_time it holds, so a crash resumes after it.
 * - newest_first: pages arrive newest first, so no batch alone proves everything newer was read;
 *   the bookmark (the newest update_time seen) commits with the last batch only.
 * - full: no bookmark.
 *
 * When the read lists every record (a full stream, or a first read without a bookmark) the primary
 * keys seen are kept, so rows that are no longer listed can be marked deleted (deletes.ts).
 */
import type { WarehouseSession } from '../../adapters/types.js';
import { AuthenticationError, isLoaderError, SourceTerminalError } from '../errors.js';
import type { StreamDefinition } from '../pipedrive/catalog.js';
import { capAtClock, isAfterClock, isoSecondsOf, timestampMillisOf } from '../state/bookmarks.js';
import { RowBatch } from './batch.js';
import { listedKey, readsOnCadence } from './list-cadence.js';
import { BackgroundCommits } from './background-commits.js';
import { modelOf, streamWriter, withSystemColumns, type LoadContext } from './context.js';
import { readStream } from './stream-reader.js';
import { streamCounts, type StreamStats } from './summary.js';

export interface StreamOutcome {
  /** Every record the API lists was read (no bookmark filter, not stopped, not skipped). */
  readonly complete: boolean;
  /** Primary keys read, when `complete`. */
  readonly keys: readonly unknown[];
}

/**
 * Pipedrive's clock: its latest `Date` header, or the run's start where no response carried one.
 * Bookmarks are capped at it, and a record or stored bookmark after it is from the future.
 */
export function sourceClock(context: LoadContext): number {
  return context.pipedrive.serverTime() ?? Date.parse(context.loadedAt);
}

/** Records with an update_time after the source's clock, reported once per stream. */
export class FutureRecords {
  private count = 0;
  private example: { readonly id: unknown; readonly time: string } | undefined;

  note(id: unknown, time: unknown, clockMs: number): void {
    if (typeof time !== 'string' || !isAfterClock(time, clockMs)) return;
    this.count += 1;
    this.example ??= { id, time };
  }

  report(context: LoadContext, stream: string, what = 'update_time'): void {
    if (this.count === 0 || this.example === undefined) return;
    context.reporter.warn(
      'records_from_the_future',
      `${stream}: ${this.count} record(s) with ${what} after Pipedrive's own clock (${isoSecondsOf(sourceClock(context))}), ` +
        `e.g. id ${JSON.stringify(this.example.id)} at ${this.example.time}. The bookmark stays at Pipedrive's clock, so no later ` +
        'change is skipped; such records are read again each run until their timestamp is corrected in Pipedrive.',
      { stream },
    );
  }
}

/** Statuses that mean "your plan or add-ons do not include this", not a failure. */
const NOT_AVAILABLE = new Set([402, 403, 404]);

/**
 * The HTTP status of a refusal: a source error's own, or 402 for the AuthenticationError the
 * client raises on 402 (meant for a closed account; from a plan-dependent stream, once the run's
 * other requests went through, it means the plan lacks the feature).
 */
function refusalStatus(error: unknown): number | undefined {
  if (error instanceof SourceTerminalError) return error.status;
  if (error instanceof AuthenticationError && error.message.includes('(402 at ')) return 402;
  return undefined;
}

/** The `_loader_state` key remembering when a stream's add-on was found missing. */
export function unavailableKey(stream: string): string {
  return `${stream}#unavailable_since`;
}

/** How long a stream found unavailable (no add-on) is not asked again. */
export const UNAVAILABLE_RECHECK_MS = 24 * 60 * 60 * 1000;

/**
 * Features some Pipedrive plans lack, by path, for catalog entries that do not name their
 * requirement themselves: /goals/find answers 402/403 on plans without Goals.
 */
const PLAN_FEATURES_BY_PATH: Readonly<Record<string, string>> = { '/goals/find': 'a plan with Goals' };

/** What the company needs for this stream (an add-on, a plan), if it may lack it. */
export function requirementOf(stream: StreamDefinition): string | undefined {
  return stream.requires ?? PLAN_FEATURES_BY_PATH[stream.path];
}

/** A stream found unavailable less than a day ago is not asked again yet (pure: used by `plan` too). */
export function recentlyUnavailable(bookmarks: ReadonlyMap<string, string>, stream: StreamDefinition, now: Date): boolean {
  if (requirementOf(stream) === undefined) return false;
  const since = Date.parse(bookmarks.get(unavailableKey(stream.name)) ?? '');
  return !Number.isNaN(since) && now.getTime() - since < UNAVAILABLE_RECHECK_MS;
}

function listsEverything(stream: StreamDefinition, bookmark: string | undefined): boolean {
  return stream.replication === 'full' || bookmark === undefined;
}

export async function loadStream(
  context: LoadContext,
  stream: StreamDefinition,
  bookmark: string | undefined,
): Promise<StreamOutcome> {
  const { reporter, pipedrive } = context;
  // Replaced when a record needs field metadata the stored one lacks (context.beforeShaping).
  let model = modelOf(context, stream.table);
  const stats = context.statsFor(stream.name, stream.table);
  const started = Date.now();
  const batch = new RowBatch(context.batch);
  const key = stream.replicationKey;
  const keyColumn = stream.primaryKey[0] ?? 'id';
  const collect = listsEverything(stream, bookmark);
  const keys: unknown[] = [];
  const savesBookmarkPerBatch = stream.replication === 'incremental';
  let newest: string | undefined;
  // A read with two cursors (windows.ts) proves less than its newest record: the bookmark stops at its limit.
  let limit: string | undefined;
  const future = new FutureRecords();
  const commits = new BackgroundCommits();
  const writer = streamWriter(context, stats, model, stream);
  // A list read on the cadence records the time of its complete read with its last batch
  // (list-cadence.ts); an empty list too, or it would be read again every run.
  const onCadence = readsOnCadence(stream);
  // `end`: the stream stops here, so a commit unit still open commits with this batch.
  const flush = (last: boolean, end: boolean): void => {
    const newestFirstEnd = last && newest !== undefined && stream.replication === 'newest_first';
    const listedInFull = last && onCadence;
    if (batch.size === 0 && !newestFirstEnd && !listedInFull && !(end && writer.spansBatches)) return;
    const rows = batch.take();
    const shapedBy = model;
    const safe = newest === undefined || limit === undefined || timestampMillisOf(newest) <= timestampMillisOf(limit) ? newest : limit;
    const newestOrCapped = safe === undefined ? undefined : capAtClock(safe, sourceClock(context));
    // A bookmark goes with rows, or ends a newest-first read; an empty end only closes a unit.
    const carries = rows.length > 0 || newestFirstEnd;
    const saveBookmark = carries && (savesBookmarkPerBatch || (last && stream.replication === 'newest_first')) ? newestOrCapped : undefined;
    const listed = listedInFull
      ? (session: WarehouseSession) => context.store.saveBookmark(session, listedKey(stream.name), context.loadedAt, context.loadId)
      : undefined;
    commits.start(() => writer.write(shapedBy, rows, saveBookmark, end, listed));
  };
  reporter.info('stream_started', `${stream.name}: reading${bookmark && stream.replication !== 'full' ? ` changes since ${bookmark}` : ' everything'}`, {
    stream: stream.name,
  });
  try {
    // Past a stop request the reader asks for no new page, but hands over one already asked for
    // (and paid for), which is committed like the rest.
    for await (const page of readStream(pipedrive, stream, bookmark, context.shouldStop)) {
      stats.pages += 1;
      await context.beforeShaping?.(stream, page.records);
      const current = modelOf(context, stream.table);
      if (current !== model) {
        // Rows shaped by the previous model commit with the columns it knew, before any row of the new one.
        await commits.settle();
        flush(false, false);
        model = current;
      }
      // Only now: the rows flushed above must not carry a bookmark this page's limit allows.
      limit = page.bookmarkLimit;
      // Shaped timestamps are canonical ISO text, so only values sorting after the clock's
      // second need the exact check: the hot loop pays a string comparison per record.
      const clock = sourceClock(context);
      const clockText = isoSecondsOf(clock);
      for (const record of page.records) {
        const row = withSystemColumns(context, model.shape(record));
        const value = key === undefined ? undefined : row[key];
        if (typeof value === 'string' && (newest === undefined || value > newest)) newest = value;
        if (typeof value === 'string' && value > clockText) future.note(row[keyColumn], value, clock);
        if (collect) keys.push(row[keyColumn]);
        batch.add(row);
        stats.records += 1;
      }
      const seconds = (Date.now() - started) / 1000;
      reporter.progress(
        `${stream.name}: ${stats.records.toLocaleString('en-US')} records, ${stats.pages} pages, ` +
          `${Math.round(stats.records / Math.max(seconds, 0.001)).toLocaleString('en-US')} records/s`,
        { stream: stream.name, ...streamCounts(stats), duration: Number(seconds.toFixed(3)) },
      );
      if (batch.isFull()) {
        await commits.settle(); // the previous batch is committed: at most one in flight
        flush(false, false);
      }
    }
    // The reader ends early only on a stop request, which stays true: a read that ended with one
    // pending is incomplete (no deletes judged from it, no newest-first bookmark).
    const stopped = context.shouldStop();
    flush(!stopped, true);
    await commits.settle();
    stats.status = stopped ? 'stopped' : 'loaded';
    return { complete: collect && !stopped, keys: collect && !stopped ? keys : [] };
  } catch (error) {
    await commits.settle().catch(() => undefined);
    const requirement = requirementOf(stream);
    if (requirement !== undefined && NOT_AVAILABLE.has(refusalStatus(error) ?? 0) && stats.records === 0) {
      stats.status = 'skipped';
      reporter.info('stream_skipped', `${stream.name}: not available to this company (needs ${requirement}); skipped, asked again in a day.`, {
        stream: stream.name,
      });
      // Remembered for a day, so an unchanged company does not pay for the same refusal every run.
      await context.writes.run(() =>
        context.warehouse.transaction((session) => context.store.saveBookmark(session, unavailableKey(stream.name), context.loadedAt, context.loadId)),
      );
      return { complete: false, keys: [] };
    }
    // Whatever was read before a source failure is valid: commit it (an incremental stream with
    // its bookmark, so the rerun starts after it). Best effort: the source failure is what gets
    // reported. After a warehouse failure nothing more is written.
    if (isLoaderError(error) && !error.name.startsWith('Warehouse')) {
      flush(false, true);
      await commits.settle().catch(() => undefined);
    }
    await writer.abandon().catch(() => undefined); // a unit that could not commit: read again by the rerun
    stats.status = 'failed';
    throw error;
  } finally {
    future.report(context, stream.name);
    finishStats(context, stream, stats, started);
  }
}

export function finishStats(context: LoadContext, stream: StreamDefinition, stats: StreamStats, started: number): void {
  stats.seconds = (Date.now() - started) / 1000;
  const usage = context.pipedrive.usage.byStream().get(stream.name);
  stats.requests = usage?.requests ?? 0;
  stats.tokens = usage?.tokens ?? 0;
  context.reporter.clearProgress();
  if (stats.status === 'skipped') return;
  context.reporter.info(
    'stream_finished',
    `${stream.name}: ${stats.records} records (${stats.inserted} new, ${stats.updated} updated, ${stats.unchanged} unchanged, ` +
      `${stats.deleted} marked deleted), ${stats.requests} requests, ${stats.tokens} tokens, ${stats.seconds.toFixed(1)}s`,
    {
      stream: stream.name,
      ...streamCounts(stats),
      duration: Number(stats.seconds.toFixed(3)),
      load_id: context.loadId,
    },
  );
}
