import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBClient } from '../../../adapters/duckdb/client.js';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { ColumnSpec, Row, TableRef } from '../../../src/schema/types.js';
import { tempDatabase, type TempDatabase } from './helpers.js';

const DEALS: TableRef = { schema: 'pipedrive', name: 'deals' };
const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'update_time', type: 'timestamp' },
];

let db: TempDatabase;
let client: DuckDBClient;

beforeEach(async () => {
  db = tempDatabase();
  client = await db.open();
  for (const sql of client.dialect.createSchema(DEALS.schema)) await client.execute(sql);
  const spec = { name: DEALS.name, columns: COLUMNS, primaryKey: ['id'] };
  for (const sql of client.dialect.createTable(DEALS, spec)) await client.execute(sql);
});
afterEach(async () => {
  await db.cleanup();
});

const upsert = (rows: Row[], columns: ColumnSpec[] = COLUMNS) =>
  upsertBatch(client, { target: DEALS, columns, rows, primaryKey: ['id'], newestBy: 'update_time' });

const contents = () => client.query('SELECT * FROM pipedrive.deals ORDER BY id');

describe('upsertBatch on DuckDB', () => {
  it('inserts new keys and updates existing ones, counting each', async () => {
    expect(
      await upsert([
        { id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' },
        { id: 2, title: 'b', update_time: '2024-01-01T00:00:00Z' },
      ]),
    ).toEqual({ inserted: 2, updated: 0 });
    expect(
      await upsert([
        { id: 2, title: 'b2', update_time: '2024-01-02T00:00:00Z' },
        { id: 3, title: 'c', update_time: '2024-01-02T00:00:00Z' },
      ]),
    ).toEqual({ inserted: 1, updated: 1 });
    expect(await contents()).toEqual([
      { id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' },
      { id: 2, title: 'b2', update_time: '2024-01-02T00:00:00Z' },
      { id: 3, title: 'c', update_time: '2024-01-02T00:00:00Z' },
    ]);
  });

  it('de-duplicates a batch keeping the newest, and the later row on a tie', async () => {
    const result = await upsert([
      { id: 1, title: 'newest', update_time: '2024-01-03T00:00:00Z' },
      { id: 1, title: 'older', update_time: '2024-01-02T00:00:00Z' },
      { id: 2, title: 'tie, staged first', update_time: '2024-01-02T00:00:00Z' },
      { id: 2, title: 'tie, staged last', update_time: '2024-01-02T00:00:00Z' },
      { id: 3, title: 'dated', update_time: '2024-01-01T00:00:00Z' },
      { id: 3, title: 'undated loses', update_time: null },
    ]);
    expect(result).toEqual({ inserted: 3, updated: 0 });
    expect(await contents()).toEqual([
      { id: 1, title: 'newest', update_time: '2024-01-03T00:00:00Z' },
      { id: 2, title: 'tie, staged last', update_time: '2024-01-02T00:00:00Z' },
      { id: 3, title: 'dated', update_time: '2024-01-01T00:00:00Z' },
    ]);
  });

  it('keeps the last staged row on a tie across DataChunk boundaries', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: 1, title: `copy ${i}`, update_time: '2024-01-01T00:00:00Z' }));
    expect(await upsert(rows)).toEqual({ inserted: 1, updated: 0 });
    expect(await contents()).toEqual([{ id: 1, title: 'copy 4999', update_time: '2024-01-01T00:00:00Z' }]);
  });

  it('never lets an older row overwrite a newer one; equal times do replace', async () => {
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
    expect(result).toEqual({ inserted: 0, updated: 2 });
    expect(await contents()).toEqual([
      { id: 1, title: 'current', update_time: '2024-01-05T00:00:00Z' },
      { id: 2, title: 'same second', update_time: '2024-01-05T00:00:00Z' },
      { id: 3, title: 'dated now', update_time: '2024-01-01T00:00:00Z' },
    ]);
    // An undated row never replaces a dated one.
    expect(await upsert([{ id: 1, title: 'undated', update_time: null }])).toEqual({ inserted: 0, updated: 0 });
    expect((await contents())[0]).toEqual({ id: 1, title: 'current', update_time: '2024-01-05T00:00:00Z' });
  });

  it('replaying the same batch changes nothing', async () => {
    const rows = [
      { id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' },
      { id: 2, title: null, update_time: '2024-01-01T00:00:00Z' },
    ];
    await upsert(rows);
    const before = await contents();
    expect(await upsert(rows)).toEqual({ inserted: 0, updated: 2 });
    expect(await contents()).toEqual(before);
  });

  it('sets NULL when a value becomes null, and keeps columns the batch does not write', async () => {
    await client.execute('ALTER TABLE pipedrive.deals ADD COLUMN _deleted_at TIMESTAMPTZ');
    await upsert([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }]);
    await client.execute("UPDATE pipedrive.deals SET _deleted_at = '2024-02-01T00:00:00Z'");
    await upsert([{ id: 1, title: null, update_time: '2024-01-02T00:00:00Z' }]);
    expect(await contents()).toEqual([
      { id: 1, title: null, update_time: '2024-01-02T00:00:00Z', _deleted_at: '2024-02-01T00:00:00Z' },
    ]);
  });

  it('evolves: adds columns to a table holding data, then loads into them', async () => {
    await upsert([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }]);
    const added: ColumnSpec[] = [
      { name: 'value', type: 'decimal' },
      { name: 'labels', type: 'string_list' },
    ];
    const statements = client.dialect.addColumns(DEALS, added);
    await client.transaction(async (session) => {
      for (const sql of statements) await session.execute(sql);
    });
    // IF NOT EXISTS: re-running the same evolution is harmless.
    for (const sql of statements) await client.execute(sql);
    expect((await client.describeSchema('pipedrive')).get('deals')).toEqual([...COLUMNS, ...added]);
    expect(await contents()).toEqual([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z', value: null, labels: null }]);
    const result = await upsert(
      [
        { id: 1, title: 'a', update_time: '2024-01-02T00:00:00Z', value: '99.5', labels: ['x'] },
        { id: 2, title: 'b', update_time: '2024-01-02T00:00:00Z', value: 1, labels: ['y', 'z'] },
      ],
      [...COLUMNS, ...added],
    );
    expect(result).toEqual({ inserted: 1, updated: 1 });
    expect(await contents()).toEqual([
      { id: 1, title: 'a', update_time: '2024-01-02T00:00:00Z', value: '99.5', labels: ['x'] },
      { id: 2, title: 'b', update_time: '2024-01-02T00:00:00Z', value: '1', labels: ['y', 'z'] },
    ]);
  });

  it('merges without newestBy: the last staged row wins and existing rows are replaced', async () => {
    const plain = (rows: Row[]) =>
      upsertBatch(client, { target: DEALS, columns: COLUMNS, rows, primaryKey: ['id'] });
    await plain([{ id: 1, title: 'first', update_time: '2024-01-05T00:00:00Z' }]);
    expect(
      await plain([
        { id: 1, title: 'older but later', update_time: '2024-01-01T00:00:00Z' },
        { id: 1, title: 'last', update_time: '2024-01-01T00:00:00Z' },
      ]),
    ).toEqual({ inserted: 0, updated: 1 });
    expect(await contents()).toEqual([{ id: 1, title: 'last', update_time: '2024-01-01T00:00:00Z' }]);
  });

  it('handles a composite primary key', async () => {
    const target = { schema: 'pipedrive', name: 'deal_products' };
    const columns: ColumnSpec[] = [
      { name: 'deal_id', type: 'bigint' },
      { name: 'product_id', type: 'bigint' },
      { name: 'qty', type: 'double' },
    ];
    for (const sql of client.dialect.createTable(target, { name: target.name, columns, primaryKey: ['deal_id', 'product_id'] })) {
      await client.execute(sql);
    }
    const put = (rows: Row[]) => upsertBatch(client, { target, columns, rows, primaryKey: ['deal_id', 'product_id'] });
    expect(await put([{ deal_id: 1, product_id: 1, qty: 1 }, { deal_id: 1, product_id: 2, qty: 2 }])).toEqual({
      inserted: 2,
      updated: 0,
    });
    expect(await put([{ deal_id: 1, product_id: 2, qty: 5 }, { deal_id: 2, product_id: 1, qty: 7 }])).toEqual({
      inserted: 1,
      updated: 1,
    });
    expect(await client.query('SELECT * FROM pipedrive.deal_products ORDER BY deal_id, product_id')).toEqual([
      { deal_id: 1, product_id: 1, qty: 1 },
      { deal_id: 1, product_id: 2, qty: 5 },
      { deal_id: 2, product_id: 1, qty: 7 },
    ]);
  });

  it('leaves no staging or temporary tables behind', async () => {
    await upsert([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }]);
    const tables = await client.query('SELECT table_catalog, table_schema, table_name FROM information_schema.tables ORDER BY ALL');
    expect(tables).toEqual([{ table_catalog: 'pipedrive_loader', table_schema: 'pipedrive', table_name: 'deals' }]);
  });

  it('rolls back rows when afterMerge throws', async () => {
    const stateError = new Error('state write failed');
    await upsert([{ id: 1, title: 'kept', update_time: '2024-01-01T00:00:00Z' }]);
    const failing = upsertBatch(
      client,
      { target: DEALS, columns: COLUMNS, rows: [{ id: 1, title: 'lost', update_time: '2024-01-09T00:00:00Z' }, { id: 2 }], primaryKey: ['id'], newestBy: 'update_time' },
      async () => {
        throw stateError;
      },
    );
    // The caller's own error comes back unchanged, not relabelled as a warehouse error.
    await expect(failing).rejects.toBe(stateError);
    expect(await contents()).toEqual([{ id: 1, title: 'kept', update_time: '2024-01-01T00:00:00Z' }]);
  });

  it('commits afterMerge even for an empty batch', async () => {
    let ran = false;
    const result = await upsertBatch(client, { target: DEALS, columns: COLUMNS, rows: [], primaryKey: ['id'] }, async (session) => {
      await session.execute('CREATE TABLE pipedrive.marker (a INTEGER)');
      ran = true;
    });
    expect(result).toEqual({ inserted: 0, updated: 0 });
    expect(ran).toBe(true);
    expect((await client.describeSchema('pipedrive')).has('marker')).toBe(true);
  });
});
