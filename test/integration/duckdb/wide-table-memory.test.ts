/**
 * A table too wide for the default memory_limit. A Pipedrive company on the Power plan may have
 * 500 custom fields on deals, 1,034 columns in the loader's deals table; with DuckDB's limit at
 * the default 512MB, the loader stopped with exit 6 ("could not allocate block") after 16,500 of
 * 20,000 deals, on every run. Now the client raises the limit for such a table, unless the
 * profile set one (adapters/duckdb/memory.ts).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBClient } from '../../../adapters/duckdb/client.js';
import { memoryLimitMbFor } from '../../../adapters/duckdb/memory.js';
import type { ColumnSpec, Row, TableSpec } from '../../../src/schema/types.js';
import { duckdbTarget, tempDatabase, type TempDatabase } from './helpers.js';

let db: TempDatabase;
beforeEach(() => {
  db = tempDatabase();
});
afterEach(async () => {
  await db.cleanup();
});

const SCHEMA = 'wide';

function wideSpec(columns: number): TableSpec {
  const specs: ColumnSpec[] = [{ name: 'id', type: 'bigint' }];
  for (let i = 1; i < columns; i++) specs.push({ name: `field_${i}`, type: 'string' });
  return { name: 'deals', columns: specs, primaryKey: ['id'] };
}

function rowsOf(spec: TableSpec, from: number, count: number): Row[] {
  const rows: Row[] = [];
  for (let id = from; id < from + count; id++) {
    const row: Row = {};
    for (const column of spec.columns) row[column.name] = column.name === 'id' ? id : `value ${id % 9973} of ${column.name}`;
    rows.push(row);
  }
  return rows;
}

async function createTable(client: DuckDBClient, spec: TableSpec): Promise<void> {
  for (const sql of client.dialect.createSchema(SCHEMA)) await client.execute(sql);
  for (const sql of client.dialect.createTable({ schema: SCHEMA, name: spec.name }, spec)) await client.execute(sql);
}

async function insertBatches(client: DuckDBClient, spec: TableSpec, total: number, batch: number): Promise<void> {
  for (let from = 1; from <= total; from += batch) {
    const rows = rowsOf(spec, from, Math.min(batch, total - from + 1));
    await client.transaction(async (session) => {
      if (!session.insertRows) throw new Error('a DuckDB session appends rows with insertRows');
      await session.insertRows({ schema: SCHEMA, name: spec.name }, spec.columns, rows);
    });
  }
}

async function memoryLimitOf(client: DuckDBClient): Promise<string> {
  const [row] = await client.query<{ limit: string }>("SELECT current_setting('memory_limit') AS \"limit\"");
  return String(row?.limit);
}

/** How DuckDB itself shows a memory_limit of `setting`, so the comparison does not hard-code its rounding. */
async function shownAs(setting: string): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: setting });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll("SELECT current_setting('memory_limit') AS m");
    return String(reader.getRowObjectsJS()[0]?.m);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** An open client on the test file with `settings` in its profile, closed after `work`. */
async function withClient(settings: Record<string, unknown>, work: (client: DuckDBClient) => Promise<void>): Promise<void> {
  const client = new DuckDBClient(duckdbTarget(db.path, settings));
  await client.open();
  try {
    await work(client);
  } finally {
    await client.close();
  }
}

describe('DuckDB memory_limit and wide tables', () => {
  it('commits 16,500 rows into a 1,034-column table with the default settings', { timeout: 180_000 }, async () => {
    const spec = wideSpec(1_034);
    await withClient({}, async (client) => {
      await createTable(client, spec);
      await insertBatches(client, spec, 16_500, 500);
      const [count] = await client.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${SCHEMA}.deals`);
      expect(count?.n).toBe(16_500);
      expect(await memoryLimitOf(client)).toBe(await shownAs(`${memoryLimitMbFor(1_034)}MB`));
    });
  });

  it('keeps the default for a table of ordinary width', async () => {
    const spec = wideSpec(111);
    await withClient({}, async (client) => {
      await createTable(client, spec);
      await insertBatches(client, spec, 10, 10);
      expect(await memoryLimitOf(client)).toBe(await shownAs('512MB'));
    });
  });

  it('never changes a memory_limit the profile set', async () => {
    const spec = wideSpec(1_034);
    await withClient({ memory_limit: '3GB' }, async (client) => {
      await createTable(client, spec);
      await insertBatches(client, spec, 10, 10);
      expect(await memoryLimitOf(client)).toBe(await shownAs('3GB'));
    });
  });
});
