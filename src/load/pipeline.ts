/**
 * The main job: read the selected catalog streams and upsert them into the target schema.
 *
 *   migrate → read state (bookmarks, column map) → field metadata (read from Pipedrive when
 *   the list cadence is due, else as stored in `<entity>_fields`) → build table models
 *   → evolve the schema → field tables → streams, several at once, lists only when due
 *   (list-cadence.ts; a record needing unknown field metadata re-reads it: field-refresh.ts)
 *   → children (deal products) → deletes (free where a table was listed in full, else key
 *   scans on the cadence)
 *
 * Independent streams are read concurrently; the client's rate limiter keeps all of them inside
 * the plan's burst limit, and every warehouse transaction goes through one queue.
 *
 * Crash safety: each batch's rows and its stream's bookmark commit in one transaction. The
 * columns a batch needs are added before it, in a transaction of their own together with the
 * column map (`SchemaSync.ensureColumnsFor`), on every warehouse: a crash between the two leaves
 * an empty new column, which the rerun finds and fills. A crash at any moment leaves committed
 * batches and their bookmarks; the rerun resumes there, and the merge by primary key makes
 * re-reads harmless.
 */
import type { WarehouseClient } from '../../adapters/types.js';
import { BudgetExhaustedError, isLoaderError, SourceTerminalError, SourceTransientError } from '../errors.js';
import { STREAMS, type ChildRead, type MetadataEntity, type StreamDefinition } from '../pipedrive/catalog.js';
import type { FieldDefinition } from '../pipedrive/fields.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import type { Reporter } from '../report/reporter.js';
import { migrate } from '../../migrations/index.js';
import { StateStore } from '../state/store.js';
import type { HistoryChoice } from '../history/selection.js';
import { HistoryWriter, warnHistoryOff } from '../history/writer.js';
import { runBatching } from './batch.js';
import { loadChildren } from './child-loader.js';
import type { LoadContext } from './context.js';
import { markMissing, reconciledKey, reconcileDue, scanAndMark, type ReconcileMode } from './deletes.js';
import { FieldMetadata, storedFieldDefinitions, writeFieldTable } from './field-refresh.js';
import { DEFAULT_LIST_REFRESH_MS, describeRefresh, listDue, listedKey, readsOnCadence } from './list-cadence.js';
import { SchemaSync, buildModels, fieldEntitiesFor } from './schema-sync.js';
import { fetchFieldDefinitions } from '../pipedrive/paginate.js';
import { SerialQueue } from './serial.js';
import { isAfterClock, isoSecondsOf } from '../state/bookmarks.js';
import { loadStream, recentlyUnavailable, requirementOf, sourceClock, type StreamOutcome } from './stream-loader.js';
import { START_DATE_KEY } from './start-date.js';
import { newStreamStats, type RunStatus, type RunSummary, type StreamStats } from './summary.js';

/** Streams read at once by default: enough to overlap page latency, few enough to stay fair. */
export const DEFAULT_STREAM_CONCURRENCY = 4;

export interface PipelineOptions {
  readonly pipedrive: PipedriveClient;
  readonly warehouse: WarehouseClient;
  readonly schema: string;
  readonly streams: readonly StreamDefinition[];
  readonly fullRefresh: boolean;
  /**
   * Start date of a first backfill (load --since, start_date): incremental and newest-first
   * streams without a bookmark (or all of them on a full refresh) read from here (start-date.ts).
   */
  readonly since?: string;
  readonly loadId: string;
  readonly reporter: Reporter;
  /** Rows per committed batch (--batch-rows); absent: the warehouse's own sizing (batch.ts). */
  readonly batchRows?: number;
  /** Polled between batches: true after SIGINT/SIGTERM, so the run stops at a batch boundary. */
  readonly shouldStop?: () => boolean;
  readonly now?: () => Date;
  /** Key scans for deletes: always, at most once a day per table (default), or never. */
  readonly reconcileDeletes?: ReconcileMode;
  /**
   * False: no row is marked deleted for missing from a listing, complete or scanned (a non-admin
   * token lists only what its user may see; src/load/preflight.ts). Default true.
   */
  readonly inferDeletes?: boolean;
  readonly concurrency?: number;
  /** History mode: the tables that keep every version read (src/history). */
  readonly history?: readonly HistoryChoice[];
  /**
   * How often the lists Pipedrive can only return whole, the archived leads and the field
   * metadata are read (list-cadence.ts); 0 reads them every run. Default 6 hours.
   */
  readonly refreshListsMs?: number;
}

