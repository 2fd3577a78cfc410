/**
 * What every part of one load run shares: the two ends, the table models, the write queue, and
 * the per-stream figures. Built once by LoadPipeline and handed to the stream, child and delete
 * loaders, so none of them needs the others.
 */
import type { WarehouseClient, WarehouseSession } from '../../adapters/types.js';
import type { Reporter } from '../report/reporter.js';
import type { HistoryWriter } from '../history/writer.js';
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import { rejectsOf } from '../schema/rejects.js';
import type { TableModel } from '../schema/shape.js';
import type { Row } from '../schema/types.js';
import type { RejectInput } from '../state/rejects.js';
import type { StateStore } from '../state/store.js';
import type { BatchLimits } from './batch.js';
import type { SchemaSync, TableModels } from './schema-sync.js';
import type { SerialQueue } from './serial.js';
import type { StreamStats } from './summary.js';
import { upsertBatch } from './upsert.js';

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
  readonly batch: BatchLimits;
  /** The run's start date (load --since): a key scan restores no record updated before it. */
  readonly since?: string;
  /** True once the user asked to stop, or another stream failed: stop at a batch boundary. */
  readonly shouldStop: () => boolean;
  /** Every warehouse transaction of the run, one at a time. */
  readonly writes: SerialQueue;
  readonly bookmarks: ReadonlyMap<string, string>;
  /** History mode (src/history): the tables keeping every version, when the run has any. */
  readonly history?: HistoryWriter;
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
 * One batch: new columns, rows, and whatever state the caller saves with them (a bookmark),
 * committed together in one transaction through the run's write queue. Values the shaper refused
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
    if (sorted.rejects.length > 0) {
      const parts = [
        sorted.nulled > 0 ? `${sorted.nulled} value(s) that fit no column of their type stored as NULL` : '',
        sorted.skipped > 0 ? `${sorted.skipped} record(s) without a valid id skipped` : '',
      ];
      context.reporter.warn(
        'values_rejected',
        `${stream?.name ?? table}: ${parts.filter(Boolean).join(', ')}; recorded in _loader_rejects (\`state show\` lists them).`,
        { stream: stream?.name ?? table, rejects: sorted.rejects.length },
      );
    }
  });
}
