/**
 * What every part of one load run shares: the two ends, the table models, the write queue, and
 * the per-stream figures. Built once by LoadPipeline and handed to the stream, child and delete
 * loaders, so none of them needs the others.
 */
import type { StagingFile, WarehouseClient, WarehouseSession } from '../../adapters/types.js';
import type { Reporter } from '../report/reporter.js';
import type { HistoryWriter } from '../history/writer.js';
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import { rejectsOf } from '../schema/rejects.js';
import type { TableModel } from '../schema/shape.js';
import type { Row } from '../schema/types.js';
import type { RejectInput } from '../state/rejects.js';
import type { StateStore } from '../state/store.js';
import type { BatchLimits, CommitUnitLimits } from './batch.js';
import type { SchemaSync, TableModels, WritePlan } from './schema-sync.js';
import type { SerialQueue } from './serial.js';
import type { StreamStats } from './summary.js';
import { mergeStaged, upsertBatch } from './upsert.js';

export interface LoadContext {
  readonly pipedrive: PipedriveClient;
  readonly warehouse: WarehouseClient;
  readonly schema: string;
  readonly store: StateStore;
  readonly sync: SchemaSync;
  readonly models: TableModels;
  readonly reporter: Reporter;
  readonly loadId: string;
  /** This run's start, stamped on every row as `_loaded_at`. */
  readonly loadedAt: string;
  /** Rows held in memory at once; without `unit`, also the rows of one commit. */
  readonly batch: BatchLimits;
  /** Where the warehouse stages through a file: the rows of one commit (StreamWriter). */
  readonly unit?: CommitUnitLimits;
  /** The run's start date (load --since): a key scan restores no record updated before it. */
  readonly since?: string;
  /** True once the user asked to stop, or another stream failed: stop at a batch boundary. */
  readonly shouldStop: () => boolean;
  /** Every warehouse transaction of the run, one at a time. */
  readonly writes: SerialQueue;
  readonly bookmarks: ReadonlyMap<string, string>;
  /** History mode (src/history): the tables keeping every version, when the run has any. */
  readonly history?: HistoryWriter;
  /**
   * Awaited before a page of records is shaped: re-reads field metadata the records need that the
   * stored metadata lacks (field-refresh.ts), which may replace the stream's table model.
   */
  readonly beforeShaping?: (stream: StreamDefinition, records: readonly Readonly<Record<string, unknown>>[]) => Promise<void>;
  statsFor(stream: string, table: string): StreamStats;
}

export function modelOf(context: LoadContext, table: string): TableModel {
  const model = context.models.get(table);
  if (!model) throw new Error(`no table model for ${table}`);
  return model;
}

/** Adds the run's system columns to a shaped row. */
export function withSystemColumns(context: LoadContext, row: Row): Row {
  row._loaded_at = context.loadedAt;
  row._load_id = context.loadId;
  return row;
}

interface SortedBatch {
  /** The rows to merge: all but those of records without a usable primary key. */
  readonly loadable: Row[];
  readonly rejects: RejectInput[];
  /** Values of loaded rows that became NULL. */
  readonly nulled: number;
  readonly skipped: number;
  /** Ids whose earlier rejects this batch replaces; empty when the table has none stored. */
  readonly recordIds: string[];
}

/**
 * Splits off what the shaper refused (src/schema/rejects.ts). Rows without rejects cost one
 * WeakMap lookup; their ids are listed only when the table has rejects stored, which a record
 * read again clean must clear.
 */
async function sortRejects(context: LoadContext, model: TableModel, rows: readonly Row[]): Promise<SortedBatch> {
  const loadable: Row[] = [];
  const rejects: RejectInput[] = [];
  let skipped = 0;
  let nulled = 0;
  for (const row of rows) {
    const found = rejectsOf(row);
    if (found === undefined) {
      loadable.push(row);
      continue;
    }
    for (const value of found.values) rejects.push({ recordId: found.recordId, ...value });
    if (found.skip) {
      skipped += 1;
    } else {
      nulled += found.values.length;
      loadable.push(row);
    }
  }
  const recordIds: string[] = [];
  if ((await context.store.tablesWithRejects()).has(model.spec.name)) {
    const key = model.spec.primaryKey;
    for (const row of loadable) recordIds.push(key.map((column) => String(row[column])).join(','));
  }
  return { loadable, rejects, nulled, skipped, recordIds };
}