export class LoadPipeline {
  private readonly now: () => Date;
  private readonly store: StateStore;
  private readonly summary: RunSummary;
  private readonly started: number;
  /** The start date this run reads from where a stream has no bookmark (startDate). */
  private since: string | undefined;
  /**
   * Set by the first failure that dooms the whole run (the warehouse, the budget, the token, a
   * bug), so the other streams stop at their next batch boundary.
   */
  private failed = false;
  /** Streams that failed on the source alone, in the order they failed; the others went on. */
  private readonly sourceFailures: { readonly stream: string; readonly error: SourceTerminalError | SourceTransientError }[] = [];
  /** Streams (and `<entity>_fields`) this run leaves unread: their list cadence is not due. */
  private readonly resting = new Set<string>();

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? (() => new Date());
    this.store = new StateStore(options.warehouse, options.schema);
    this.summary = { loadId: options.loadId, status: 'running', streams: [], requests: 0, tokens: 0, seconds: 0 };
    this.started = Date.now();
  }

  async run(): Promise<RunSummary> {
    const { warehouse, schema, reporter, loadId } = this.options;
    await migrate(warehouse, schema);
    const loadedAt = this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await this.store.startRun(loadId, loadedAt);
    reporter.info('run_started', `Loading into ${warehouse.describeTarget()}, schema ${schema} (load ${loadId})`, {
      load_id: loadId,
    });
    try {
      const stored = await this.store.readBookmarks();
      this.since = await this.startDate(stored);
      const sync = new SchemaSync(warehouse, schema, this.store);
      await sync.load();
      const fields = await this.fieldMetadata(stored, sync);
      const persisted = await this.store.readColumnMappings();
      const kept = new Set([...fields.keys()].filter((entity) => this.resting.has(`${entity}_fields`)));
      const models = buildModels(this.options.streams, fields, persisted, loadedAt, kept);
      const bookmarks = this.withoutDriftedBookmarks(stored, sync.driftedTables(models, persisted));
      const choices = this.options.history ?? [];
      const history = choices.length === 0 ? undefined : new HistoryWriter({ warehouse, schema, store: this.store, reporter, loadId, loadedAt });
      const metadata = new FieldMetadata(fields, persisted, stored, this.options.streams, this.freshFields(fields), this.options.inferDeletes !== false);
      const context: LoadContext = this.contextFor({
        sync,
        models,
        bookmarks,
        loadedAt,
        history,
        beforeShaping: (stream, records) => metadata.beforeShaping(context, stream, records),
      });
      this.restListsNotDue(bookmarks);
      // Summary rows in reading order: field metadata first, then the streams.
      for (const entity of fields.keys()) context.statsFor(`${entity}_fields`, `${entity}_fields`);
      for (const stream of this.options.streams) if (!stream.describes) context.statsFor(stream.name, stream.table);
      this.attributeColumns(context, await sync.ensure(models, persisted), fields);
      await history?.start(choices, models, sync, stored);
      warnHistoryOff(reporter, stored, new Set(this.options.streams.map((stream) => stream.table)), choices);
      await this.loadFieldTables(context, fields);
      this.reportResting();
      await this.loadStreams(context);
      if (!this.stopRequested()) this.throwSourceFailures();
      if (this.summary.status === 'running') this.summary.status = this.stopRequested() ? 'interrupted' : 'succeeded';
    } catch (error) {
      this.summary.status = statusOf(error);
      // Stored in _loader_runs, where `state show` and anyone with read access see it: redacted
      // exactly like the printed line (the token, profile secrets).
      this.summary.error = this.options.reporter.redact(error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      await this.finish();
    }
    return this.summary;
  }

  /**
   * A start date given to a run (--since, start_date) stays the schema's: recorded in
   * `_loader_state` before any stream reads, so that later runs without it, their key scans and
   * the tables they re-read after drift keep to the same bounded history.
   */
  private async startDate(stored: Map<string, string>): Promise<string | undefined> {
    const given = this.options.since;
    const recorded = stored.get(START_DATE_KEY);
    if (given === undefined || given === recorded) return recorded;
    await this.options.warehouse.transaction((session) => this.store.saveBookmark(session, START_DATE_KEY, given, this.options.loadId));
    stored.set(START_DATE_KEY, given);
    this.options.reporter.info(
      'start_date',
      `Records updated before ${given} are not loaded into this schema (its start date${recorded === undefined ? '' : `, was ${recorded}`}).`,
    );
    return given;
  }

  /**
   * A table (or a column the loader made) dropped by hand while its streams kept their bookmarks
   * would be recreated empty and filled only with later changes. Its streams forget their
   * bookmarks for this run instead: the table is read in full, and the run says so.
   */
  private withoutDriftedBookmarks(bookmarks: Map<string, string>, drifted: ReadonlyMap<string, string>): Map<string, string> {
    const kept = new Map(bookmarks);
    for (const [table, why] of drifted) {
      // A list on the cadence whose table drifted is read again now (list-cadence.ts).
      for (const stream of this.options.streams) if (stream.table === table) kept.delete(listedKey(stream.name));
      const streams = this.options.streams.filter((stream) => stream.table === table && kept.has(stream.name));
      if (streams.length === 0) continue;
      for (const stream of streams) kept.delete(stream.name);
      this.options.reporter.warn(
        'table_drifted',
        `${table}: ${why} though ${streams.map((s) => s.name).join(', ')} had a bookmark; reading ${table} in full to restore it.`,
        { stream: streams[0]?.name },
      );
    }
    return kept;
  }

  /** The figures so far: after `run` threw, what the run did before it stopped. */
  get progress(): RunSummary {
    return this.summary;
  }

  private stopRequested(): boolean {
    return this.options.shouldStop?.() === true;
  }

  private get refreshListsMs(): number {
    return this.options.refreshListsMs ?? DEFAULT_LIST_REFRESH_MS;
  }

  /** Whether a list last read in full at `last` is read again this run. */
  private listDue(last: string | undefined): boolean {
    return this.options.fullRefresh || listDue(this.refreshListsMs, last, this.now());
  }

  /**
   * Each entity's field definitions: read from Pipedrive when the cadence is due (or nothing
   * usable is stored), else as the last read stored them in `<entity>_fields`. A record that
   * needs more makes the run read them again (field-refresh.ts).
   */
  private async fieldMetadata(stored: ReadonlyMap<string, string>, sync: SchemaSync): Promise<Map<MetadataEntity, FieldDefinition[]>> {
    const fields = new Map<MetadataEntity, FieldDefinition[]>();
    for (const entity of fieldEntitiesFor(this.options.streams)) {
      const table = `${entity}_fields`;
      const due = !sync.hasTable(table) || this.listDue(stored.get(listedKey(table)));
      // A table altered by hand that no longer answers the query is simply read again.
      const kept = due ? undefined : await storedFieldDefinitions(this.options.warehouse, this.options.schema, entity).catch(() => undefined);
      if (kept !== undefined) {
        fields.set(entity, kept);
        this.resting.add(table);
      } else {
        fields.set(entity, await fetchFieldDefinitions(this.options.pipedrive, entity));
      }
    }
    return fields;
  }

  /** The entities whose field metadata this run read from Pipedrive (not resting). */
  private freshFields(fields: ReadonlyMap<MetadataEntity, unknown>): Set<MetadataEntity> {
    return new Set([...fields.keys()].filter((entity) => !this.resting.has(`${entity}_fields`)));
  }

  /** Lists whose cadence is not due; a table drifted by hand has lost its `#listed_at` (withoutDriftedBookmarks). */
  private restListsNotDue(bookmarks: ReadonlyMap<string, string>): void {
    for (const stream of this.options.streams) {
      if (!readsOnCadence(stream)) continue;
      // The archived leads are read newest first down to their bookmark: none, no rest.
      if (stream.replication !== 'full' && !bookmarks.has(stream.name)) continue;
      if (!this.listDue(bookmarks.get(listedKey(stream.name)))) this.resting.add(stream.name);
    }
  }

  private reportResting(): void {
    if (this.resting.size === 0) return;
    const names = [...this.resting];
    this.options.reporter.info(
      'lists_not_due',
      `Not read this run, read ${describeRefresh(this.refreshListsMs)} (--refresh-lists) or when a record needs them: ${names.join(', ')}.`,
      { streams: names.join(',') },
    );
  }

  private contextFor(parts: Pick<LoadContext, 'sync' | 'models' | 'bookmarks' | 'loadedAt' | 'history' | 'beforeShaping'>): LoadContext {
    const { options } = this;
    return {
      ...parts,
      pipedrive: options.pipedrive,
      warehouse: options.warehouse,
      schema: options.schema,
      store: this.store,
      reporter: options.reporter,
      loadId: options.loadId,
      ...runBatching(options.warehouse, options.batchRows),
      since: this.since,
      shouldStop: () => this.failed || this.stopRequested(),
      writes: new SerialQueue(),
      statsFor: (stream, table) => this.statsFor(stream, table),
    };
  }

  /** The `<entity>_fields` tables hold the metadata already read; no further requests. */
  private async loadFieldTables(context: LoadContext, fields: ReadonlyMap<MetadataEntity, FieldDefinition[]>): Promise<void> {
    for (const [entity, definitions] of fields) {
      const table = `${entity}_fields`;
      if (this.resting.has(table)) {
        context.statsFor(table, table).status = 'skipped';
        continue;
      }
      // The metadata is always listed in full: fields deleted in Pipedrive are marked for free.
      await writeFieldTable(context, entity, definitions, this.options.inferDeletes !== false);
    }
  }

  /**
   * Streams run in a pool; a table's deletes are settled once all of its streams are done, and
   * children wait for the streams that write their parents.
   */
  private async loadStreams(context: LoadContext): Promise<void> {
    const streams = this.options.streams.filter((stream) => !stream.describes);
    const outcomes = new Map<string, StreamOutcome>();
    const done = new Map<string, Promise<void>>();
    const pool = new Pool(this.options.concurrency ?? DEFAULT_STREAM_CONCURRENCY);
    const { since } = this;
    const startOf = (stream: StreamDefinition): string | undefined =>
      stream.replication === 'full' || stream.replicationKey === undefined ? undefined : since;
    const bookmarkOf = (stream: StreamDefinition): string | undefined =>
      (this.options.fullRefresh ? undefined : validBookmark(context, stream, context.bookmarks.get(stream.name))) ?? startOf(stream);
    for (const stream of streams) {
      const after = stream.children?.after.filter((name) => streams.some((s) => s.name === name)) ?? [];
      const task = Promise.all(after.map((name) => done.get(name))).then(() =>
        pool.run(() => this.isolated(stream.name, async () => {
          if (context.shouldStop()) return;
          const failedParents = after.filter((name) => this.sourceFailures.some((failure) => failure.stream === name));
          if (failedParents.length > 0) {
            context.statsFor(stream.name, stream.table).status = 'skipped';
            context.reporter.warn('stream_skipped', `${stream.name}: skipped because ${failedParents.join(', ')} failed; read on the next run.`, { stream: stream.name });
            return;
          }
          if (!this.options.fullRefresh && recentlyUnavailable(context.bookmarks, stream, this.now())) {
            context.statsFor(stream.name, stream.table).status = 'skipped';
            context.reporter.info('stream_skipped', `${stream.name}: not available to this company a day ago (needs ${requirementOf(stream)}); skipped.`, { stream: stream.name });
            return;
          }
          if (this.resting.has(stream.name)) {
            context.statsFor(stream.name, stream.table).status = 'skipped';
            // Not listed this run: no delete is judged from it, but a due key scan of its table may run.
            outcomes.set(stream.name, { complete: false, keys: [] });
            return;
          }
          if (stream.children) await this.loadChildStream(context, stream as StreamDefinition & { children: ChildRead });
          else outcomes.set(stream.name, await loadStream(context, stream, bookmarkOf(stream)));
        })),
      );
      done.set(stream.name, task);
    }
    await this.settleAll([...done.values()]);
    if (!context.shouldStop() && this.options.inferDeletes !== false) await this.settleDeletes(context, streams, outcomes, pool);
  }

  private async loadChildStream(context: LoadContext, stream: StreamDefinition & { children: ChildRead }): Promise<void> {
    if (!context.sync.hasTable(stream.children.parentTable)) {
      context.statsFor(stream.name, stream.table).status = 'skipped';
      context.reporter.info('stream_skipped', `${stream.name}: no ${stream.children.parentTable} loaded yet; load them first.`, { stream: stream.name });
      return;
    }
    // --full-refresh visits every parent again: the child stream starts without its bookmark.
    const childContext = this.options.fullRefresh ? { ...context, bookmarks: new Map<string, string>() } : context;
    await loadChildren(childContext, stream);
  }

  /**
   * Runs one stream's (or one table's deletes') work. A source failure (Pipedrive refused or kept
   * failing) is this stream's alone: it is reported, and the independent streams finish and
   * commit; the run then exits 5 naming every failed stream (`throwSourceFailures`). Anything else
   * (the warehouse, the budget, the token, a stop, a bug) concerns every stream: it is rethrown.
   */
  private async isolated(name: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof SourceTerminalError || error instanceof SourceTransientError)) throw error;
      this.sourceFailures.push({ stream: name, error });
      this.options.reporter.warn('stream_failed', `${name}: failed, the other streams go on. ${this.options.reporter.redact(error.message)}`, { stream: name });
    }
  }

  /** After the other streams committed: one source error naming every stream that failed. */
  private throwSourceFailures(): void {
    const failures = this.sourceFailures;
    if (failures.length === 0) return;
    const names = failures.map((failure) => failure.stream).join(', ');
    const details = failures.map((failure) => `${failure.stream}: ${failure.error.message}`).join(' | ');
    const message =
      `${failures.length === 1 ? 'Stream' : `${failures.length} streams`} failed: ${names}. The other streams were loaded and committed; ` +
      `the failed ones resume from their bookmarks on the next run. ${details}`;
    const terminal = failures.find((failure) => failure.error instanceof SourceTerminalError)?.error;
    throw terminal instanceof SourceTerminalError
      ? new SourceTerminalError(message, terminal.status, { cause: terminal })
      : new SourceTransientError(message, { cause: failures[0]?.error });
  }

  /** Waits for every task; marks the run failed at the first error so the rest stop early. */
  private async settleAll(tasks: readonly Promise<void>[]): Promise<void> {
    const results = await Promise.allSettled(
      tasks.map((task) =>
        task.catch((error: unknown) => {
          this.failed = true;
          throw error;
        }),
      ),
    );
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async settleDeletes(
    context: LoadContext,
    streams: readonly StreamDefinition[],
    outcomes: ReadonlyMap<string, StreamOutcome>,
    pool: Pool,
  ): Promise<void> {
    const mode = this.options.reconcileDeletes ?? 'daily';
    const tables = new Map<string, StreamDefinition[]>();
    for (const stream of streams) {
      if (stream.children) continue;
      tables.set(stream.table, [...(tables.get(stream.table) ?? []), stream]);
    }
    // A table fed by several streams (deals and archived deals …) is compared only when all of
    // them ran: `--streams deals_archived` alone lists no live deal, which is not a delete.
    for (const [table, group] of tables) {
      if (STREAMS.some((s) => s.table === table && !s.children && !s.describes && !group.includes(s))) tables.delete(table);
    }
    const tasks: Promise<void>[] = [];
    for (const [table, group] of tables) {
      const results = group.map((stream) => outcomes.get(stream.name));
      const stats = context.statsFor(group[0]?.name ?? table, table);
      // A stream that failed or was skipped has no outcome: its table's deletes are not judged.
      if (results.every((result) => result?.complete)) {
        // Listed in full this run: deletes come for free.
        tasks.push(pool.run(async () => void (stats.deleted += await markMissing(context, table, results.flatMap((r) => r?.keys ?? [])))));
      } else if (results.every((result) => result !== undefined) && group.some((s) => s.replication !== 'full')) {
        if (reconcileDue(mode, context.bookmarks.get(reconciledKey(table)), this.now())) {
          tasks.push(pool.run(() => this.isolated(`${table} deletes`, async () => void (await scanAndMark(context, table, group)))));
        }
      }
    }
    await this.settleAll(tasks);
  }

  /** Columns created before any stream ran are counted on the first stream writing each table. */
  private attributeColumns(context: LoadContext, added: ReadonlyMap<string, number>, fields: ReadonlyMap<MetadataEntity, unknown>): void {
    const writers = [
      ...[...fields.keys()].map((entity) => ({ name: `${entity}_fields`, table: `${entity}_fields` })),
      ...this.options.streams.filter((s) => !s.describes),
    ];
    for (const [table, count] of added) {
      const writer = writers.find((w) => w.table === table);
      if (writer) context.statsFor(writer.name, table).columnsAdded += count;
    }
  }

  private statsFor(stream: string, table: string): StreamStats {
    let stats = this.summary.streams.find((s) => s.stream === stream);
    if (!stats) {
      stats = newStreamStats(stream, table);
      this.summary.streams.push(stats);
    }
    return stats;
  }

  private async finish(): Promise<void> {
    const total = this.options.pipedrive.usage.total();
    this.summary.requests = total.requests;
    this.summary.tokens = total.tokens;
    this.summary.seconds = (Date.now() - this.started) / 1000;
    for (const stats of this.summary.streams) {
      const usage = this.options.pipedrive.usage.byStream().get(stats.stream);
      if (usage) {
        stats.requests = usage.requests;
        stats.tokens = usage.tokens;
      }
    }
    try {
      await this.store.finishRun(this.options.loadId, this.summary, this.now().toISOString());
    } catch (error) {
      // Recording the run must not hide the error that ended it.
      this.options.reporter.warn('run_record_failed', `Could not record the run in _loader_runs: ${String(error)}`);
    }
  }
}

