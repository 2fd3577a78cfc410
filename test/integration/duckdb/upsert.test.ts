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

// The generic upsert cases (merge, de-duplication, ordering, evolution) are in test/conformance.
const upsert = (rows: Row[], columns: ColumnSpec[] = COLUMNS) =>
  upsertBatch(client, { target: DEALS, columns, rows, primaryKey: ['id'], newestBy: 'update_time' });

describe('upsertBatch on DuckDB', () => {
  it('leaves no staging or temporary tables behind', async () => {
    await upsert([{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }]);
    const tables = await client.query('SELECT table_catalog, table_schema, table_name FROM information_schema.tables ORDER BY ALL');
    expect(tables).toEqual([{ table_catalog: 'pipedrive_loader', table_schema: 'pipedrive', table_name: 'deals' }]);
  });
});
