/**
 * One history-mode batch through any WarehouseClient, as a load runs it: HistoryWriter.start
 * (create the history table, copy the current rows), then the batch's merge, bookmark and history
 * step in one upsertBatch, exactly as commitBatch composes them. For the offline BigQuery and
 * Snowflake suites, whose fakes record what the real SDKs send.
 */
import type { WarehouseClient } from '../../adapters/types.js';
import { Reporter } from '../../src/report/reporter.js';
import { HistoryWriter } from '../../src/history/writer.js';
import type { SchemaSync, TableModels } from '../../src/load/schema-sync.js';
import { upsertBatch } from '../../src/load/upsert.js';
import type { TableModel } from '../../src/schema/shape.js';
import type { ColumnSpec, Row } from '../../src/schema/types.js';
import { StateStore } from '../../src/state/store.js';

export const HISTORY_COLUMNS_IN_BATCH: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'update_time', type: 'timestamp' },
  { name: '_loaded_at', type: 'timestamp' },
  { name: '_load_id', type: 'string' },
  { name: '_deleted_at', type: 'timestamp' },
];

export async function historyBatch(client: WarehouseClient, rows: readonly Row[]): Promise<void> {
  const store = new StateStore(client, 'pipedrive');
  const quiet = { write: () => true } as unknown as NodeJS.WriteStream;
  const reporter = new Reporter('text', { stdout: quiet, stderr: quiet });
  const writer = new HistoryWriter({ warehouse: client, schema: 'pipedrive', store, reporter, loadId: 'load-1', loadedAt: '2024-01-02T00:00:00Z' });
  const models: TableModels = new Map([['deals', {} as TableModel]]);
  const sync = { writePlan: () => ({ primaryKey: ['id'], columns: HISTORY_COLUMNS_IN_BATCH, project: (row: Row) => row }) } as unknown as SchemaSync;
  await writer.start([{ table: 'deals', validFrom: 'update_time' }], models, sync, new Map());
  const step = await writer.forBatch('deals', HISTORY_COLUMNS_IN_BATCH, rows);
  if (step === undefined) throw new Error('deals keep a history: forBatch must return a step');
  try {
    await upsertBatch(
      client,
      { target: { schema: 'pipedrive', name: 'deals' }, columns: HISTORY_COLUMNS_IN_BATCH, rows, primaryKey: ['id'], newestBy: 'update_time' },
      async (session) => {
        await store.saveBookmark(session, 'deals', '2024-01-01T00:00:00Z', 'load-1', new Date('2024-01-02T00:00:00Z'));
        await step(session);
      },
    );
  } finally {
    await writer.cleanUp();
  }
}
