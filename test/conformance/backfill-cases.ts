/**
 * The backfill fast path (`WarehouseSession.insertRows`, src/load/upsert.ts): a batch whose keys
 * are all new and distinct goes straight into the table; any other batch is staged and merged.
 * Both must leave the same table. Adapters without `insertRows` take the staged path for every
 * batch and pass the same cases.
 */
import { describe, expect, it } from 'vitest';
import type { WarehouseClient, WarehouseSession } from '../../adapters/types.js';
import { upsertBatch } from '../../src/load/upsert.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import { countRows, createTable, readAll, type ConformanceContext } from './context.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'update_time', type: 'timestamp' },
];
const NOTE: ColumnSpec = { name: 'note', type: 'string' };

interface PathCounts {
  /** Whether the adapter's sessions offer `insertRows`. */
  offered: boolean;
  direct: number;
  staged: number;
}

/** Counts, per batch, which write path upsertBatch chose, by wrapping the adapter's own session. */
function countPaths(client: WarehouseClient): PathCounts {
  const counts: PathCounts = { offered: false, direct: 0, staged: 0 };
  const transaction = client.transaction.bind(client);
  client.transaction = <T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> =>
    transaction((session) => {
      const { insertRows } = session;
      counts.offered = typeof insertRows === 'function';
      return work({
        query: (sql, params) => session.query(sql, params),
        execute: (sql, params) => session.execute(sql, params),
        writeStaging: (target, columns, rows) => {
          counts.staged += 1;
          return session.writeStaging(target, columns, rows);
        },
        ...(insertRows
          ? {
              insertRows: (target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]) => {
                counts.direct += 1;
                return insertRows.call(session, target, columns, rows);
              },
            }
          : {}),
      });
    });
  return counts;
}

export function backfillCases(ctx: ConformanceContext): void {
  let deals: TableRef;
  let paths: PathCounts;
  const setUp = async (): Promise<void> => {
    deals = { schema: ctx.schema('backfill'), name: 'deals' };
    await createTable(ctx.client, deals, [...COLUMNS, NOTE]);
    paths = countPaths(ctx.client);
  };
  const upsert = (rows: Row[], afterMerge?: (session: WarehouseSession) => Promise<void>) =>
    upsertBatch(ctx.client, { target: deals, columns: COLUMNS, rows, primaryKey: ['id'], newestBy: 'update_time' }, afterMerge);
  const contents = () => readAll(ctx.client, deals);
  /** `direct` batches went straight in and `staged` were merged; without insertRows all are staged. */
  const expectPaths = (direct: number, staged: number) =>
    expect({ direct: paths.direct, staged: paths.staged }).toEqual(paths.offered ? { direct, staged } : { direct: 0, staged: direct + staged });

  describe('backfill fast path', () => {
    it('writes batches of new, distinct keys in full, leaving other columns NULL and no staging table', async () => {
      await setUp();
      const text = 'tab\there, new\nline, back\\slash, «ünïcödé» 🚀, \\N, "quoted"';
      const rows = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, title: i === 7 ? text : `deal ${i + 1}`, update_time: '2024-01-01T00:00:00Z' }));
      expect(await upsert(rows.slice(0, 2500))).toEqual({ inserted: 2500, updated: 0, unchanged: 0 });
      expect(await upsert(rows.slice(2500))).toEqual({ inserted: 500, updated: 0, unchanged: 0 });
      expectPaths(2, 0);
      expect(await countRows(ctx.client, deals)).toBe(3000);
      const all = await contents();
      expect(all[7]).toEqual({ id: 8, title: text, update_time: '2024-01-01T00:00:00Z', note: null });
      expect(all[2999]).toEqual({ id: 3000, title: 'deal 3000', update_time: '2024-01-01T00:00:00Z', note: null });
      expect([...(await ctx.client.describeSchema(deals.schema)).keys()]).toEqual(['deals']);
    });

    it('commits the caller state with the rows, and neither when the caller fails', async () => {
      await setUp();
      const state = { schema: deals.schema, name: 'state' };
      await createTable(ctx.client, state, [{ name: 'id', type: 'bigint' }]);
      const save = (id: number) => async (session: WarehouseSession) => {
        await session.execute(`INSERT INTO ${ctx.client.dialect.qualify(state)} VALUES (${id})`);
      };
      await upsert([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }], save(1));
      await expect(
        upsert([{ id: 2, title: 'b', update_time: '2024-01-01T00:00:00Z' }], async (session) => {
          await save(2)(session);
          throw new Error('bookmark write failed');
        }),
      ).rejects.toThrow('bookmark write failed');
      expectPaths(2, 0);
      expect(await contents()).toEqual([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z', note: null }]);
      expect(await readAll(ctx.client, state)).toEqual([{ id: 1 }]);
    });

    it('stages and de-duplicates a batch that repeats a key, keeping the newest', async () => {
      await setUp();
      const result = await upsert([
        { id: 1, title: 'old', update_time: '2024-01-01T00:00:00Z' },
        { id: 2, title: 'only', update_time: '2024-01-01T00:00:00Z' },
        { id: 1, title: 'new', update_time: '2024-01-02T00:00:00Z' },
      ]);
      expect(result).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
      expectPaths(0, 1);
      expect(await contents()).toEqual([
        { id: 1, title: 'new', update_time: '2024-01-02T00:00:00Z', note: null },
        { id: 2, title: 'only', update_time: '2024-01-01T00:00:00Z', note: null },
      ]);
    });

    it('treats a key written as text and as a number as the same key', async () => {
      await setUp();
      expect(
        await upsert([
          { id: 5, title: 'number', update_time: '2024-01-02T00:00:00Z' },
          { id: '5', title: 'text, older', update_time: '2024-01-01T00:00:00Z' },
        ]),
      ).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      expectPaths(0, 1);
      expect(await contents()).toEqual([{ id: 5, title: 'number', update_time: '2024-01-02T00:00:00Z', note: null }]);
    });

    it('stages a batch of which one key exists, so an older row still never overwrites a newer one', async () => {
      await setUp();
      await upsert([{ id: 1, title: 'current', update_time: '2024-01-05T00:00:00Z' }]);
      await ctx.client.execute(`UPDATE ${ctx.client.dialect.qualify(deals)} SET ${ctx.client.dialect.quoteIdentifier('note')} = 'kept' WHERE 1 = 1`); // BigQuery needs a WHERE
      const result = await upsert([
        { id: 2, title: 'new', update_time: '2024-01-01T00:00:00Z' },
        { id: 1, title: 'stale', update_time: '2024-01-04T00:00:00Z' },
        { id: 3, title: 'new', update_time: '2024-01-01T00:00:00Z' },
      ]);
      expect(result).toEqual({ inserted: 2, updated: 0, unchanged: 1 });
      expectPaths(1, 1);
      expect(await contents()).toEqual([
        { id: 1, title: 'current', update_time: '2024-01-05T00:00:00Z', note: 'kept' },
        { id: 2, title: 'new', update_time: '2024-01-01T00:00:00Z', note: null },
        { id: 3, title: 'new', update_time: '2024-01-01T00:00:00Z', note: null },
      ]);
    });
  });
}
