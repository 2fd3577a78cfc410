/** Every logical type, NULLs, identifiers, parameters and errors. Ported from the DuckDB tests. */
import { describe, expect, it } from 'vitest';
import { migrate } from '../../migrations/index.js';
import { upsertBatch } from '../../src/load/upsert.js';
import { WarehouseTerminalError } from '../../src/errors.js';
import { StateStore } from '../../src/state/store.js';
import { LOGICAL_TYPES, type ColumnSpec, type Row, type TableRef } from '../../src/schema/types.js';
import { countRows, createTable, DEFAULT_HOSTILE_NAMES, readAll, type ConformanceContext } from './context.js';

const ALL_TYPES: ColumnSpec[] = [{ name: 'id', type: 'bigint' }, ...LOGICAL_TYPES.map((type) => ({ name: `c_${type}`, type }))];
const NULLS = Object.fromEntries(LOGICAL_TYPES.map((type) => [`c_${type}`, null]));

/** JSON is compared by meaning: warehouses may normalise its text (jsonb reorders keys, adds spaces). */
function parsedJson(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) => ({ ...row, c_json: typeof row['c_json'] === 'string' ? JSON.parse(row['c_json']) : row['c_json'] }));
}

export function valueCases(ctx: ConformanceContext): void {
  const load = (table: TableRef, columns: ColumnSpec[], rows: Row[]) =>
    upsertBatch(ctx.client, { target: table, columns, rows, primaryKey: ['id'] });

  describe('logical types and NULLs', () => {
    it('round-trips every logical type, unicode and extreme values', async () => {
      const table = { schema: ctx.schema('rt'), name: 'all_types' };
      await createTable(ctx.client, table, ALL_TYPES);
      const full: Row = {
        id: 9007199254740993n, // above 2^53: must stay exact
        c_string: 'Zoë «ünïcödé» 🚀 \'quote\' "dq" \\ back\nnew line\ttab\r\\N',
        c_bigint: -9223372036854775808n,
        c_double: 1.5e-300,
        c_decimal: '12345678901234567890.123456789',
        c_boolean: true,
        c_date: '1999-12-31',
        c_time: '23:59:58',
        c_timestamp: '2024-07-01T05:46:33Z',
        c_json: '{"a":[1,2,{"b":"é"}],"n":null,"s":"tab\\tquote\\""}',
        c_string_list: ['red', 'Grün', "it's", '', 'NULL', 'a,b', '{x}', 'q"uote', 'back\\slash'],
      };
      await load(table, ALL_TYPES, [
        full,
        { id: 2, c_bigint: 42, c_double: 0.1, c_decimal: 0.1, c_boolean: false, c_string_list: [] },
        { id: 4, c_string: '', c_timestamp: '2024-07-01T05:46:33.123456Z', c_decimal: 1050, c_time: '00:00:00', c_date: '0001-01-01' },
      ]);
      expect(parsedJson(await readAll(ctx.client, table))).toEqual([
        { ...NULLS, id: 2, c_bigint: 42, c_double: 0.1, c_decimal: '0.1', c_boolean: false, c_string_list: [] },
        { ...NULLS, id: 4, c_string: '', c_timestamp: '2024-07-01T05:46:33.123456Z', c_decimal: '1050', c_time: '00:00:00', c_date: '0001-01-01' },
        { ...full, c_json: { a: [1, 2, { b: 'é' }], n: null, s: 'tab\tquote"' } },
      ]);
    });

    it('keeps NULL distinct from empty text and the empty list, for every type, on insert and update', async () => {
      const table = { schema: ctx.schema('nulls'), name: 'all_types' };
      await createTable(ctx.client, table, ALL_TYPES);
      const full: Row = {
        id: 1, c_string: 'x', c_bigint: 1, c_double: 1.5, c_decimal: '2.5', c_boolean: true, c_date: '2024-01-01',
        c_time: '12:00:00', c_timestamp: '2024-01-01T00:00:00Z', c_json: '[]', c_string_list: ['a'],
      };
      await load(table, ALL_TYPES, [full, { id: 2, ...NULLS }, { id: 3 }, { id: 4, c_string: '', c_string_list: [] }]);
      const rows = await readAll(ctx.client, table);
      // Where a list cannot be NULL (BigQuery), NULL lists read back as the empty list.
      const nullRow = ctx.subject.nullListReadsAsEmpty ? { ...NULLS, c_string_list: [] } : NULLS;
      expect(rows.slice(1)).toEqual([
        { ...nullRow, id: 2 },
        { ...nullRow, id: 3 },
        { ...NULLS, id: 4, c_string: '', c_string_list: [] },
      ]);
      // Every value of an existing row becomes NULL again when the batch says so.
      await load(table, ALL_TYPES, [{ id: 1, ...NULLS }]);
      expect((await readAll(ctx.client, table))[0]).toEqual({ ...nullRow, id: 1 });
    });

    it('describes a schema as logical types, and an absent schema as empty', async () => {
      const schema = ctx.schema('described');
      await createTable(ctx.client, { schema, name: 'all_types' }, ALL_TYPES);
      const tables = await ctx.client.describeSchema(schema);
      expect([...tables.keys()]).toEqual(['all_types']);
      expect(tables.get('all_types')).toEqual(ALL_TYPES);
      expect((await ctx.client.describeSchema(ctx.schema('absent'))).size).toBe(0);
    });

    it('rejects a cell of the wrong type with a terminal error naming the column, writing nothing', async () => {
      const table = { schema: ctx.schema('wrong'), name: 't' };
      await createTable(ctx.client, table, ALL_TYPES);
      await expect(load(table, ALL_TYPES, [{ id: 1 }, { id: 2, c_bigint: 1.5 }])).rejects.toThrow(WarehouseTerminalError);
      await expect(load(table, ALL_TYPES, [{ id: 2, c_bigint: 1.5 }])).rejects.toThrow(/c_bigint/);
      await expect(load(table, ALL_TYPES, [{ id: 3, c_timestamp: 'not a time' }])).rejects.toThrow(WarehouseTerminalError);
      expect(await countRows(ctx.client, table)).toBe(0);
    });
  });

  describe('identifiers and parameters', () => {
    it('quotes injection-shaped, unicode, reserved and limit-length multibyte identifiers everywhere', async () => {
      // The longest name the warehouse takes, in multibyte characters: 'é' is 2 bytes in UTF-8.
      const limit = Math.min(63, ctx.client.dialect.capabilities.maxIdentifierBytes);
      const longest = `${'é'.repeat(Math.floor((limit - 1) / 2))}${'x'.repeat((limit - 1) % 2 + 1)}`;
      expect(Buffer.byteLength(longest)).toBe(limit);
      const names = ctx.subject.hostileNames ?? DEFAULT_HOSTILE_NAMES;
      const schema = ctx.schema(names.schema);
      const table = names.table;
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'bigint' },
        { name: names.injection, type: 'string' },
        { name: names.unicode, type: 'timestamp' },
        { name: names.reserved, type: 'string' },
        { name: names.punctuation, type: 'string_list' },
        { name: longest, type: 'json' },
      ];
      const ref = { schema, name: table };
      await createTable(ctx.client, ref, columns);
      const row: Row = {
        id: 1,
        [names.injection]: 'v',
        [names.unicode]: '2024-01-01T00:00:00Z',
        [names.reserved]: 's',
        [names.punctuation]: ['l'],
        [longest]: '{"k":1}',
      };
      await upsertBatch(ctx.client, { target: ref, columns, rows: [row, { ...row, id: 2 }], primaryKey: ['id'], newestBy: names.unicode });
      await upsertBatch(ctx.client, { target: ref, columns, rows: [{ ...row, [names.reserved]: 'again' }], primaryKey: ['id'], newestBy: names.unicode });
      expect((await ctx.client.describeSchema(schema)).get(table)).toEqual(columns);
      const back = await readAll(ctx.client, ref);
      expect(back.map((r) => ({ ...r, [longest]: JSON.parse(String(r[longest])) }))).toEqual([
        { ...row, [names.reserved]: 'again', [longest]: { k: 1 } },
        { ...row, id: 2, [longest]: { k: 1 } },
      ]);
      // The loader's own tables and state work in such a schema too.
      await migrate(ctx.client, schema);
      const store = new StateStore(ctx.client, schema);
      await ctx.client.transaction((session) => store.saveBookmark(session, "de'als", '2024-01-01T00:00:00Z', 'l1'));
      expect(await store.readBookmarks()).toEqual(new Map([["de'als", '2024-01-01T00:00:00Z']]));
    });

    it('binds parameters instead of interpolating them', async () => {
      const table = { schema: ctx.schema('params'), name: 't' };
      await createTable(ctx.client, table, [{ name: 'id', type: 'bigint' }, { name: 's', type: 'string' }]);
      const { dialect } = ctx.client;
      const evil = "x'); DROP TABLE t; --";
      await ctx.client.execute(`INSERT INTO ${dialect.qualify(table)} (${dialect.quoteIdentifier('id')}, ${dialect.quoteIdentifier('s')}) VALUES (${dialect.parameter(1)}, ${dialect.parameter(2)})`, [9007199254740993n, evil]);
      const back = await ctx.client.query(`SELECT * FROM ${dialect.qualify(table)} WHERE ${dialect.quoteIdentifier('s')} = ${dialect.parameter(1)}`, [evil]);
      expect(back).toEqual([{ id: 9007199254740993n, s: evil }]);
    });
  });

  describe('errors and transactions', () => {
    it('translates driver errors into terminal warehouse errors and keeps the cause', async () => {
      const error = await ctx.client.execute('SELEC 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WarehouseTerminalError);
      expect((error as Error).message).toMatch(/syntax error/);
      expect((error as Error).cause).toBeInstanceOf(Error);
    });

    it('rolls back everything in a failed transaction (DDL too, where DDL is transactional)', async () => {
      const schema = ctx.schema('rollback');
      const kept = { schema, name: 'kept' };
      await createTable(ctx.client, kept, [{ name: 'id', type: 'bigint' }]);
      const ddl = ctx.client.dialect.createTable({ schema, name: 'gone' }, { name: 'gone', columns: [{ name: 'a', type: 'bigint' }], primaryKey: [] });
      const { ddlInTransaction } = ctx.client.dialect.capabilities;
      // As the loader does: DDL inside the transaction only where it may share one.
      if (!ddlInTransaction) for (const sql of ddl) await ctx.client.execute(sql);
      const failed = ctx.client.transaction(async (session) => {
        if (ddlInTransaction) for (const sql of ddl) await session.execute(sql);
        await session.execute(`INSERT INTO ${ctx.client.dialect.qualify(kept)} VALUES (${ctx.client.dialect.parameter(1)})`, [1]);
        throw new Error('boom');
      });
      await expect(failed).rejects.toThrow('boom');
      expect(await countRows(ctx.client, kept)).toBe(0);
      // BigQuery and Snowflake cannot roll DDL back (capabilities.ddlInTransaction false): there
      // only the rows are, which is why the loader runs DDL before the transaction.
      expect((await ctx.client.describeSchema(schema)).has('gone')).toBe(!ddlInTransaction);
    });
  });
}
