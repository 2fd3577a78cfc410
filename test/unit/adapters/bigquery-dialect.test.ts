/**
 * Every statement the BigQuery dialect renders, as inline snapshots, and each one parsed by an
 * independent GoogleSQL parser (sql-parser-cst, dialect bigquery): a statement it cannot parse
 * fails the test.
 */
import { parse } from 'sql-parser-cst';
import { describe, expect, it } from 'vitest';
import { bigqueryDialect as d, createBigQueryDialect } from '../../../adapters/bigquery/dialect.js';
import type { MergeSpec, StatementPlan } from '../../../adapters/types.js';
import { WarehouseTerminalError } from '../../../src/errors.js';
import { LOGICAL_TYPES, type ColumnSpec } from '../../../src/schema/types.js';

const p = createBigQueryDialect('my-proj');
const deals = { schema: 'pipedrive', name: 'deals' };
const staging = { schema: 'pipedrive', name: '_loader_staging_deals_ab12cd34_1' };

/** Parses with the BigQuery grammar (positional `?` parameters allowed); throws on any error. */
function parses(sql: string): string {
  parse(sql, { dialect: 'bigquery', paramTypes: ['?'] });
  return sql;
}

/** A plan's statements in the order they run: the transaction's, then what waits for its end. */
function flat(statements: readonly string[] | StatementPlan): readonly string[] {
  return 'inTransaction' in statements ? [...statements.inTransaction, ...statements.afterTransaction] : statements;
}

function all(statements: readonly string[] | StatementPlan): string {
  return flat(statements).map(parses).join(';\n');
}

const mergeSpec = (extra: Partial<MergeSpec> = {}): MergeSpec => ({
  target: deals,
  staging,
  primaryKey: ['id'],
  columns: ['id', 'title', 'update_time'],
  ...extra,
});

