import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBClient } from '../../../adapters/duckdb/client.js';
import { ConfigurationError } from '../../../src/errors.js';
import type { ColumnSpec, Row, TableSpec } from '../../../src/schema/types.js';
import { duckdbTarget, tempDatabase, type TempDatabase } from './helpers.js';

let db: TempDatabase;
beforeEach(() => {
  db = tempDatabase();
});
afterEach(async () => {
  await db.cleanup();
});

// Round trips, identifiers, describeSchema, wrong-typed cells, error translation and rollback
// are covered for every adapter by test/conformance; what stays here is DuckDB's own.
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
    for (const sql of merge.inTransaction) await session.execute(sql);
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
});