/**
 * One batch through the run's write queue: first the new columns it needs, in their own
 * transaction with the column map (ensureColumnsFor; additive and idempotent, so a crash after it
 * only leaves an empty column), then its rows and whatever state the caller saves with them (a
 * bookmark), committed together in one transaction. Values the shaper refused
 * are written to `_loader_rejects` in the same transaction; records without a usable primary key
 * are recorded there and not merged.
 */
export function commitBatch(
  context: LoadContext,
  stats: StreamStats,
  model: TableModel,
  rows: Row[],
  stream: StreamDefinition | undefined,
  afterMerge?: (session: WarehouseSession) => Promise<void>,
): Promise<void> {
  return context.writes.run(async () => {
    stats.columnsAdded += await context.sync.ensureColumnsFor(model);
    const write = context.sync.writePlan(model);
    const table = model.spec.name;
    const sorted = await sortRejects(context, model, rows);
    const writesRejects = sorted.rejects.length > 0 || sorted.recordIds.length > 0;
    const projected = sorted.loadable.map(write.project);
    // History mode: the batch's versions, written after the merge in the same transaction.
    const history = await context.history?.forBatch(table, write.columns, projected);
    const afterRejects = writesRejects
      ? async (session: WarehouseSession) => {
          const now = new Date().toISOString();
          await context.store.replaceRejects(session, table, sorted.recordIds, sorted.rejects, context.loadId, now);
          await afterMerge?.(session);
        }
      : afterMerge;
    let result: Awaited<ReturnType<typeof upsertBatch>>;
    try {
      result = await upsertBatch(
        context.warehouse,
        {
          target: { schema: context.schema, name: table },
          columns: write.columns,
          rows: projected,
          primaryKey: write.primaryKey,
          newestBy: stream?.replicationKey,
        },
        history === undefined
          ? afterRejects
          : async (session) => {
              await afterRejects?.(session);
              await history(session);
            },
      );
    } finally {
      await context.history?.cleanUp();
    }
    stats.inserted += result.inserted;
    stats.updated += result.updated;
    stats.unchanged += result.unchanged;
    reportRejects(context, stream?.name ?? table, sorted);
  });
}

function reportRejects(context: LoadContext, name: string, sorted: Pick<SortedBatch, 'rejects' | 'nulled' | 'skipped'>): void {
  if (sorted.rejects.length === 0) return;
  const parts = [
    sorted.nulled > 0 ? `${sorted.nulled} value(s) that fit no column of their type stored as NULL` : '',
    sorted.skipped > 0 ? `${sorted.skipped} record(s) without a valid id skipped` : '',
  ];
  context.reporter.warn(
    'values_rejected',
    `${name}: ${parts.filter(Boolean).join(', ')}; recorded in _loader_rejects (\`state show\` lists them).`,
    { stream: name, rejects: sorted.rejects.length },
  );
}

/** Where a stream's batches go, in reading order, one call at a time (BackgroundCommits). */
export interface StreamWriter {
  /**
   * One memory batch shaped by `model` (a stream's model is replaced when a record needs field
   * metadata the stored one lacks), and the bookmark its commit saves (undefined: none). `state`
   * is more state saved in that commit's transaction (a list's `#listed_at`). `end`: the stream
   * stops here, so whatever this writer holds commits now.
   */
  write(
    model: TableModel,
    rows: Row[],
    bookmark: string | undefined,
    end: boolean,
    state?: (session: WarehouseSession) => Promise<void>,
  ): Promise<void>;
  /** Whether a commit may hold several batches, so the stream's end must be written even without rows. */
  readonly spansBatches: boolean;
  /** After a failure: drops what was staged and not committed (the rerun reads it again). */
  abandon(): Promise<void>;
}

/**
 * A writer for `stream`: one commit per batch, or, where the warehouse stages commit units
 * through a file (`context.unit`), one load and one merge per unit.
 */
export function streamWriter(context: LoadContext, stats: StreamStats, model: TableModel, stream: StreamDefinition): StreamWriter {
  const { unit } = context;
  const open = context.warehouse.openStagingFile?.bind(context.warehouse);
  // A table keeping a history is written batch by batch: the history step stages each batch's
  // versions and runs in its transaction (commitBatch); a commit unit has no such step.
  const keepsHistory = context.history?.keeps(model.spec.name) ?? false;
  if (unit !== undefined && open !== undefined && !keepsHistory) return new CommitUnits(context, stats, model, stream, unit, open);
  return {
    spansBatches: false,
    write: (shapedBy, rows, bookmark, _end, state) =>
      commitBatch(context, stats, shapedBy, rows, stream, async (session) => {
        if (bookmark !== undefined) await context.store.saveBookmark(session, stream.name, bookmark, context.loadId);
        await state?.(session);
      }),
    abandon: async () => undefined,
  };
}

