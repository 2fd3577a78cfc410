import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBClient } from '../../../adapters/duckdb/client.js';
import { ConfigurationError, WarehouseTerminalError } from '../../../src/errors.js';
import type { ColumnSpec, Row, TableSpec } from '../../../src/schema/types.js';
import { LOGICAL_TYPES } from '../../../src/schema/types.js';
import { duckdbTarget, tempDatabase, type TempDatabase } from './helpers.js';

let db: TempDatabase;
beforeEach(() => {
  db = tempDatabase();
});
afterEach(async () => {
  await db.cleanup();
});

const ALL_TYPES: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  ...LOGICAL_TYPES.map((type) => ({ name: `c_${type}`, type })),
];

async function createTable(client: DuckDBClient, schema: string, spec: TableSpec): Promise<void> {
  for (const sql of client.dialect.createSchema(schema)) await client.execute(sql);
  for (const sql of client.dialect.createTable({ schema, name: spec.name }, spec)) await client.execute(sql);
}

/** Stages rows and merges them, the way upsertBatch does, but without its counting. */
async function load(client: DuckDBClient, schema: string, table: string, columns: ColumnSpec[], rows: Row[]) {
  await client.transaction(async (session) => {
    const staging = await session.writeStaging({ schema, name: table }, columns, rows);
    const merge = client.dialect.merge({
      target: { schema, name: table },
      staging,
      primaryKey: ['id'],
      columns: columns.map((c) => c.name),
    });
    for (const sql of merge) await session.execute(sql);
  });
}

