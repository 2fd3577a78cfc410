/** Create, evolve and merge; de-duplication; out-of-order safety. Ported from the DuckDB tests. */
import { describe, expect, it } from 'vitest';
import { upsertBatch } from '../../src/load/upsert.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import { countRows, createTable, readAll, type ConformanceContext } from './context.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'update_time', type: 'timestamp' },
];

export function mergeCases(ctx: ConformanceContext): void {
  let deals: TableRef;
  const setUp = async (): Promise<void> => {
    deals = { schema: ctx.schema('pipedrive'), name: 'deals' };
    await createTable(ctx.client, deals, COLUMNS);
  };
  const upsert = (rows: Row[], columns: ColumnSpec[] = COLUMNS) =>
    upsertBatch(ctx.client, { target: deals, columns, rows, primaryKey: ['id'], newestBy: 'update_time' });
  const contents = () => readAll(ctx.client, deals);

  describe('create, evolve and merge', () => {
    it('inserts new keys and updates existing ones, counting each', async () => {
      await setUp();
      expect(
        await upsert([
          { id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' },
          { id: 2, title: 'b', update_time: '2024-01-01T00:00:00Z' },
        ]),
      ).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
      expect(
        await upsert([
          { id: 2, title: 'b2', update_time: '2024-01-02T00:00:00Z' },
          { id: 3, title: 'c', update_time: '2024-01-02T00:00:00Z' },
        ]),
      ).toEqual({ inserted: 1, updated: 1, unchanged: 0 });
      expect(await contents()).toEqual([
        { id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' },
        { id: 2, title: 'b2', update_time: '2024-01-02T00:00:00Z' },
        { id: 3, title: 'c', update_time: '2024-01-02T00:00:00Z' },
      ]);
    });

    it('evolves: adds columns to a table holding rows, idempotently, then loads into them', async () => {
      await setUp();
      await upsert([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }]);
      const added: ColumnSpec[] = [
        { name: 'value', type: 'decimal' },
        { name: 'labels', type: 'string_list' },
      ];
      const statements = ctx.client.dialect.addColumns(deals, added);
      // As schema-sync does: inside a transaction only where DDL is transactional.
      if (ctx.client.dialect.capabilities.ddlInTransaction) {
        await ctx.client.transaction(async (session) => {
          for (const sql of statements) await session.execute(sql);
        });
      } else {
        for (const sql of statements) await ctx.client.execute(sql);
      }
      for (const sql of statements) await ctx.client.execute(sql); // IF NOT EXISTS: harmless again
      expect((await ctx.client.describeSchema(deals.schema)).get('deals')).toEqual([...COLUMNS, ...added]);
      expect(await contents()).toEqual([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z', value: null, labels: null }]);
      const result = await upsert(
        [
          { id: 1, title: 'a', update_time: '2024-01-02T00:00:00Z', value: '99.5', labels: ['x'] },
          { id: 2, title: 'b', update_time: '2024-01-02T00:00:00Z', value: 1, labels: ['y', 'z'] },
        ],
        [...COLUMNS, ...added],
      );
      expect(result).toEqual({ inserted: 1, updated: 1, unchanged: 0 });
      expect(await contents()).toEqual([
        { id: 1, title: 'a', update_time: '2024-01-02T00:00:00Z', value: '99.5', labels: ['x'] },
        { id: 2, title: 'b', update_time: '2024-01-02T00:00:00Z', value: '1', labels: ['y', 'z'] },
      ]);
    });

    it('sets NULL when a value becomes null, and keeps columns the batch does not write', async () => {
      await setUp();
      const withDeleted: ColumnSpec[] = [...COLUMNS, { name: '_deleted_at', type: 'timestamp' }];
      for (const sql of ctx.client.dialect.addColumns(deals, [{ name: '_deleted_at', type: 'timestamp' }])) await ctx.client.execute(sql);
      await upsert([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z', _deleted_at: '2024-02-01T00:00:00Z' }], withDeleted);
      await upsert([{ id: 1, title: null, update_time: '2024-01-02T00:00:00Z' }]);
      expect(await contents()).toEqual([{ id: 1, title: null, update_time: '2024-01-02T00:00:00Z', _deleted_at: '2024-02-01T00:00:00Z' }]);
    });

    it('merges without newestBy: the last staged row wins and existing rows are replaced', async () => {
      await setUp();
      const plain = (rows: Row[]) => upsertBatch(ctx.client, { target: deals, columns: COLUMNS, rows, primaryKey: ['id'] });
      await plain([{ id: 1, title: 'first', update_time: '2024-01-05T00:00:00Z' }]);
      expect(
        await plain([
          { id: 1, title: 'older but later', update_time: '2024-01-01T00:00:00Z' },
          { id: 1, title: 'last', update_time: '2024-01-01T00:00:00Z' },
        ]),
      ).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
      expect(await contents()).toEqual([{ id: 1, title: 'last', update_time: '2024-01-01T00:00:00Z' }]);
    });

    it('handles a composite primary key', async () => {
      const target = { schema: ctx.schema('pipedrive'), name: 'deal_products' };
      const columns: ColumnSpec[] = [
        { name: 'deal_id', type: 'bigint' },
        { name: 'product_id', type: 'bigint' },
        { name: 'qty', type: 'double' },
      ];
      await createTable(ctx.client, target, columns, ['deal_id', 'product_id']);
      const put = (rows: Row[]) => upsertBatch(ctx.client, { target, columns, rows, primaryKey: ['deal_id', 'product_id'] });
      expect(await put([{ deal_id: 1, product_id: 1, qty: 1 }, { deal_id: 1, product_id: 2, qty: 2 }])).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
      expect(await put([{ deal_id: 1, product_id: 2, qty: 5 }, { deal_id: 2, product_id: 1, qty: 7 }])).toEqual({ inserted: 1, updated: 1, unchanged: 0 });
      expect(await readAll(ctx.client, target, ['deal_id', 'product_id'])).toEqual([
        { deal_id: 1, product_id: 1, qty: 1 },
        { deal_id: 1, product_id: 2, qty: 5 },
        { deal_id: 2, product_id: 1, qty: 7 },
      ]);
    });

    it('leaves no staging table in the target schema', async () => {
      await setUp();
      await upsert([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }]);
      expect([...(await ctx.client.describeSchema(deals.schema)).keys()]).toEqual(['deals']);
    });
  });

  describe('de-duplication and ordering', () => {
    it('keeps the newest row of a key, the later one on a tie, and a dated one over an undated one', async () => {
      await setUp();
      const result = await upsert([
        { id: 1, title: 'newest', update_time: '2024-01-03T00:00:00Z' },
        { id: 1, title: 'older', update_time: '2024-01-02T00:00:00Z' },
        { id: 2, title: 'tie, staged first', update_time: '2024-01-02T00:00:00Z' },
        { id: 2, title: 'tie, staged last', update_time: '2024-01-02T00:00:00Z' },
        { id: 3, title: 'dated', update_time: '2024-01-01T00:00:00Z' },
        { id: 3, title: 'undated loses', update_time: null },
      ]);
      expect(result).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
      expect(await contents()).toEqual([
        { id: 1, title: 'newest', update_time: '2024-01-03T00:00:00Z' },
        { id: 2, title: 'tie, staged last', update_time: '2024-01-02T00:00:00Z' },
        { id: 3, title: 'dated', update_time: '2024-01-01T00:00:00Z' },
      ]);
    });

    it('keeps the last staged row on a tie in a large batch (across any internal chunking)', async () => {
      await setUp();
      const rows = Array.from({ length: 5000 }, (_, i) => ({ id: 1, title: `copy ${i}`, update_time: '2024-01-01T00:00:00Z' }));
      expect(await upsert(rows)).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      expect(await contents()).toEqual([{ id: 1, title: 'copy 4999', update_time: '2024-01-01T00:00:00Z' }]);
    });

    it('never lets an older row overwrite a newer one; equal times do replace, counted only when values change', async () => {
      await setUp();
      await upsert([
        { id: 1, title: 'current', update_time: '2024-01-05T00:00:00Z' },
        { id: 2, title: 'current', update_time: '2024-01-05T00:00:00Z' },
        { id: 3, title: 'no time yet', update_time: null },
      ]);
      const result = await upsert([
        { id: 1, title: 'stale', update_time: '2024-01-04T23:59:59Z' },
        { id: 2, title: 'same second', update_time: '2024-01-05T00:00:00Z' },
        { id: 3, title: 'dated now', update_time: '2024-01-01T00:00:00Z' },
      ]);
      // id 1 is older than the stored row: refused, unchanged. id 2 is the same second with another
      // title (an edit within the second): replaced and counted. id 3 replaces an undated row.
      expect(result).toEqual({ inserted: 0, updated: 2, unchanged: 1 });
      expect(await contents()).toEqual([
        { id: 1, title: 'current', update_time: '2024-01-05T00:00:00Z' },
        { id: 2, title: 'same second', update_time: '2024-01-05T00:00:00Z' },
        { id: 3, title: 'dated now', update_time: '2024-01-01T00:00:00Z' },
      ]);
      expect(await upsert([{ id: 1, title: 'undated', update_time: null }])).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
      expect((await contents())[0]).toEqual({ id: 1, title: 'current', update_time: '2024-01-05T00:00:00Z' });
    });

    it('replaying the same batch changes nothing', async () => {
      await setUp();
      const rows = [
        { id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' },
        { id: 2, title: null, update_time: '2024-01-01T00:00:00Z' },
      ];
      await upsert(rows);
      const before = await contents();
      expect(await upsert(rows)).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
      expect(await contents()).toEqual(before);
      expect(await countRows(ctx.client, deals)).toBe(2);
    });

    it('counts by values, not versions: without newestBy, and whatever _loaded_at and _load_id say', async () => {
      const target = { schema: ctx.schema('pipedrive'), name: 'stages' };
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'bigint' },
        { name: 'name', type: 'string' },
        { name: 'probability', type: 'double' },
        { name: 'labels', type: 'string_list' },
        { name: 'options', type: 'json' },
        { name: '_loaded_at', type: 'timestamp' },
        { name: '_load_id', type: 'string' },
        { name: '_deleted_at', type: 'timestamp' },
      ];
      await createTable(ctx.client, target, columns);
      const put = (rows: Row[]) => upsertBatch(ctx.client, { target, columns, rows, primaryKey: ['id'] });
      const run = (loadId: string, probability: number, labels: string[], deletedAt: string | null = null): Row[] =>
        [1, 2, 3].map((id) => ({
          id,
          name: id === 3 ? null : `stage ${id}`,
          probability: id === 1 ? probability : 0.5,
          labels: id === 2 ? labels : null,
          options: id === 2 ? '{"a":[1,2],"b":"ü"}' : null,
          _loaded_at: `2024-01-0${loadId}T00:00:00Z`,
          _load_id: `load ${loadId}`,
          _deleted_at: id === 3 ? deletedAt : null,
        }));
      expect(await put(run('1', 0.25, ['x']))).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
      // A later run reads the same values: only the bookkeeping columns differ.
      expect(await put(run('2', 0.25, ['x']))).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
      // A double, a list element and a revived/deleted mark are each a change of values.
      expect(await put(run('3', 0.75, ['x']))).toEqual({ inserted: 0, updated: 1, unchanged: 2 });
      expect(await put(run('4', 0.75, ['x', 'y']))).toEqual({ inserted: 0, updated: 1, unchanged: 2 });
      expect(await put(run('5', 0.75, ['x', 'y'], '2024-01-05T00:00:00Z'))).toEqual({ inserted: 0, updated: 1, unchanged: 2 });
      // The bookkeeping columns are still rewritten on unchanged rows (README.md#counts).
      expect((await readAll(ctx.client, target)).map((row) => row['_load_id'])).toEqual(['load 5', 'load 5', 'load 5']);
    });

    it('a batch that changes no value rewrites only the bookkeeping columns, and never on an older version', async () => {
      const target = { schema: ctx.schema('pipedrive'), name: 'persons' };
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'bigint' },
        { name: 'name', type: 'string' },
        { name: 'update_time', type: 'timestamp' },
        { name: '_loaded_at', type: 'timestamp' },
        { name: '_load_id', type: 'string' },
      ];
      await createTable(ctx.client, target, [...columns, { name: 'note', type: 'string' }]);
      const put = (rows: Row[]) => upsertBatch(ctx.client, { target, columns, rows, primaryKey: ['id'], newestBy: 'update_time' });
      const row = (id: number, name: string, updated: string, load: string): Row => ({
        id,
        name,
        update_time: updated,
        _loaded_at: `2024-02-0${load}T00:00:00Z`,
        _load_id: `load ${load}`,
      });
      await put([row(1, 'Ann', '2024-01-05T00:00:00Z', '1'), row(2, 'Bob', '2024-01-05T00:00:00Z', '1')]);
      // A column this stream's batches do not write keeps its value.
      await upsertBatch(ctx.client, { target, columns: [columns[0] as ColumnSpec, { name: 'note', type: 'string' }], rows: [{ id: 1, note: 'kept' }], primaryKey: ['id'] });
      // id 1: the same version again; id 2: an older version (refused, so not touched either);
      // a key twice in the batch: the newest copy is the one compared and touched.
      const result = await put([
        row(1, 'Ann', '2024-01-05T00:00:00Z', '2'),
        row(2, 'Bob (old)', '2024-01-04T00:00:00Z', '2'),
        row(1, 'Ann', '2024-01-05T00:00:00Z', '3'),
      ]);
      expect(result).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
      expect(await readAll(ctx.client, target)).toEqual([
        { id: 1, name: 'Ann', update_time: '2024-01-05T00:00:00Z', _loaded_at: '2024-02-03T00:00:00Z', _load_id: 'load 3', note: 'kept' },
        { id: 2, name: 'Bob', update_time: '2024-01-05T00:00:00Z', _loaded_at: '2024-02-01T00:00:00Z', _load_id: 'load 1', note: null },
      ]);
    });
  });
}
