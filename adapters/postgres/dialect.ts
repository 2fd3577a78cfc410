/**
 * PostgreSQL SQL rendering. Pure: no IO, every function returns SQL text.
 *
 * Every identifier is quoted (double quotes, embedded quotes doubled), because table and column
 * names derive from Pipedrive data and must never be read as SQL. PostgreSQL silently truncates
 * identifiers longer than 63 BYTES (NOTICE 42622), which would make two long names collide, so
 * `quoteIdentifier` refuses them instead: naming (src/schema/naming.ts) already shortens every
 * name it makes to 63 bytes with a stable hash.
 */
import { columnDefinition as sharedColumnDefinition, createTableSql } from '../base/ddl.js';
import { WarehouseTerminalError } from '../../src/errors.js';
import type { ColumnSpec, LogicalType, TableRef, TableSpec } from '../../src/schema/types.js';
import type { Capabilities, Dialect, MergeSpec, StatementPlan } from '../types.js';
import { versionHash } from './version-hash.js';

/**
 * The staging table's extra column holding each row's position in the batch. De-duplication
 * keeps the row with the greatest `newestBy`, and among equals the one staged last.
 */
export const STAGING_ROW_COLUMN = '_loader_staging_row';

/** Temporary tables live in the session's own schema, which `pg_temp` always names. */
export const TEMP_SCHEMA = 'pg_temp';

export const POSTGRES_MAX_IDENTIFIER_BYTES = 63;

export const POSTGRES_CAPABILITIES: Capabilities = {
  maxIdentifierBytes: POSTGRES_MAX_IDENTIFIER_BYTES,
  unquotedCase: 'lower',
  ddlInTransaction: true,
  multiColumnAlter: true,
  parameters: 'numbered',
  expressionsInValues: true,
  // standard_conforming_strings is on (the default since 9.1): only `'` is doubled.
  backslashEscapesInStrings: false,
  // A pool: a statement outside the transaction takes a connection of its own.
  concurrentStatements: true,
};

const NATIVE_TYPES: Record<LogicalType, string> = {
  string: 'text',
  bigint: 'bigint',
  double: 'double precision',
  // Unconstrained numeric: exact, and keeps whatever scale Pipedrive sends.
  decimal: 'numeric',
  boolean: 'boolean',
  date: 'date',
  time: 'time',
  timestamp: 'timestamptz',
  json: 'jsonb',
  string_list: 'text[]',
};

export function quoteIdentifier(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > POSTGRES_MAX_IDENTIFIER_BYTES) {
    throw new WarehouseTerminalError(
      `The identifier "${name}" is ${bytes} bytes long; PostgreSQL allows at most ${POSTGRES_MAX_IDENTIFIER_BYTES} bytes ` +
        'and would silently cut it. Choose a shorter --schema or table name.',
    );
  }
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualify(table: TableRef): string {
  return `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)}`;
}

export function nativeType(type: LogicalType): string {
  return NATIVE_TYPES[type];
}

/**
 * Maps `format_type()` output (pg_catalog) back to a logical type. Types this loader does not
 * create (integer, varchar(n), timestamp without time zone …) map to the logical type that holds
 * their values without loss, so a table edited by hand still plans sensibly.
 */
export function logicalType(native: string): LogicalType {
  const type = native.trim().toLowerCase();
  if (type.endsWith('[]')) return 'string_list';
  if (type.startsWith('numeric') || type.startsWith('decimal')) return 'decimal';
  if (type.startsWith('timestamp')) return 'timestamp';
  if (type.startsWith('time')) return 'time';
  switch (type) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      return 'bigint';
    case 'double precision':
    case 'real':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'json':
    case 'jsonb':
      return 'json';
    default:
      // text, varchar, uuid, bytea …: text is the one type that can represent them all.
      return 'string';
  }
}

export function parameter(index: number): string {
  return `$${index}`;
}

/** PostgreSQL infers a parameter's type from where it is written (jsonb included). */
export function parameterAs(index: number): string {
  return parameter(index);
}

export function createSchema(schema: string): string[] {
  return [`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`];
}

const naming = { quoteIdentifier, nativeType };

function columnDefinition(column: ColumnSpec): string {
  return sharedColumnDefinition(naming, column);
}

/**
 * The primary key is declared: `INSERT … ON CONFLICT` needs its unique index, and the key keeps
 * the table honest. PostgreSQL names it `<table>_pkey`, shortening that to 63 bytes itself.
 */
export function createTable(table: TableRef, spec: TableSpec): string[] {
  return [createTableSql(naming, qualify(table), spec)];
}

/** One ALTER adding every column: one catalog update and one lock for the whole evolution. */
export function addColumns(table: TableRef, columns: readonly ColumnSpec[]): string[] {
  if (columns.length === 0) return [];
  const clauses = columns.map((column) => `ADD COLUMN IF NOT EXISTS ${columnDefinition(column)}`);
  return [`ALTER TABLE ${qualify(table)}\n  ${clauses.join(',\n  ')}`];
}

