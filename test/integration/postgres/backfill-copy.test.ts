/**
 * The PostgreSQL side of the backfill fast path: `insertRows` COPYs straight into the table and
 * must fail rather than overwrite, and the COPY text (copy-text.ts) stays exact across its
 * ~1 MB buffers on both paths, straight in and staged.
 */
import { describe, expect, it } from 'vitest';
import { upsertBatch } from '../../../src/load/upsert.js';
import { WarehouseTerminalError } from '../../../src/errors.js';
import type { ColumnSpec, Row, TableRef } from '../../../src/schema/types.js';
import { usePostgresClient } from '../../helpers/postgres-client.js';

const pg = usePostgresClient();

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'text', type: 'string' },
  { name: 'amount', type: 'double' },
  { name: 'flag', type: 'boolean' },
  { name: 'labels', type: 'string_list' },
];

async function freshTable(name: string): Promise<TableRef> {
  const table = { schema: 'backfill', name };
  for (const sql of pg.client.dialect.createSchema(table.schema)) await pg.client.execute(sql);
  for (const sql of pg.client.dialect.createTable(table, { name, columns: COLUMNS, primaryKey: ['id'] })) await pg.client.execute(sql);
  return table;
}

/** ~1.2 kB a row, multi-byte characters everywhere, so lines straddle the COPY buffers. */
const wide = (id: number, round: number): Row => ({
  id,
  text: `${'é🚀\t\\'.repeat(200)} row ${id} round ${round}`,
  amount: id / 3,
  flag: id % 2 === 0,
  labels: [`l${id}`, 'ß'],
});

describe('backfill COPY on PostgreSQL', () => {
  it('fails instead of overwriting when insertRows meets an existing key, and keeps the table as it was', async () => {
    const table = await freshTable('guarded');
    await upsertBatch(pg.client, { target: table, columns: COLUMNS, rows: [{ id: 1, text: 'original' }], primaryKey: ['id'] });
    const attempt = pg.client.transaction(async (session) => {
      if (!session.insertRows) throw new Error('the PostgreSQL session offers insertRows');
      await session.insertRows(table, COLUMNS, [{ id: 2, text: 'new' }, { id: 1, text: 'overwrite?' }]);
    });
    await expect(attempt).rejects.toThrow(WarehouseTerminalError);
    await expect(attempt).rejects.toThrow(/duplicate key/);
    expect(await pg.client.query('SELECT id, text FROM backfill.guarded ORDER BY id')).toEqual([{ id: 1, text: 'original' }]);
  });

  it('writes 5,000 wide rows exactly, straight in and then staged as updates', async () => {
    const table = await freshTable('wide');
    const ids = Array.from({ length: 5000 }, (_, i) => i + 1);
    expect(await upsertBatch(pg.client, { target: table, columns: COLUMNS, rows: ids.map((id) => wide(id, 1)), primaryKey: ['id'] })).toEqual({
      inserted: 5000,
      updated: 0,
      unchanged: 0,
    });
    expect(await pg.client.query('SELECT * FROM backfill.wide ORDER BY id')).toEqual(ids.map((id) => wide(id, 1)));
    expect(await upsertBatch(pg.client, { target: table, columns: COLUMNS, rows: ids.map((id) => wide(id, 2)), primaryKey: ['id'] })).toEqual({
      inserted: 0,
      updated: 5000,
      unchanged: 0,
    });
    expect(await pg.client.query('SELECT * FROM backfill.wide ORDER BY id')).toEqual(ids.map((id) => wide(id, 2)));
  });

  it('names the column of a cell of the wrong type, on the fast path too', async () => {
    const table = await freshTable('typed');
    const rows: Row[] = [{ id: 1, flag: 'yes' }];
    await expect(upsertBatch(pg.client, { target: table, columns: COLUMNS, rows, primaryKey: ['id'] })).rejects.toThrow(/Column flag: expected a boolean value/);
  });
});
