/**
 * The Snowflake dialect: snapshots of every statement it renders, and an independent parse of
 * each statement kind that node-sql-parser's Snowflake grammar (5.4) supports.
 *
 * Snapshot-only, because that grammar lacks them (each checked: the parser rejects them even in
 * their simplest form, see `PARSER_GAPS` at the bottom):
 * - MERGE INTO … USING … WHEN MATCHED … (the merge without allKeysNew);
 * - ALTER TABLE … ADD COLUMN IF NOT EXISTS (every addColumns statement);
 * - the VARIANT and ARRAY column types, and the `::ARRAY` cast (createTable with json or
 *   string_list columns; the staging conversion of string_list columns);
 * - `?` placeholders (the array-bound staging INSERT; `parameter(i)` is `:i`, which parses);
 * - an identifier with a doubled quote inside a column definition or CREATE SCHEMA (hostile names);
 * - BEGIN, COMMIT, ROLLBACK, and DELETE (not rendered by the dialect; listed for completeness).
 */
import { describe, expect, it } from 'vitest';
import nodeSqlParser from 'node-sql-parser';
import {
  convertStagingSql,
  createStagingTable,
  insertStagingSql,
  snowflakeDialect as d,
  stagingType,
} from '../../../adapters/snowflake/dialect.js';
import { WarehouseTerminalError } from '../../../src/errors.js';
import type { StatementPlan } from '../../../adapters/types.js';
import { LOGICAL_TYPES, type ColumnSpec } from '../../../src/schema/types.js';

const parser = new nodeSqlParser.Parser();
const parses = (sql: string): void => {
  parser.astify(sql, { database: 'snowflake' });
};

/** A plan's statements in the order they run: the transaction's, then what waits for its end. */
const flat = (plan: StatementPlan): string[] => [...plan.inTransaction, ...plan.afterTransaction];
const deals = { schema: 'pipedrive', name: 'deals' };
const staging = { schema: 'pipedrive', name: '_loader_staging_1' };
const SCALAR_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'value', type: 'decimal' },
  { name: 'probability', type: 'double' },
  { name: 'active', type: 'boolean' },
  { name: 'close_date', type: 'date' },
  { name: 'due_time', type: 'time' },
  { name: 'update_time', type: 'timestamp' },
];
const ALL_COLUMNS: ColumnSpec[] = [...SCALAR_COLUMNS, { name: 'payload', type: 'json' }, { name: 'labels', type: 'string_list' }];
const HOSTILE = {
  quote: 'co"l; DROP TABLE t; --',
  unicode: 'Tä"ble 🚀 ; DELETE FROM x',
  comment: "it's -- /* */",
  reserved: 'select',
};
const LONGEST = `${'é'.repeat(254)}x`; // 255 characters (509 bytes): Snowflake's limit is characters

