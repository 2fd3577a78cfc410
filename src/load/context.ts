/**
 * What every part of one load run shares: the two ends, the table models, the write queue, and
 * the per-stream figures. Built once by LoadPipeline and handed to the stream, child and delete
 * loaders, so none of them needs the others.
 */
import type { WarehouseClient, WarehouseSession } from '../../adapters/types.js';
import type { Reporter } from '../cli/output.js';
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import type { TableModel } from '../schema/shape.js';
import type { Row } from '../schema/types.js';
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
  /** True once the user asked to stop, or another stream failed: stop at a batch boundary. */
  readonly shouldStop: () => boolean;
  /** Every warehouse transaction of the run, one at a time. */
  readonly writes: SerialQueue;
  readonly bookmarks: ReadonlyMap<string, string>;
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

/**
 * One batch: new columns, rows, and whatever state the caller saves with them (a bookmark),
 * committed together in one transaction through the run's write queue.
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
    const result = await upsertBatch(
      context.warehouse,
      {
        target: { schema: context.schema, name: model.spec.name },
        columns: write.columns,
        rows: rows.map(write.project),
        primaryKey: write.primaryKey,
        newestBy: stream?.replicationKey,
      },
      afterMerge,
    );
    stats.inserted += result.inserted;
    stats.updated += result.updated;
  });
}
