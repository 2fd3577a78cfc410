import { describe, expect, it } from 'vitest';
import { duckdbDialect as d } from '../../../adapters/duckdb/dialect.js';
import { LOGICAL_TYPES } from '../../../src/schema/types.js';

const deals = { schema: 'pipedrive', name: 'deals' };

describe('DuckDB dialect', () => {
  it('always quotes identifiers, doubling embedded quotes', () => {
    expect(d.quoteIdentifier('id')).toMatchInlineSnapshot(`""id""`);
    expect(d.quoteIdentifier('say "hi"')).toMatchInlineSnapshot(`""say ""hi""""`);
    expect(d.quoteIdentifier('x"; DROP TABLE deals; --')).toMatchInlineSnapshot(`""x""; DROP TABLE deals; --""`);
    expect(d.quoteIdentifier('Ärzte 🚀')).toMatchInlineSnapshot(`""Ärzte 🚀""`);
    expect(d.qualify({ schema: 'my"schema', name: "it's" })).toMatchInlineSnapshot(`""pipedrive_loader"."my""schema"."it's""`);
    expect(d.parameter(1)).toBe('$1');
    expect(d.parameter(12)).toBe('$12');
  });

  it('maps every logical type to a native type and back', () => {
    expect(Object.fromEntries(LOGICAL_TYPES.map((t) => [t, d.nativeType(t)]))).toMatchInlineSnapshot(`
      {
        "bigint": "BIGINT",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "decimal": "DECIMAL(38,9)",
        "double": "DOUBLE",
        "json": "JSON",
        "string": "VARCHAR",
        "string_list": "VARCHAR[]",
        "time": "TIME",
        "timestamp": "TIMESTAMPTZ",
      }
    `);
    // The catalog reports TIMESTAMPTZ and DECIMAL(38,9) in their long forms.
    const catalogNames: Record<string, string> = { timestamp: 'TIMESTAMP WITH TIME ZONE' };
    for (const type of LOGICAL_TYPES) expect(d.logicalType(catalogNames[type] ?? d.nativeType(type))).toBe(type);
    expect(['INTEGER', 'HUGEINT', 'FLOAT', 'TIMESTAMP', 'DECIMAL(18,3)', 'INTEGER[]', 'UUID', 'text'].map(d.logicalType)).toEqual([
      'bigint',
      'bigint',
      'double',
      'timestamp',
      'decimal',
      'string_list',
      'string',
      'string',
    ]);
  });

  it('declares its capabilities as data', () => {
    expect(d.capabilities).toMatchInlineSnapshot(`
      {
        "backslashEscapesInStrings": false,
        "concurrentStatements": false,
        "ddlInTransaction": true,
        "expressionsInValues": true,
        "maxIdentifierBytes": 255,
        "multiColumnAlter": false,
        "parameters": "numbered",
        "unquotedCase": "preserve",
      }
    `);
  });

  it('renders schema, table and column DDL', () => {
    expect(d.createSchema('pipe"drive')).toMatchInlineSnapshot(`
      [
        "CREATE SCHEMA IF NOT EXISTS "pipedrive_loader"."pipe""drive"",
      ]
    `);
    expect(
      d.createTable(deals, {
        name: 'deals',
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'title', type: 'string' },
          { name: 'value', type: 'decimal' },
          { name: 'labels', type: 'string_list' },
          { name: 'update_time', type: 'timestamp' },
        ],
        primaryKey: ['id'],
      }),
    ).toMatchInlineSnapshot(`
      [
        "CREATE TABLE IF NOT EXISTS "pipedrive_loader"."pipedrive"."deals" (
        "id" BIGINT,
        "title" VARCHAR,
        "value" DECIMAL(38,9),
        "labels" VARCHAR[],
        "update_time" TIMESTAMPTZ,
        PRIMARY KEY ("id")
      )",
      ]
    `);
    expect(
      d.createTable({ schema: 's', name: 'deal_products' }, {
        name: 'deal_products',
        columns: [
          { name: 'deal_id', type: 'bigint' },
          { name: 'product_id', type: 'bigint' },
        ],
        primaryKey: ['deal_id', 'product_id'],
      }),
    ).toMatchInlineSnapshot(`
      [
        "CREATE TABLE IF NOT EXISTS "pipedrive_loader"."s"."deal_products" (
        "deal_id" BIGINT,
        "product_id" BIGINT,
        PRIMARY KEY ("deal_id", "product_id")
      )",
      ]
    `);
    expect(
      d.addColumns(deals, [
        { name: 'custom"; DROP TABLE deals; --', type: 'json' },
        { name: 'close_date', type: 'date' },
      ]),
    ).toMatchInlineSnapshot(`
      [
        "ALTER TABLE "pipedrive_loader"."pipedrive"."deals" ADD COLUMN IF NOT EXISTS "custom""; DROP TABLE deals; --" JSON",
        "ALTER TABLE "pipedrive_loader"."pipedrive"."deals" ADD COLUMN IF NOT EXISTS "close_date" DATE",
      ]
    `);
  });

  it('renders a merge that de-duplicates, guards against older rows and drops staging', () => {
    expect(
      d.merge({
        target: deals,
        staging: { schema: 'pipedrive', name: '_loader_staging_deals_1' },
        primaryKey: ['id'],
        columns: ['id', 'title', 'update_time'],
        newestBy: 'update_time',
      }).inTransaction,
    ).toMatchInlineSnapshot(`
      [
        "CREATE OR REPLACE TEMPORARY TABLE "temp"."main"."_loader_staging_deals_1_merged" AS
      SELECT t.* REPLACE (s."id" AS "id", s."title" AS "title", s."update_time" AS "update_time")
      FROM (SELECT "id", "title", "update_time" FROM "pipedrive_loader"."pipedrive"."_loader_staging_deals_1"
        QUALIFY row_number() OVER (PARTITION BY "id" ORDER BY "update_time" DESC NULLS LAST, "_loader_staging_row" DESC) = 1) AS s
      LEFT JOIN "pipedrive_loader"."pipedrive"."deals" AS t ON t."id" = s."id"
      WHERE t."update_time" IS NULL OR s."update_time" >= t."update_time"",
        "DELETE FROM "pipedrive_loader"."pipedrive"."deals" AS t USING "temp"."main"."_loader_staging_deals_1_merged" AS m WHERE t."id" = m."id"",
        "INSERT INTO "pipedrive_loader"."pipedrive"."deals" BY NAME SELECT * FROM "temp"."main"."_loader_staging_deals_1_merged"",
        "DROP TABLE "temp"."main"."_loader_staging_deals_1_merged"",
        "DROP TABLE "pipedrive_loader"."pipedrive"."_loader_staging_deals_1"",
      ]
    `);
  });

  it('renders a merge without newestBy and with a composite, hostile key', () => {
    expect(
      d.merge({
        target: { schema: 's"x', name: 't' },
        staging: { schema: 's"x', name: 'stg' },
        primaryKey: ['a"b', 'c'],
        columns: ['a"b', 'c', 'v'],
      }).inTransaction,
    ).toMatchInlineSnapshot(`
      [
        "CREATE OR REPLACE TEMPORARY TABLE "temp"."main"."stg_merged" AS
      SELECT t.* REPLACE (s."a""b" AS "a""b", s."c" AS "c", s."v" AS "v")
      FROM (SELECT "a""b", "c", "v" FROM "pipedrive_loader"."s""x"."stg"
        QUALIFY row_number() OVER (PARTITION BY "a""b", "c" ORDER BY "_loader_staging_row" DESC) = 1) AS s
      LEFT JOIN "pipedrive_loader"."s""x"."t" AS t ON t."a""b" = s."a""b" AND t."c" = s."c"",
        "DELETE FROM "pipedrive_loader"."s""x"."t" AS t USING "temp"."main"."stg_merged" AS m WHERE t."a""b" = m."a""b" AND t."c" = m."c"",
        "INSERT INTO "pipedrive_loader"."s""x"."t" BY NAME SELECT * FROM "temp"."main"."stg_merged"",
        "DROP TABLE "temp"."main"."stg_merged"",
        "DROP TABLE "pipedrive_loader"."s""x"."stg"",
      ]
    `);
  });

  it('inserts directly when no staged key exists in the target', () => {
    const statements = d.merge({
      target: { schema: 'crm', name: 'deals' },
      staging: { schema: 'crm', name: 'stg' },
      primaryKey: ['id'],
      columns: ['id', 'title', 'update_time'],
      newestBy: 'update_time',
      allKeysNew: true,
    });
    expect(statements).toMatchInlineSnapshot(`
      {
        "afterTransaction": [],
        "inTransaction": [
          "INSERT INTO "pipedrive_loader"."crm"."deals" BY NAME
      SELECT "id", "title", "update_time" FROM "pipedrive_loader"."crm"."stg"
        QUALIFY row_number() OVER (PARTITION BY "id" ORDER BY "update_time" DESC NULLS LAST, "_loader_staging_row" DESC) = 1",
          "DROP TABLE "pipedrive_loader"."crm"."stg"",
        ],
      }
    `);
  });

  it('refuses to merge without a primary key', () => {
    expect(() =>
      d.merge({ target: deals, staging: deals, primaryKey: [], columns: ['id'] }),
    ).toThrow(/primary key/);
  });
});