describe('Snowflake dialect', () => {
  it('always quotes identifiers, doubling embedded quotes; unicode is kept as written', () => {
    expect(d.quoteIdentifier('id')).toBe('"id"');
    expect(d.quoteIdentifier('say "hi"')).toBe('"say ""hi"""');
    expect(d.quoteIdentifier(HOSTILE.quote)).toBe('"co""l; DROP TABLE t; --"');
    expect(d.quoteIdentifier(HOSTILE.unicode)).toBe('"Tä""ble 🚀 ; DELETE FROM x"');
    expect(d.quoteIdentifier(HOSTILE.comment)).toBe(`"it's -- /* */"`);
    expect(d.qualify({ schema: 'my"schema', name: "it's" })).toBe('"my""schema"."it\'s"');
    expect(d.parameter(1)).toBe(':1');
    expect(d.parameter(12)).toBe(':12');
  });

  it('accepts names up to 255 characters and refuses longer, empty and NUL names before any SQL', () => {
    expect(d.quoteIdentifier(LONGEST)).toBe(`"${LONGEST}"`);
    expect(() => d.quoteIdentifier(`${LONGEST}x`)).toThrow(WarehouseTerminalError);
    expect(() => d.quoteIdentifier(`${LONGEST}x`)).toThrow(/256 characters long/);
    expect(() => d.quoteIdentifier('')).toThrow(WarehouseTerminalError);
    expect(() => d.quoteIdentifier('a\u0000b')).toThrow(/NUL/);
    expect(() => d.createTable({ schema: 's', name: 'x'.repeat(300) }, { name: 'x', columns: [], primaryKey: [] })).toThrow(WarehouseTerminalError);
  });

  it('declares its capabilities as data', () => {
    expect(d.capabilities).toMatchInlineSnapshot(`
      {
        "backslashEscapesInStrings": true,
        "concurrentStatements": false,
        "ddlInTransaction": false,
        "expressionsInValues": false,
        "maxIdentifierBytes": 255,
        "multiColumnAlter": false,
        "parameters": "numbered",
        "unquotedCase": "upper",
      }
    `);
  });

  it('maps every logical type to a native type, and catalog types back', () => {
    expect(Object.fromEntries(LOGICAL_TYPES.map((t) => [t, d.nativeType(t)]))).toMatchSnapshot();
    // describeSchema passes INFORMATION_SCHEMA's DATA_TYPE, with NUMBER's precision and scale.
    const catalogNames: Record<string, string> = { string: 'TEXT', bigint: 'NUMBER(38,0)', decimal: 'NUMBER(38,9)' };
    for (const type of LOGICAL_TYPES) expect(d.logicalType(catalogNames[type] ?? d.nativeType(type))).toBe(type);
    expect(
      ['NUMBER', 'NUMBER(10,2)', 'DECIMAL(18, 0)', 'INT', 'FLOAT', 'DOUBLE', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIME', 'OBJECT', 'BINARY', 'VARCHAR(10)', 'varchar'].map(d.logicalType),
    ).toEqual(['bigint', 'decimal', 'bigint', 'bigint', 'double', 'double', 'timestamp', 'timestamp', 'time', 'json', 'string', 'string', 'string']);
    expect(stagingType('json')).toBe('VARCHAR');
    expect(stagingType('string_list')).toBe('VARCHAR');
    expect(stagingType('decimal')).toBe('NUMBER(38,9)');
  });

  it('renders schema, table and column DDL', () => {
    expect(d.createSchema('pipedrive')).toMatchSnapshot('create schema');
    expect(d.createTable(deals, { name: 'deals', columns: ALL_COLUMNS, primaryKey: ['id'] })).toMatchSnapshot('create table, every type');
    expect(d.createTable(deals, { name: 'deal_products', columns: SCALAR_COLUMNS, primaryKey: ['id', 'title'] })).toMatchSnapshot('composite key');
    expect(d.createTable(deals, { name: 'keyless', columns: SCALAR_COLUMNS.slice(0, 2), primaryKey: [] })).toMatchSnapshot('no key');
    expect(d.addColumns(deals, [{ name: 'payload', type: 'json' }, { name: 'labels', type: 'string_list' }, { name: 'value', type: 'decimal' }])).toMatchSnapshot('add columns');
    expect(d.addColumns(deals, [])).toEqual([]);
  });

  it('renders the staging statements', () => {
    expect(createStagingTable(staging, ALL_COLUMNS)).toMatchSnapshot('create staging');
    expect(insertStagingSql(staging, ALL_COLUMNS)).toMatchSnapshot('array-bound insert');
    expect(convertStagingSql(staging, { ...staging, name: '_loader_staging_1_raw' }, ALL_COLUMNS)).toMatchSnapshot('convert json and lists');
  });

  it('merges with and without newestBy, and inserts directly when every key is new', () => {
    const base = { target: deals, staging, primaryKey: ['id'], columns: ['id', 'title', 'value', 'update_time'] };
    expect(d.merge({ ...base, newestBy: 'update_time' })).toMatchSnapshot('merge, newestBy');
    expect(d.merge(base)).toMatchSnapshot('merge, no newestBy');
    expect(d.merge({ ...base, newestBy: 'update_time', allKeysNew: true })).toMatchSnapshot('allKeysNew, newestBy');
    expect(d.merge({ ...base, allKeysNew: true })).toMatchSnapshot('allKeysNew, no newestBy');
    expect(d.merge({ target: deals, staging, primaryKey: ['deal_id', 'product_id'], columns: ['deal_id', 'product_id'] })).toMatchSnapshot('key columns only');
    expect(() => d.merge({ ...base, primaryKey: [] })).toThrow(/primary key/);
  });

  it('renders, for the count before the merge, exactly the rows the merge writes', () => {
    const spec = { target: deals, staging, primaryKey: ['id'], columns: ['id', 'title', 'update_time'], newestBy: 'update_time' };
    expect(d.deduplicatedStaging(spec)).toMatchSnapshot('de-duplicated staging, newestBy');
    for (const variant of [spec, { ...spec, newestBy: undefined }, { ...spec, allKeysNew: true }]) {
      expect(d.merge(variant).inTransaction[0]).toContain(d.deduplicatedStaging(variant));
    }
    // Snowflake compares VARIANT and ARRAY values with IS DISTINCT FROM: the generic form serves.
    expect(d.valuesDiffer).toBeUndefined();
  });

  it('keeps DDL out of the transaction: the staging table is dropped after it', () => {
    const drop = 'DROP TABLE "pipedrive"."_loader_staging_1"';
    expect(d.dropStaging(staging)).toEqual({ inTransaction: [], afterTransaction: [drop] });
    const base = { target: deals, staging, primaryKey: ['id'], columns: ['id', 'title', 'update_time'] };
    for (const spec of [base, { ...base, newestBy: 'update_time' }, { ...base, allKeysNew: true }]) {
      const plan = d.merge(spec);
      expect(plan.afterTransaction).toEqual([drop]);
      expect(plan.inTransaction).toHaveLength(1);
      expect(plan.inTransaction[0]).toMatch(/^(MERGE|INSERT) /);
    }
  });

  it('merges with the guard: an older or undated row never overwrites a newer one', () => {
    const [mergeSql] = d.merge({ target: deals, staging, primaryKey: ['id'], columns: ['id', 'title', 'update_time'], newestBy: 'update_time' }).inTransaction;
    expect(mergeSql).toContain('QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "update_time" DESC NULLS LAST, "_loader_staging_row" DESC) = 1');
    expect(mergeSql).toContain('WHEN MATCHED AND (t."update_time" IS NULL OR s."update_time" >= t."update_time") THEN UPDATE SET "title" = s."title", "update_time" = s."update_time"');
    // Keys are matched, never updated.
    expect(mergeSql).not.toContain('"id" = s."id",');
  });

  it('quotes hostile, unicode, reserved and 255-character identifiers in every statement', () => {
    const table = { schema: 'we"ird; DROP SCHEMA x; --', name: HOSTILE.unicode };
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'bigint' },
      { name: HOSTILE.quote, type: 'string' },
      { name: 'ünï code', type: 'timestamp' },
      { name: HOSTILE.reserved, type: 'string' },
      { name: HOSTILE.comment, type: 'string_list' },
      { name: LONGEST, type: 'json' },
    ];
    const names = columns.map((column) => column.name);
    expect({
      createSchema: d.createSchema(table.schema),
      createTable: d.createTable(table, { name: table.name, columns, primaryKey: ['id'] }),
      addColumns: d.addColumns(table, columns.slice(1, 3)),
      staging: [createStagingTable({ ...table, name: '_loader_staging_9' }, columns), insertStagingSql({ ...table, name: '_loader_staging_9' }, columns)],
      merge: d.merge({ target: table, staging: { ...table, name: '_loader_staging_9' }, primaryKey: ['id'], columns: names, newestBy: 'ünï code' }),
    }).toMatchSnapshot();
  });

  describe('an independent parser (node-sql-parser, Snowflake grammar) accepts', () => {
    const scalarTable = { name: 'deals', columns: SCALAR_COLUMNS, primaryKey: ['id'] };
    const mergeBase = { target: deals, staging, primaryKey: ['id'], columns: ['id', 'title', 'update_time'] };
    const cases: Record<string, () => string[]> = {
      'CREATE SCHEMA IF NOT EXISTS': () => d.createSchema('pipedrive'),
      'CREATE SCHEMA, unicode name': () => d.createSchema('pïpedrive 🚀'),
      'CREATE TABLE with every scalar type and a primary key': () => d.createTable(deals, scalarTable),
      'CREATE TABLE with a composite key': () => d.createTable(deals, { ...scalarTable, primaryKey: ['id', 'title'] }),
      'CREATE OR REPLACE TEMPORARY TABLE (staging, every logical type staged)': () => [createStagingTable(staging, ALL_COLUMNS)],
      'CREATE TEMPORARY TABLE … AS SELECT PARSE_JSON (json conversion)': () => [
        convertStagingSql(staging, { ...staging, name: 'raw' }, [...SCALAR_COLUMNS, { name: 'payload', type: 'json' }]),
      ],
      'INSERT … SELECT … QUALIFY ROW_NUMBER() and DROP TABLE (allKeysNew, newestBy)': () => flat(d.merge({ ...mergeBase, newestBy: 'update_time', allKeysNew: true })),
      'INSERT … SELECT … QUALIFY and DROP TABLE (allKeysNew, no newestBy)': () => flat(d.merge({ ...mergeBase, allKeysNew: true })),
      'INSERT … SELECT with hostile and unicode column names': () =>
        flat(d.merge({ ...mergeBase, target: { schema: 'we ird; --', name: 'Tä ble 🚀' }, columns: ['id', "it's -- /* */", 'select', LONGEST], allKeysNew: true })),
    };
    for (const [kind, render] of Object.entries(cases)) {
      it(kind, () => {
        for (const sql of render()) expect(() => parses(sql), sql).not.toThrow();
      });
    }
  });

  /** Proof that the snapshot-only kinds are the parser's gaps: their simplest forms fail too. */
  it('the parser lacks exactly the snapshot-only statement kinds', () => {
    const PARSER_GAPS = {
      merge: 'MERGE INTO "s"."t" AS t USING "s"."u" AS s ON t."id" = s."id" WHEN MATCHED THEN UPDATE SET "a" = s."a"',
      addColumnIfNotExists: 'ALTER TABLE "s"."t" ADD COLUMN IF NOT EXISTS "x" VARCHAR',
      variantColumn: 'CREATE TABLE "s"."t" ("x" VARIANT)',
      arrayColumn: 'CREATE TABLE "s"."t" ("x" ARRAY)',
      arrayCast: 'SELECT PARSE_JSON("x")::ARRAY AS "x" FROM "s"."t"',
      placeholder: 'INSERT INTO "s"."t" ("a") VALUES (?)',
      doubledQuoteInColumnDefinition: 'CREATE TABLE "s"."t" ("a""b" VARCHAR)',
      doubledQuoteInSchemaName: 'CREATE SCHEMA "a""b"',
      deleteWithPlaceholder: 'DELETE FROM "s"."t" WHERE "x" = ?',
      begin: 'BEGIN',
      commit: 'COMMIT',
      rollback: 'ROLLBACK',
    };
    for (const sql of Object.values(PARSER_GAPS)) expect(() => parses(sql), sql).toThrow();
    // While what the supported kinds are built from does parse.
    for (const sql of ['ALTER TABLE "s"."t" ADD COLUMN "x" VARCHAR', 'CREATE SCHEMA "ab"', 'SELECT "a""b" FROM "s"."t"']) expect(() => parses(sql), sql).not.toThrow();
  });
});