/**
 * Memory batches appended to a staging file until the unit is full (rows or staged bytes) or the
 * stream ends; then one load, and one transaction holding the merge, the unit's rejects and the
 * newest bookmark its batches brought. Nothing is committed before that transaction, so a crash
 * in between loses only what the rerun reads again. A batch that brings new columns closes the
 * open unit first: one unit, one column list.
 */
class CommitUnits implements StreamWriter {
  private file: StagingFile | undefined;
  /** The write plan the open file was shaped with. */
  private plan: WritePlan | undefined;
  private bookmark: string | undefined;
  private rejects: RejectInput[] = [];
  private recordIds: string[] = [];
  private nulled = 0;
  private skipped = 0;
  /** More state the unit's transaction saves, in the order its batches brought it. */
  private states: ((session: WarehouseSession) => Promise<void>)[] = [];

  constructor(
    private readonly context: LoadContext,
    private readonly stats: StreamStats,
    private readonly model: TableModel,
    private readonly stream: StreamDefinition,
    private readonly limits: CommitUnitLimits,
    private readonly open: (target: { schema: string; name: string }, columns: WritePlan['columns']) => Promise<StagingFile>,
  ) {}

  readonly spansBatches = true;

  /** The whole batch goes through the write queue: its DDL, and a commit it may trigger, run alone. */
  write(
    model: TableModel,
    rows: Row[],
    bookmark: string | undefined,
    end: boolean,
    state?: (session: WarehouseSession) => Promise<void>,
  ): Promise<void> {
    return this.context.writes.run(async () => {
      const { context } = this;
      this.stats.columnsAdded += await context.sync.ensureColumnsFor(model);
      const plan = context.sync.writePlan(model);
      if (this.file !== undefined && plan !== this.plan) await this.commit();
      const sorted = await sortRejects(context, model, rows);
      this.rejects.push(...sorted.rejects);
      for (const id of sorted.recordIds) this.recordIds.push(id);
      this.nulled += sorted.nulled;
      this.skipped += sorted.skipped;
      if (sorted.loadable.length > 0) {
        if (this.file === undefined) {
          this.file = await this.open({ schema: context.schema, name: model.spec.name }, plan.columns);
          this.plan = plan;
        }
        await this.file.append(sorted.loadable.map(plan.project));
      }
      if (bookmark !== undefined) this.bookmark = bookmark;
      if (state !== undefined) this.states.push(state);
      const full = this.file !== undefined && (this.file.rows >= this.limits.maxRows || this.file.bytes >= this.limits.maxStagedBytes);
      if (end || full) await this.commit();
    });
  }

  async abandon(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.discard();
  }

  /** Loads the open unit and commits it with its state; runs inside the write queue. */
  private async commit(): Promise<void> {
    const { context, stats, stream } = this;
    const { file, plan, bookmark, rejects, recordIds, states } = this;
    this.states = [];
    const counts = { rejects, nulled: this.nulled, skipped: this.skipped };
    this.file = undefined;
    this.plan = undefined;
    this.bookmark = undefined;
    this.rejects = [];
    this.recordIds = [];
    this.nulled = 0;
    this.skipped = 0;
    const table = this.model.spec.name;
    const writesRejects = rejects.length > 0 || recordIds.length > 0;
    const saveState = async (session: WarehouseSession): Promise<void> => {
      if (writesRejects) await context.store.replaceRejects(session, table, recordIds, rejects, context.loadId, new Date().toISOString());
      if (bookmark !== undefined) await context.store.saveBookmark(session, stream.name, bookmark, context.loadId);
      for (const state of states) await state(session);
    };
    try {
      if (file === undefined || plan === undefined) {
        // Every row of the unit was rejected, or none came: its state still commits.
        if (writesRejects || bookmark !== undefined || states.length > 0) await context.warehouse.transaction(saveState);
      } else {
        const staging = await file.load();
        const result = await mergeStaged(
          context.warehouse,
          { target: { schema: context.schema, name: table }, columns: plan.columns, primaryKey: plan.primaryKey, newestBy: stream.replicationKey },
          staging,
          saveState,
        );
        stats.inserted += result.inserted;
        stats.updated += result.updated;
        stats.unchanged += result.unchanged;
      }
    } finally {
      await file?.discard();
    }
    reportRejects(context, stream.name, counts);
  }
}