/** The staging table: no key (duplicates are resolved by the merge), dropped at commit. */
export function createStagingTable(staging: TableRef, columns: readonly ColumnSpec[]): string {
  const definitions = columns.map(columnDefinition);
  definitions.push(`${quoteIdentifier(STAGING_ROW_COLUMN)} bigint`);
  return `CREATE TEMPORARY TABLE ${qualify(staging)} (${definitions.join(', ')}) ON COMMIT DROP`;
}

/** The COPY statement that writes `columns` of rows straight into `table` (the backfill fast path). */
export function copyInto(table: TableRef, columns: readonly ColumnSpec[]): string {
  return `COPY ${qualify(table)} (${columns.map((column) => quoteIdentifier(column.name)).join(', ')}) FROM STDIN`;
}

/** The COPY statement that fills a staging table, in PostgreSQL's text format. */
export function copyIntoStaging(staging: TableRef, columns: readonly ColumnSpec[]): string {
  const names = [...columns.map((column) => column.name), STAGING_ROW_COLUMN].map(quoteIdentifier);
  return `COPY ${qualify(staging)} (${names.join(', ')}) FROM STDIN`;
}

/**
 * Merges by `INSERT … SELECT DISTINCT ON … ON CONFLICT (pk) DO UPDATE` (see README.md for the
 * measurements against MERGE):
 * 1. `DISTINCT ON (pk)` ordered by `newestBy DESC NULLS LAST, staging row DESC` keeps one row per
 *    key: the newest, and among equals the one staged last;
 * 2. a key already in the target is updated only when the target's `newestBy` is NULL or not
 *    newer, so an older row never overwrites a newer one. Only the batch's columns are set, so a
 *    batch that writes fewer columns than the table has never wipes the others;
 * 3. the staging table is dropped in the transaction (it would also go at commit: ON COMMIT DROP).
 * When the caller counted, in the same transaction, that no staged key is in the target
 * (`allKeysNew`, a backfill), the rows are inserted without ON CONFLICT: 35% faster measured. A
 * key inserted meanwhile by a writer outside the schema lock would fail the batch (23505), never
 * corrupt it.
 */
/** One staged row per key: `DISTINCT ON (pk)` ordered by `newestBy DESC NULLS LAST, staging row DESC`. */
export function deduplicatedStaging(spec: MergeSpec): string {
  const keys = spec.primaryKey.map(quoteIdentifier);
  const newest = spec.newestBy === undefined ? undefined : quoteIdentifier(spec.newestBy);
  const order = [...keys, ...(newest ? [`${newest} DESC NULLS LAST`] : []), `${quoteIdentifier(STAGING_ROW_COLUMN)} DESC`];
  return (
    `SELECT DISTINCT ON (${keys.join(', ')}) ${spec.columns.map(quoteIdentifier).join(', ')} FROM ${qualify(spec.staging)}\n` +
    `ORDER BY ${order.join(', ')}`
  );
}

/** DDL is transactional here: the staging table goes with the transaction that made it. */
export function dropStaging(staging: TableRef): StatementPlan {
  return { inTransaction: [`DROP TABLE ${qualify(staging)}`], afterTransaction: [] };
}

export function merge(spec: MergeSpec): StatementPlan {
  if (spec.primaryKey.length === 0) throw new Error('merge needs a primary key');
  const target = qualify(spec.target);
  const drop = dropStaging(spec.staging);
  const keys = spec.primaryKey.map(quoteIdentifier);
  const columns = spec.columns.map(quoteIdentifier);
  const newest = spec.newestBy === undefined ? undefined : quoteIdentifier(spec.newestBy);
  const keySet = new Set(spec.primaryKey);
  const updated = spec.columns.filter((name) => !keySet.has(name)).map(quoteIdentifier);
  const onConflict =
    updated.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${updated.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}` +
        (newest ? `\n  WHERE t.${newest} IS NULL OR EXCLUDED.${newest} >= t.${newest}` : '');
  const insert = `INSERT INTO ${target} AS t (${columns.join(', ')})\n${deduplicatedStaging(spec)}`;
  const merged = spec.allKeysNew ? insert : `${insert}\nON CONFLICT (${keys.join(', ')}) ${onConflict}`;
  return { inTransaction: [merged, ...drop.inTransaction], afterTransaction: drop.afterTransaction };
}

export const postgresDialect: Dialect = {
  name: 'postgres',
  capabilities: POSTGRES_CAPABILITIES,
  quoteIdentifier,
  qualify,
  nativeType,
  logicalType,
  parameter,
  parameterAs,
  createSchema,
  createTable,
  addColumns,
  merge,
  dropStaging,
  versionHash: (alias, columns) => versionHash(quoteIdentifier, alias, columns),
  deduplicatedStaging,
};