describe('BigQuery dialect', () => {
  it('quotes identifiers with backticks and escapes, so nothing ends the quote', () => {
    expect(d.quoteIdentifier('id')).toMatchInlineSnapshot(`"\`id\`"`);
    expect(d.quoteIdentifier('a`b')).toMatchInlineSnapshot(`"\`a\\\`b\`"`);
    expect(d.quoteIdentifier('x`; DROP TABLE deals; --')).toMatchInlineSnapshot(`"\`x\\\`; DROP TABLE deals; --\`"`);
    expect(d.quoteIdentifier('back\\slash\nnew')).toMatchInlineSnapshot(`"\`back\\\\slash\\nnew\`"`);
    expect(d.quoteIdentifier('nul\u0000bell\u0007')).toMatchInlineSnapshot(`"\`nul\\u0000bell\\u0007\`"`);
    expect(d.quoteIdentifier('Ärzte 🚀')).toMatchInlineSnapshot(`"\`Ärzte 🚀\`"`);
    expect(d.qualify({ schema: 'pipedrive', name: 'we`ird' })).toMatchInlineSnapshot(`"\`pipedrive\`.\`we\\\`ird\`"`);
    expect(p.qualify(deals)).toMatchInlineSnapshot(`"\`my-proj\`.\`pipedrive\`.\`deals\`"`);
    expect(d.parameter(1)).toBe('?');
    expect(d.parameter(12)).toBe('?');
    expect(p.parameterAs(3, 'json')).toBe('PARSE_JSON(?)');
    expect(p.parameterAs(3, 'timestamp')).toBe('?');
    // Each quoted form parses as one identifier.
    for (const name of ['a`b', 'x`; DROP TABLE deals; --', 'back\\slash\nnew', 'Ärzte 🚀']) {
      parses(`SELECT ${d.quoteIdentifier(name)} FROM ${p.qualify(deals)}`);
    }
  });

  it('limits names to what BigQuery accepts, refusing before any SQL is sent', () => {
    const longest = 'é'.repeat(300);
    expect(d.quoteIdentifier(longest)).toBe(`\`${longest}\``);
    expect(() => d.quoteIdentifier(`${longest}x`)).toThrow(WarehouseTerminalError);
    expect(() => d.quoteIdentifier(`${longest}x`)).toThrow(/301 characters long; BigQuery allows at most 300/);
    expect(() => d.quoteIdentifier('')).toThrow(WarehouseTerminalError);
    expect(() => d.qualify({ schema: 'we"ird; DROP SCHEMA x; --', name: 't' })).toThrow(/cannot be a BigQuery dataset name/);
    expect(() => d.qualify({ schema: 'ok', name: 'é'.repeat(513) })).toThrow(/1 to 1024 bytes/);
    expect(d.qualify({ schema: 'ok', name: 'é'.repeat(512) })).toContain('é');
    expect(() => createBigQueryDialect('bad`project')).toThrow(/not a GCP project id/);
    expect(d.capabilities.maxIdentifierBytes).toBe(300);
  });

  it('maps every logical type to a native type and back from INFORMATION_SCHEMA', () => {
    expect(Object.fromEntries(LOGICAL_TYPES.map((t) => [t, d.nativeType(t)]))).toMatchInlineSnapshot(`
      {
        "bigint": "INT64",
        "boolean": "BOOL",
        "date": "DATE",
        "decimal": "NUMERIC",
        "double": "FLOAT64",
        "json": "JSON",
        "string": "STRING",
        "string_list": "ARRAY<STRING>",
        "time": "TIME",
        "timestamp": "TIMESTAMP",
      }
    `);
    for (const type of LOGICAL_TYPES) expect(d.logicalType(d.nativeType(type))).toBe(type);
    expect(
      ['INTEGER', 'NUMERIC(10, 2)', 'BIGNUMERIC', 'BIGNUMERIC(76, 38)', 'FLOAT', 'DATETIME', 'ARRAY<INT64>', 'STRING(20)', 'BYTES', 'STRUCT<a INT64>', 'GEOGRAPHY', 'bool'].map(
        d.logicalType,
      ),
    ).toEqual(['bigint', 'decimal', 'decimal', 'decimal', 'double', 'timestamp', 'string_list', 'string', 'string', 'string', 'string', 'boolean']);
  });

  it('declares its capabilities as data', () => {
    expect(d.capabilities).toMatchInlineSnapshot(`
      {
        "backslashEscapesInStrings": true,
        "concurrentStatements": true,
        "ddlInTransaction": false,
        "expressionsInValues": true,
        "maxIdentifierBytes": 300,
        "multiColumnAlter": true,
        "parameters": "positional",
        "unquotedCase": "preserve",
      }
    `);
  });

  it('clusters a table by its primary key where BigQuery can, so a merge reads only the blocks of the staged keys', () => {
    const table = (type: (typeof LOGICAL_TYPES)[number], keys = 1): string =>
      all(d.createTable(deals, { name: 'deals', columns: Array.from({ length: keys }, (_, i) => ({ name: `k${i}`, type })), primaryKey: Array.from({ length: keys }, (_, i) => `k${i}`) }));
    expect(table('bigint')).toMatch(/\)\nCLUSTER BY `k0`$/);
    expect(table('string', 4)).toMatch(/CLUSTER BY `k0`, `k1`, `k2`, `k3`$/);
    // FLOAT64, JSON, ARRAY and TIME cannot be clustering columns, and at most four columns can.
    for (const type of ['double', 'json', 'string_list', 'time'] as const) expect(table(type)).not.toContain('CLUSTER BY');
    expect(table('bigint', 5)).not.toContain('CLUSTER BY');
  });

  it('renders schema, table and column DDL', () => {
    const columns: ColumnSpec[] = LOGICAL_TYPES.map((type) => ({ name: `c_${type}`, type }));
    expect(all(d.createSchema('pipedrive'))).toMatchInlineSnapshot(`"CREATE SCHEMA IF NOT EXISTS \`pipedrive\`"`);
    expect(all(p.createSchema('pipedrive'))).toMatchInlineSnapshot(`"CREATE SCHEMA IF NOT EXISTS \`my-proj\`.\`pipedrive\`"`);
    expect(all(p.createTable(deals, { name: 'deals', columns: [{ name: 'id', type: 'bigint' }, ...columns], primaryKey: ['id'] }))).toMatchInlineSnapshot(`
      "CREATE TABLE IF NOT EXISTS \`my-proj\`.\`pipedrive\`.\`deals\` (
        \`id\` INT64,
        \`c_string\` STRING,
        \`c_bigint\` INT64,
        \`c_double\` FLOAT64,
        \`c_decimal\` NUMERIC,
        \`c_boolean\` BOOL,
        \`c_date\` DATE,
        \`c_time\` TIME,
        \`c_timestamp\` TIMESTAMP,
        \`c_json\` JSON,
        \`c_string_list\` ARRAY<STRING>,
        PRIMARY KEY (\`id\`) NOT ENFORCED
      )
      CLUSTER BY \`id\`"
    `);
    expect(all(d.createTable(deals, { name: 'deals', columns: [{ name: 'a', type: 'bigint' }, { name: 'b', type: 'bigint' }], primaryKey: ['a', 'b'] })))
      .toMatchInlineSnapshot(`
        "CREATE TABLE IF NOT EXISTS \`pipedrive\`.\`deals\` (
          \`a\` INT64,
          \`b\` INT64,
          PRIMARY KEY (\`a\`, \`b\`) NOT ENFORCED
        )
        CLUSTER BY \`a\`, \`b\`"
      `);
    expect(all(d.createTable(deals, { name: 'deals', columns: [{ name: 'a', type: 'bigint' }], primaryKey: [] }))).toMatchInlineSnapshot(`
      "CREATE TABLE IF NOT EXISTS \`pipedrive\`.\`deals\` (
        \`a\` INT64
      )"
    `);
    expect(all(p.addColumns(deals, [{ name: 'value', type: 'decimal' }, { name: 'labels', type: 'string_list' }]))).toMatchInlineSnapshot(`
      "ALTER TABLE \`my-proj\`.\`pipedrive\`.\`deals\`
        ADD COLUMN IF NOT EXISTS \`value\` NUMERIC,
        ADD COLUMN IF NOT EXISTS \`labels\` ARRAY<STRING>"
    `);
    expect(p.addColumns(deals, [])).toEqual([]);
    expect(all([p.describeSchemaSql('pipedrive')])).toMatchInlineSnapshot(`
      "SELECT table_name, column_name, data_type FROM \`my-proj\`.\`pipedrive\`.INFORMATION_SCHEMA.COLUMNS
      ORDER BY table_name, ordinal_position"
    `);
  });

  it('merges with newestBy: de-duplicates by QUALIFY, guards against older rows, drops staging', () => {
    expect(all(p.merge(mergeSpec({ newestBy: 'update_time' })))).toMatchInlineSnapshot(`
      "MERGE \`my-proj\`.\`pipedrive\`.\`deals\` AS t
      USING (
      SELECT \`id\`, \`title\`, \`update_time\` FROM \`my-proj\`.\`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY \`id\` ORDER BY \`update_time\` DESC, \`_loader_staging_row\` DESC) = 1
      ) AS s
      ON t.\`id\` = s.\`id\`
      WHEN MATCHED AND (t.\`update_time\` IS NULL OR s.\`update_time\` >= t.\`update_time\`) THEN
        UPDATE SET \`title\` = s.\`title\`, \`update_time\` = s.\`update_time\`
      WHEN NOT MATCHED THEN
        INSERT (\`id\`, \`title\`, \`update_time\`) VALUES (s.\`id\`, s.\`title\`, s.\`update_time\`);
      DROP TABLE \`my-proj\`.\`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`"
    `);
  });

  it('renders, for the count before the merge, exactly the rows the merge writes', () => {
    const spec = mergeSpec({ newestBy: 'update_time' });
    expect(parses(p.deduplicatedStaging(spec))).toMatchInlineSnapshot(`
      "SELECT \`id\`, \`title\`, \`update_time\` FROM \`my-proj\`.\`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY \`id\` ORDER BY \`update_time\` DESC, \`_loader_staging_row\` DESC) = 1"
    `);
    expect(p.merge(spec).inTransaction[0]).toContain(p.deduplicatedStaging(spec));
    expect(p.merge(mergeSpec({ allKeysNew: true })).inTransaction[0]).toContain(p.deduplicatedStaging(mergeSpec()));
  });

  it('keeps DDL out of the transaction: the staging table is dropped after it', () => {
    const drop = 'DROP TABLE `my-proj`.`pipedrive`.`_loader_staging_deals_ab12cd34_1`';
    expect(p.dropStaging(staging)).toEqual({ inTransaction: [], afterTransaction: [drop] });
    for (const spec of [mergeSpec(), mergeSpec({ newestBy: 'update_time' }), mergeSpec({ allKeysNew: true })]) {
      const plan = p.merge(spec);
      expect(plan.afterTransaction).toEqual([drop]);
      expect(plan.inTransaction).toHaveLength(1);
      expect(plan.inTransaction[0]).toMatch(/^(MERGE|INSERT) /);
    }
  });

  it('compares JSON and ARRAY values as JSON text, other types directly', () => {
    expect(p.valuesDiffer('s.`a`', 't.`a`', 'json')).toMatchInlineSnapshot(`"TO_JSON_STRING(s.\`a\`) IS DISTINCT FROM TO_JSON_STRING(t.\`a\`)"`);
    expect(p.valuesDiffer('s.`a`', 't.`a`', 'string_list')).toMatchInlineSnapshot(`"TO_JSON_STRING(s.\`a\`) IS DISTINCT FROM TO_JSON_STRING(t.\`a\`)"`);
    expect(p.valuesDiffer('s.`a`', 't.`a`', 'double')).toMatchInlineSnapshot(`"s.\`a\` IS DISTINCT FROM t.\`a\`"`);
  });

  it('merges without newestBy: the last staged row wins and matched rows are always replaced', () => {
    expect(all(d.merge(mergeSpec()))).toMatchInlineSnapshot(`
      "MERGE \`pipedrive\`.\`deals\` AS t
      USING (
      SELECT \`id\`, \`title\`, \`update_time\` FROM \`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY \`id\` ORDER BY \`_loader_staging_row\` DESC) = 1
      ) AS s
      ON t.\`id\` = s.\`id\`
      WHEN MATCHED THEN
        UPDATE SET \`title\` = s.\`title\`, \`update_time\` = s.\`update_time\`
      WHEN NOT MATCHED THEN
        INSERT (\`id\`, \`title\`, \`update_time\`) VALUES (s.\`id\`, s.\`title\`, s.\`update_time\`);
      DROP TABLE \`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`"
    `);
  });

  it('merges a composite key whose batch writes only key columns: insert only', () => {
    expect(all(d.merge(mergeSpec({ primaryKey: ['deal_id', 'product_id'], columns: ['deal_id', 'product_id'] })))).toMatchInlineSnapshot(`
      "MERGE \`pipedrive\`.\`deals\` AS t
      USING (
      SELECT \`deal_id\`, \`product_id\` FROM \`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY \`deal_id\`, \`product_id\` ORDER BY \`_loader_staging_row\` DESC) = 1
      ) AS s
      ON t.\`deal_id\` = s.\`deal_id\` AND t.\`product_id\` = s.\`product_id\`
      WHEN NOT MATCHED THEN
        INSERT (\`deal_id\`, \`product_id\`) VALUES (s.\`deal_id\`, s.\`product_id\`);
      DROP TABLE \`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`"
    `);
  });

  it('inserts without the join when every staged key is new (allKeysNew)', () => {
    expect(all(p.merge(mergeSpec({ newestBy: 'update_time', allKeysNew: true })))).toMatchInlineSnapshot(`
      "INSERT INTO \`my-proj\`.\`pipedrive\`.\`deals\` (\`id\`, \`title\`, \`update_time\`)
      SELECT \`id\`, \`title\`, \`update_time\` FROM \`my-proj\`.\`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY \`id\` ORDER BY \`update_time\` DESC, \`_loader_staging_row\` DESC) = 1;
      DROP TABLE \`my-proj\`.\`pipedrive\`.\`_loader_staging_deals_ab12cd34_1\`"
    `);
    expect(() => d.merge(mergeSpec({ primaryKey: [] }))).toThrow(/primary key/);
  });

  it('keeps hostile, unicode and very long identifiers inside their quotes in every statement', () => {
    const long = `${'ü'.repeat(299)}\``;
    const hostile: ColumnSpec[] = [
      { name: 'id`; DROP TABLE x; --', type: 'bigint' },
      { name: 'ünï code 🚀', type: 'timestamp' },
      { name: "it's -- /* */", type: 'string_list' },
      { name: 'back\\slash', type: 'json' },
      { name: long, type: 'string' },
    ];
    const table = { schema: 'we_ird_1', name: 'Tä`ble 🚀 ; DELETE FROM x' };
    const stagingTable = p.createStagingTableName(table, 'ab12cd34_7');
    const statements = [
      ...p.createSchema(table.schema),
      ...p.createTable(table, { name: table.name, columns: hostile, primaryKey: ['id`; DROP TABLE x; --'] }),
      ...p.addColumns(table, hostile.slice(1)),
      ...flat(p.merge({ target: table, staging: stagingTable, primaryKey: ['id`; DROP TABLE x; --'], columns: hostile.map((c) => c.name), newestBy: 'ünï code 🚀' })),
      ...flat(p.merge({ target: table, staging: stagingTable, primaryKey: ['id`; DROP TABLE x; --'], columns: hostile.map((c) => c.name), allKeysNew: true })),
    ];
    for (const sql of statements) {
      const cst = parse(sql, { dialect: 'bigquery', paramTypes: ['?'] });
      // One statement each: no identifier broke out of its quotes into a second one.
      expect(cst.statements).toHaveLength(1);
    }
    expect(statements[1]).toContain('`id\\`; DROP TABLE x; --` INT64');
    expect(statements[1]).toContain(`\`${'ü'.repeat(299)}\\\`\` STRING`);
    expect(stagingTable.name).toBe('_loader_staging_Tä`ble 🚀 ; DELETE FROM x_ab12cd34_7');
  });
});
