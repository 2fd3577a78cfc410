/**
 * SchemaSync hands each table the projection of its model's plan (src/load/schema-sync.ts): cells
 * an inferred column held before it widened are written as text, and the text of declared
 * columns as shaped. A real DuckDB file, through the loader's own upsert.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBClient } from '../../../adapters/duckdb/client.js';
import { migrate } from '../../../migrations/index.js';
import { SchemaSync } from '../../../src/load/schema-sync.js';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import { buildTableModel } from '../../../src/schema/shape.js';
import { StateStore } from '../../../src/state/store.js';
import { tempDatabase, type TempDatabase } from './helpers.js';

const SCHEMA = 'pipedrive';
const NOW = '2026-01-01T00:00:00Z';
const NOTE = 'a'.repeat(40);
const NOTE_FIELD: FieldDefinition = { field_code: NOTE, field_name: 'Note', field_type: 'varchar', options: null, subfields: null, is_custom_field: true };

let db: TempDatabase;
let client: DuckDBClient;

beforeEach(async () => {
  db = tempDatabase();
  client = await db.open();
  await migrate(client, SCHEMA);
});
afterEach(async () => {
  await db.cleanup();
});

describe('SchemaSync write plans', () => {
  it('writes the cells an inferred column held before it widened to text as text', async () => {
    const store = new StateStore(client, SCHEMA);
    const sync = new SchemaSync(client, SCHEMA, store);
    await sync.load();
    const model = buildTableModel({ table: 'deals', primaryKey: ['id'], fields: [NOTE_FIELD], persisted: [], now: NOW });
    await sync.ensure(new Map([['deals', model]]));

    const rows = [
      model.shape({ id: 1, title: 'A', ratio: 1, custom_fields: { [NOTE]: 'typed' } }),
      model.shape({ id: 2, title: 'B', ratio: 'n/a', custom_fields: { [NOTE]: 42 } }),
    ];
    for (const row of rows) Object.assign(row, { _loaded_at: NOW, _load_id: 'test' });
    expect(rows[0]?.ratio).toBe(1); // shaped while `ratio` was still a bigint
    expect(await sync.ensureColumnsFor(model)).toBe(1);

    const write = sync.writePlan(model);
    expect(write.columns.find((c) => c.name === 'ratio')?.type).toBe('string');
    const projected = rows.map(write.project);
    expect(projected.map((row) => [row.ratio, row.note])).toEqual([
      ['1', 'typed'],
      ['n/a', '42'],
    ]);
    await upsertBatch(client, { target: { schema: SCHEMA, name: 'deals' }, columns: write.columns, rows: projected, primaryKey: write.primaryKey });
    expect(await client.query(`SELECT id, title, ratio, note FROM ${SCHEMA}.deals ORDER BY id`)).toEqual([
      { id: 1, title: 'A', ratio: '1', note: 'typed' },
      { id: 2, title: 'B', ratio: 'n/a', note: '42' },
    ]);
  });
});