/** At most `size` tasks at once, started in the order they were queued. */
class Pool {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= Math.max(1, this.size)) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}

/**
 * A stored bookmark after Pipedrive's own clock cannot be right (written from a record stamped in
 * the future before bookmarks were capped, or edited by hand): used, it would skip every change
 * until that moment. Nothing tells which earlier point is safe, so the stream is read in full
 * this once (which also settles its deletes); the bookmark it then commits is capped.
 */
function validBookmark(context: LoadContext, stream: StreamDefinition, stored: string | undefined): string | undefined {
  if (stored === undefined || stream.replication === 'full') return stored;
  const clock = sourceClock(context);
  if (!isAfterClock(stored, clock)) return stored;
  context.reporter.warn(
    'bookmark_in_future',
    `${stream.name}: the stored bookmark ${stored} is later than Pipedrive's own clock (${isoSecondsOf(clock)}), so it cannot be ` +
      'right (a record stamped in the future, or an edited bookmark). Reading the stream in full this time rather than skip changes.',
    { stream: stream.name },
  );
  return undefined;
}

function statusOf(error: unknown): RunStatus {
  if (error instanceof BudgetExhaustedError) return 'budget_exhausted';
  if (isLoaderError(error) && error.name === 'InterruptedError') return 'interrupted';
  return 'failed';
}