describe('DuckDBClient', () => {
  it('creates the parent folder of the database file and describes the target', async () => {
    const path = join(db.dir, 'nested', 'deeper', 'x.duckdb');
    const client = new DuckDBClient(duckdbTarget(path));
    await client.open();
    await client.execute('CREATE TABLE t (a INTEGER)');
    await client.execute('INSERT INTO t VALUES (1)');
    await client.close();
    expect(existsSync(path)).toBe(true);
    const reopened = new DuckDBClient(duckdbTarget(path));
    await reopened.open();
    expect(await reopened.query('SELECT a FROM t')).toEqual([{ a: 1 }]);
    await reopened.close();
    expect(client.describeTarget()).toBe(`DuckDB file ${path}`);
    expect(new DuckDBClient(duckdbTarget(':memory:')).describeTarget()).toBe('DuckDB in memory');
  });

  it('rejects bad settings with a ConfigurationError', () => {
    expect(() => new DuckDBClient(duckdbTarget(''))).toThrow(ConfigurationError);
    expect(() => new DuckDBClient(duckdbTarget('x.duckdb', { threads: 'many' }))).toThrow(ConfigurationError);
    expect(() => new DuckDBClient(duckdbTarget('x.duckdb', { memory_limit: 5 }))).toThrow(ConfigurationError);
  });

  it('applies threads and memory_limit', async () => {
    const client = new DuckDBClient(duckdbTarget(':memory:', { threads: 2, memory_limit: '512MB' }));
    await client.open();
    const [row] = await client.query(
      "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory_limit",
    );
    await client.close();
    expect(row).toEqual({ threads: 2, memory_limit: '488.2 MiB' });
  });

  it('binds parameters instead of interpolating them', async () => {
    const client = await db.open();
    await client.execute('CREATE TABLE t (s VARCHAR)');
    const evil = "x'); DROP TABLE t; --";
    await client.execute('INSERT INTO t VALUES ($1)', [evil]);
    expect(await client.query('SELECT s FROM t WHERE s = $1', [evil])).toEqual([{ s: evil }]);
    // 64-bit bigints bind as BIGINT (exact beyond 2^53), wider ones as HUGEINT.
    const types = await client.query('SELECT typeof($1) AS a, typeof($2) AS b, typeof($3) AS c, typeof($4) AS d, $3 + 1 AS e', [
      7,
      0.5,
      9007199254740993n,
      2n ** 70n,
    ]);
    expect(types).toEqual([{ a: 'INTEGER', b: 'DOUBLE', c: 'BIGINT', d: 'HUGEINT', e: 9007199254740994n }]);
  });

  it('round-trips every logical type, NULLs, unicode and extreme values', async () => {
    const client = await db.open();
    const spec: TableSpec = { name: 'all_types', columns: ALL_TYPES, primaryKey: ['id'] };
    await createTable(client, 'rt', spec);
    const rows: Row[] = [
      {
        id: 9007199254740993n, // above 2^53: must stay exact
        c_string: 'Zoë «ünïcödé» 🚀 \'quote\' "dq" \\ back\nnew line\ttab',
        c_bigint: -9223372036854775808n,
        c_double: 1.5e-300,
        c_decimal: '12345678901234567890.123456789',
        c_boolean: true,
        c_date: '1999-12-31',
        c_time: '23:59:58',
        c_timestamp: '2024-07-01T05:46:33Z',
        c_json: '{"a":[1,2,{"b":"é"}],"n":null}',
        c_string_list: ['red', 'Grün', "it's", ''],
      },
      { id: 2, c_bigint: 42, c_double: 0.1, c_decimal: 0.1, c_boolean: false, c_string_list: [] },
      { id: 3 }, // every other column missing: NULL
      { id: 4, c_string: '', c_timestamp: '2024-07-01T05:46:33.123456Z', c_decimal: 1050 },
    ];
    await load(client, 'rt', 'all_types', ALL_TYPES, rows);
    const back = await client.query('SELECT * FROM rt.all_types ORDER BY id');
    const nulls = Object.fromEntries(LOGICAL_TYPES.map((type) => [`c_${type}`, null]));
    expect(back).toEqual([
      { ...nulls, id: 2, c_bigint: 42, c_double: 0.1, c_decimal: '0.1', c_boolean: false, c_string_list: [] },
      { ...nulls, id: 3 },
      { ...nulls, id: 4, c_string: '', c_timestamp: '2024-07-01T05:46:33.123456Z', c_decimal: '1050' },
      { ...rows[0], id: 9007199254740993n, c_bigint: -9223372036854775808n },
    ]);
    // Native types, checked in SQL: the JSON column really is JSON, the list a list.
    const [json] = await client.query("SELECT json_extract_string(c_json, '$.a[2].b') AS b FROM rt.all_types WHERE id = $1", [
      9007199254740993n,
    ]);
    expect(json).toEqual({ b: 'é' });
  });

  it('describes a schema as logical types, and an absent schema as empty', async () => {
    const client = await db.open();
    await createTable(client, 'described', { name: 'all_types', columns: ALL_TYPES, primaryKey: ['id'] });
    const tables = await client.describeSchema('described');
    expect([...tables.keys()]).toEqual(['all_types']);
    expect(tables.get('all_types')).toEqual(ALL_TYPES);
    expect((await client.describeSchema('nope')).size).toBe(0);
  });

  it('quotes injection-shaped, quoted and unicode identifiers everywhere', async () => {
    const client = await db.open();
    const schema = 'we"ird; DROP SCHEMA main; --';
    const table = 'Tä"ble 🚀 ; DELETE FROM x';
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'bigint' },
      { name: 'co"l; DROP TABLE t; --', type: 'string' },
      { name: 'ünï code', type: 'timestamp' },
    ];
    await createTable(client, schema, { name: table, columns, primaryKey: ['id'] });
    await load(client, schema, table, columns, [{ id: 1, 'co"l; DROP TABLE t; --': 'v', 'ünï code': '2024-01-01T00:00:00Z' }]);
    const described = await client.describeSchema(schema);
    expect(described.get(table)).toEqual(columns);
    expect(await client.query(`SELECT * FROM ${client.dialect.qualify({ schema, name: table })}`)).toEqual([
      { id: 1, 'co"l; DROP TABLE t; --': 'v', 'ünï code': '2024-01-01T00:00:00Z' },
    ]);
  });

  it('works when the schema is named like the database file or like a DuckDB catalog', async () => {
    // DuckDB refuses the two-part name pipedrive.deals as ambiguous in pipedrive.duckdb.
    const client = new DuckDBClient(duckdbTarget(join(db.dir, 'pipedrive.duckdb')));
    await client.open();
    try {
      for (const schema of ['pipedrive', 'temp', 'system', 'memory', 'pipedrive_loader']) {
        const columns: ColumnSpec[] = [{ name: 'id', type: 'bigint' }];
        await createTable(client, schema, { name: 'deals', columns, primaryKey: ['id'] });
        await load(client, schema, 'deals', columns, [{ id: 7 }]);
        expect(await client.query(`SELECT id FROM ${client.dialect.qualify({ schema, name: 'deals' })}`)).toEqual([{ id: 7 }]);
        expect((await client.describeSchema(schema)).get('deals')).toEqual(columns);
      }
    } finally {
      await client.close();
    }
  });

  it('rejects a cell of the wrong type with a terminal error naming the column', async () => {
    const client = await db.open();
    await createTable(client, 's', { name: 't', columns: ALL_TYPES, primaryKey: ['id'] });
    const attempt = load(client, 's', 't', ALL_TYPES, [{ id: 1, c_bigint: 1.5 }]);
    await expect(attempt).rejects.toThrow(WarehouseTerminalError);
    await expect(load(client, 's', 't', ALL_TYPES, [{ id: 1, c_bigint: 1.5 }])).rejects.toThrow(/c_bigint/);
    await expect(load(client, 's', 't', ALL_TYPES, [{ id: 1, c_timestamp: 'not a time' }])).rejects.toThrow(
      WarehouseTerminalError,
    );
    expect(await client.query('SELECT count(*) AS n FROM s.t')).toEqual([{ n: 0 }]);
  });

  it('translates driver errors and keeps the cause', async () => {
    const client = await db.open();
    const error = await client.execute('SELEC 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseTerminalError);
    expect((error as Error).message).toMatch(/syntax error/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('rolls back everything in a failed transaction, DDL included', async () => {
    const client = await db.open();
    await client.execute('CREATE TABLE kept (a INTEGER)');
    const failed = client.transaction(async (session) => {
      await session.execute('CREATE TABLE gone (a INTEGER)');
      await session.execute('INSERT INTO kept VALUES (1)');
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    expect(await client.query('SELECT count(*) AS n FROM kept')).toEqual([{ n: 0 }]);
    expect((await client.describeSchema('main')).has('gone')).toBe(false);
  });
});
