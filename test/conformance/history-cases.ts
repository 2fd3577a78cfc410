/**
 * History mode (src/history) on every adapter: the batch's versions written in its transaction,
 * once, in place, a same-time re-read replacing its version, a delete closing the last one. Run
 * through HistoryWriter and upsertBatch exactly as commitBatch composes them, so BigQuery and
 * Snowflake run it for real in test/live/ when credentials are set.
 */
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../src/cli/output.js';
import { HistoryWriter } from '../../src/history/writer.js';
import type { SchemaSync, TableModels } from '../../src/load/schema-sync.js';
import { upsertBatch } from '../../src/load/upsert.js';
import type { TableModel } from '../../src/schema/shape.js';
import type { ColumnSpec, Row } from '../../src/schema/types.js';
import { StateStore } from '../../src/state/store.js';
import { migrate } from '../../migrations/index.js';
import { createTable, readAll, type ConformanceContext } from './context.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'update_time', type: 'timestamp' },
  { name: '_loaded_at', type: 'timestamp' },
  { name: '_load_id', type: 'string' },
  { name: '_deleted_at', type: 'timestamp' },
];
const T = (minute: number): string => `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`;
const row = (id: number, minute: number, title: string, deleted?: number): Row => ({
  id, title, update_time: T(minute), _loaded_at: T(59), _load_id: 'load', _deleted_at: deleted === undefined ? null : T(deleted),
});
const quiet = { write: () => true };

export function historyCases(ctx: ConformanceContext): void {
  describe('history mode', () => {
    it('writes each version once, in place, replaces a same-time re-read, and closes on delete', async () => {
      const { client } = ctx;
      const schema = ctx.schema('history');
      await createTable(client, { schema, name: 'deals' }, COLUMNS);
      await migrate(client, schema);
      const store = new StateStore(client, schema);
      const writer = new HistoryWriter({ warehouse: client, schema, store, reporter: new Reporter('text', { stdout: quiet, stderr: quiet }), loadId: 'load', loadedAt: T(59) });
      const sync = { writePlan: () => ({ primaryKey: ['id'], columns: COLUMNS }) } as unknown as SchemaSync;
      await writer.start([{ table: 'deals', validFrom: 'update_time' }], new Map([['deals', {} as TableModel]]) as TableModels, sync, new Map());
      const batch = async (rows: readonly Row[]): Promise<void> => {
        const step = await writer.forBatch('deals', COLUMNS, rows);
        await upsertBatch(client, { target: { schema, name: 'deals' }, columns: COLUMNS, rows, primaryKey: ['id'], newestBy: 'update_time' }, step);
      };
      await batch([row(1, 1, 'a'), row(2, 1, 'x')]);
      await batch([row(1, 3, 'c'), row(1, 1, 'a')]);
      await batch([row(1, 2, 'b'), row(1, 3, 'c2')]); // late and older; same time, other values
      await batch([row(2, 4, 'x', 4)]);
      const versions = (await readAll(client, { schema, name: 'deals_history' }, ['id', '_valid_from'])).map((r) => [
        Number(r['id']), r['_valid_from'], r['_valid_to'], r['_is_current'], r['title'],
      ]);
      expect(versions).toEqual([
        [1, T(1), T(2), false, 'a'],
        [1, T(2), T(3), false, 'b'],
        [1, T(3), null, true, 'c2'],
        [2, T(1), T(4), false, 'x'],
      ]);
    });
  });
}
