/**
 * The PostgreSQL side of test/helpers/compare.ts: reads a schema into the same snapshot shape,
 * with values in the same canonical forms, so `compareEntity` checks both warehouses alike.
 * Rows come out through row_to_json, which is PostgreSQL's own rendering, not the adapter's.
 */
import { columnMapOf, type ColumnMapRow, type WarehouseSnapshot } from './compare.js';
import type { PostgresTestDatabase } from './postgres.js';

/** PostgreSQL catalog types → the type names compare.ts normalises by. */
const TYPE_NAMES: Record<string, string> = {
  'timestamp with time zone': 'TIMESTAMP WITH TIME ZONE',
  date: 'DATE',
  'time without time zone': 'TIME',
  jsonb: 'JSON',
  json: 'JSON',
  numeric: 'DECIMAL(38,9)',
  text: 'VARCHAR',
  ARRAY: 'VARCHAR[]',
  bigint: 'BIGINT',
  'double precision': 'DOUBLE',
  boolean: 'BOOLEAN',
};

function canonical(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'TIMESTAMP WITH TIME ZONE' && typeof value === 'string') {
    return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (type === 'TIME' && typeof value === 'string') return value.slice(0, 8);
  return value;
}

export async function snapshotPostgres(db: PostgresTestDatabase, schema: string): Promise<WarehouseSnapshot> {
  const columns = await db.sql<{ table_name: string; column_name: string; data_type: string }>(
    'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1',
    [schema],
  );
  const types = new Map<string, Map<string, string>>();
  for (const row of columns) {
    const tableTypes = types.get(row.table_name) ?? new Map<string, string>();
    tableTypes.set(row.column_name, TYPE_NAMES[row.data_type] ?? row.data_type);
    types.set(row.table_name, tableTypes);
  }
  const tables = new Map<string, Map<string, Record<string, unknown>>>();
  for (const [table, tableTypes] of types) {
    if (table.startsWith('_loader')) continue;
    const key = tableTypes.has('id') ? 'id' : 'field_code';
    const rows = await db.sql<{ row: Record<string, unknown> }>(`SELECT row_to_json(t) AS row FROM "${schema}"."${table}" t`);
    const byId = new Map<string, Record<string, unknown>>();
    for (const { row } of rows) {
      const normalised: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(row)) normalised[column] = canonical(value, tableTypes.get(column) ?? '');
      byId.set(String(normalised[key]), normalised);
    }
    tables.set(table, byId);
  }
  const mapRows = await db.sql<ColumnMapRow>(
    `SELECT table_name, field_key, subfield, column_name FROM "${schema}"."_loader_columns"`,
  );
  return { tables, types, columnMap: columnMapOf(mapRows) };
}
