/**
 * History mode's SQL on every warehouse: snapshots of each statement, an independent parse by
 * node-sql-parser where its grammar covers the statement, and the properties every form must
 * have (identifiers quoted, the hash over the business columns only, in one order).
 *
 * Parser gaps (checked): node-sql-parser 5.4's BigQuery grammar fails on every UPDATE … FROM
 * (an internal "dbObj is not defined") and on its own CREATE TABLE … NOT ENFORCED, so BigQuery's
 * updates are snapshot-only; it has no DuckDB grammar. The DuckDB and PostgreSQL forms run for
 * real in the e2e tests (test/e2e/history-*.test.ts).
 */
import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { bigqueryDialect } from '../../../adapters/bigquery/dialect.js';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { snowflakeDialect } from '../../../adapters/snowflake/dialect.js';
import type { Dialect } from '../../../adapters/types.js';
import { followDeletesSql, insertVersionsSql, recomputeSql, replaceChangedSql } from '../../../src/history/sql.js';
import { hashedColumns, historySpec, historyTable, historyTableName } from '../../../src/history/tables.js';
import type { ColumnSpec } from '../../../src/schema/types.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'value', type: 'decimal' },
  { name: 'labels', type: 'string_list' },
  { name: 'payload', type: 'json' },
  { name: 'update_time', type: 'timestamp' },
  { name: '_loaded_at', type: 'timestamp' },
  { name: '_load_id', type: 'string' },
  { name: '_deleted_at', type: 'timestamp' },
];
const table = historyTable('pipedrive', 'deals', { primaryKey: ['id'], validFrom: 'update_time', columns: COLUMNS });
const staging = { schema: 'pipedrive', name: '_loader_staging_7' };
const DIALECTS: readonly Dialect[] = [duckdbDialect, postgresDialect, bigqueryDialect, snowflakeDialect];

function statements(dialect: Dialect): string[] {
  return [
    replaceChangedSql(dialect, table, staging),
    insertVersionsSql(dialect, table, staging),
    insertVersionsSql(dialect, table, table.current),
    recomputeSql(dialect, table, staging),
    recomputeSql(dialect, table, 'all'),
    ...followDeletesSql(dialect, table),
    ...dialect.createTable(table.history, historySpec(table)),
  ];
}

const parser = new nodeSqlParser.Parser();

describe('history tables', () => {
  it('are named <table>_history, length-limited like every name', () => {
    expect(historyTableName('deals')).toBe('deals_history');
    const long = historyTableName('x'.repeat(63));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long.endsWith('_history')).toBe(true);
    expect(historyTableName('y'.repeat(63))).not.toBe(long);
  });

  it('hold every current column, then the four history columns, keyed by (key, _valid_from)', () => {
    const spec = historySpec(table);
    expect(spec.columns.map((c) => c.name)).toEqual([...COLUMNS.map((c) => c.name), '_valid_from', '_valid_to', '_is_current', '_version_hash']);
    expect(spec.primaryKey).toEqual(['id', '_valid_from']);
  });

  it('hash the business columns only, sorted by name, whatever order the table has them in', () => {
    expect(hashedColumns(COLUMNS).map((c) => c.name)).toEqual(['id', 'labels', 'payload', 'title', 'update_time', 'value']);
    expect(hashedColumns([...COLUMNS].reverse())).toEqual(hashedColumns(COLUMNS));
  });
});

describe.each(DIALECTS.map((dialect) => [dialect.name, dialect] as const))('history SQL on %s', (name, dialect) => {
  it('matches the snapshots', () => {
    expect(statements(dialect)).toMatchSnapshot();
  });

  it('quotes every identifier and never names the bookkeeping columns in the hash', () => {
    const hash = dialect.versionHash('s', hashedColumns(COLUMNS));
    for (const column of ['_loaded_at', '_load_id', '_deleted_at']) expect(hash).not.toContain(column);
    for (const column of hashedColumns(COLUMNS)) expect(hash).toContain(`s.${dialect.quoteIdentifier(column.name)}`);
    expect(insertVersionsSql(dialect, table, staging)).toContain(dialect.qualify(table.history));
  });

  it('quotes a hostile table and column name', () => {
    const hostile = historyTable('pipedrive', 'de"als', { primaryKey: ['i"d'], validFrom: 'update_time', columns: [{ name: 'i"d', type: 'bigint' }, ...COLUMNS.slice(1)] });
    const sql = [insertVersionsSql(dialect, hostile, staging), recomputeSql(dialect, hostile, staging)].join('\n');
    expect(sql).toContain(dialect.quoteIdentifier('i"d'));
    expect(sql).not.toMatch(/[^"`']i"d/); // quoted everywhere (Snowflake's hash names it in a string literal)
    expect(name).toBe(dialect.name);
  });
});

describe('an independent parse where the grammar has the statement', () => {
  it('PostgreSQL: every history statement parses', () => {
    for (const sql of statements(postgresDialect)) parser.astify(sql, { database: 'postgresql' });
  });

  it('Snowflake: every history statement parses (CREATE TABLE aside: the grammar lacks VARIANT and ARRAY columns)', () => {
    for (const sql of statements(snowflakeDialect).slice(0, -1)) parser.astify(sql, { database: 'snowflake' });
  });

  it('BigQuery: the inserts (with their hash) parse', () => {
    parser.astify(insertVersionsSql(bigqueryDialect, table, staging), { database: 'bigquery' });
    parser.astify(insertVersionsSql(bigqueryDialect, table, table.current), { database: 'bigquery' });
  });
});
