/**
 * Snowflake SQL rendering. Pure: no IO, every function returns SQL text.
 *
 * Every identifier is double-quoted (embedded quotes doubled). Quoted identifiers are
 * case-sensitive in Snowflake and the loader's names are lower snake case, so quoting keeps them
 * lower case instead of letting Snowflake fold them to upper case; it is also what keeps names
 * derived from Pipedrive data (custom field names) from ever being read as SQL. Snowflake refuses
 * identifiers longer than 255 characters; `quoteIdentifier` refuses them first, with a message.
 *
 * Names are two-part (`"schema"."table"`): the session's current database is the profile's
 * `database` (set at login), so the Dialect never needs to know it.
 */
import { columnDefinition as sharedColumnDefinition, createTableSql } from '../base/ddl.js';
import { WarehouseTerminalError } from '../../src/errors.js';
import type { ColumnSpec, LogicalType, TableRef, TableSpec } from '../../src/schema/types.js';
import type { Capabilities, Dialect, MergeSpec, StatementPlan } from '../types.js';
import { versionHash } from './version-hash.js';

/** The staging column holding each row's position in the batch (ties go to the later row). */
export const STAGING_ROW_COLUMN = '_loader_staging_row';

/** Snowflake's limit is 255 characters; 255 bytes is never more than 255 characters. */
export const SNOWFLAKE_MAX_IDENTIFIER_CHARS = 255;

export const SNOWFLAKE_CAPABILITIES: Capabilities = {
  maxIdentifierBytes: SNOWFLAKE_MAX_IDENTIFIER_CHARS,
  unquotedCase: 'upper',
  // Every DDL statement commits the open transaction first (Snowflake's rule, not a setting).
  ddlInTransaction: false,
  // ALTER TABLE … ADD COLUMN IF NOT EXISTS takes one column per statement.
  multiColumnAlter: false,
  // Numbered `:1`: one value may be referred to twice (`parameter` below).
  parameters: 'numbered',
  // A VALUES row holds constants and placeholders only: PARSE_JSON(:1) needs INSERT … SELECT.
  expressionsInValues: false,
  // Single-quoted string constants take backslash escapes.
  backslashEscapesInStrings: true,
  // One SDK connection is one session: a statement sent during a transaction joins it.
  concurrentStatements: false,
};

const NATIVE_TYPES: Record<LogicalType, string> = {
  string: 'VARCHAR',
  bigint: 'NUMBER(38,0)',
  double: 'FLOAT',
  // As DuckDB's DECIMAL(38,9): 29 integer and 9 fractional digits, exact for any money amount.
  decimal: 'NUMBER(38,9)',
  boolean: 'BOOLEAN',
  date: 'DATE',
  time: 'TIME',
  timestamp: 'TIMESTAMP_TZ',
  json: 'VARIANT',
  string_list: 'ARRAY',
};

export function quoteIdentifier(name: string): string {
  const characters = [...name].length;
  if (characters === 0 || characters > SNOWFLAKE_MAX_IDENTIFIER_CHARS) {
    throw new WarehouseTerminalError(
      `The identifier "${name.slice(0, 80)}${characters > 80 ? '…' : ''}" is ${characters} characters long; ` +
        `Snowflake identifiers must have 1 to ${SNOWFLAKE_MAX_IDENTIFIER_CHARS}. Choose a shorter --schema or table name.`,
    );
  }
  if (name.includes('\u0000')) {
    throw new WarehouseTerminalError('An identifier contains a NUL character, which Snowflake does not accept.');
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
 * Maps a type as INFORMATION_SCHEMA.COLUMNS reports it back to a logical type. The catalog says
 * `TEXT` for VARCHAR and `NUMBER` without precision and scale, so describeSchema passes
 * `NUMBER(p,s)`; a bare `NUMBER` is NUMBER(38,0). Types the loader does not create map to the
 * logical type that holds their values without loss (TIMESTAMP_NTZ → timestamp, OBJECT → json).
 */
export function logicalType(native: string): LogicalType {
  const type = native.trim().toUpperCase();
  const numeric = /^(?:NUMBER|DECIMAL|NUMERIC)\s*(?:\(\s*\d+\s*(?:,\s*(\d+)\s*)?\))?$/.exec(type);
  if (numeric) return Number(numeric[1] ?? 0) > 0 ? 'decimal' : 'bigint';
  if (type.startsWith('TIMESTAMP') || type === 'DATETIME') return 'timestamp';
  if (type.startsWith('TIME')) return 'time';
  switch (type) {
    case 'INT':
    case 'INTEGER':
    case 'BIGINT':
    case 'SMALLINT':
    case 'TINYINT':
    case 'BYTEINT':
      return 'bigint';
    case 'FLOAT':
    case 'FLOAT4':
    case 'FLOAT8':
    case 'DOUBLE':
    case 'DOUBLE PRECISION':
    case 'REAL':
      return 'double';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'VARIANT':
    case 'OBJECT':
      return 'json';
    case 'ARRAY':
      return 'string_list';
    default:
      // TEXT, VARCHAR(n), BINARY, GEOGRAPHY …: text is the one type that can represent them all.
      return 'string';
  }
}

/**
 * Snowflake's numbered placeholder `:i`, bound to the i-th value. Not `?`: a `?` takes the next
 * value in order, and generic SQL may use one parameter twice (the child loader's keyset query
 * repeats its timestamp), which numbered placeholders express and `?` does not.
 */
export function parameter(index: number): string {
  return `:${index}`;
}

/**
 * A parameter read as `type`: bound text stays VARCHAR, so JSON goes through PARSE_JSON (which
 * Snowflake allows in INSERT … SELECT, not in VALUES: the state store uses the former).
 */
export function parameterAs(index: number, type: LogicalType): string {
  return type === 'json' || type === 'string_list' ? `PARSE_JSON(${parameter(index)})` : parameter(index);
}

/** In the session's database, which is the profile's `database`. */
export function createSchema(schema: string): string[] {
  return [`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`];
}

const naming = { quoteIdentifier, nativeType };

function columnDefinition(column: ColumnSpec): string {
  return sharedColumnDefinition(naming, column);
}

/** The primary key is declared for documentation and tools; Snowflake does not enforce it. */
export function createTable(table: TableRef, spec: TableSpec): string[] {
  return [createTableSql(naming, qualify(table), spec)];
}

export function addColumns(table: TableRef, columns: readonly ColumnSpec[]): string[] {
  return columns.map((column) => `ALTER TABLE ${qualify(table)} ADD COLUMN IF NOT EXISTS ${columnDefinition(column)}`);
}

/**
 * The type a column has in the staging table that the rows are bound into. Bound values travel
 * as text, and a VALUES list cannot hold PARSE_JSON, so json and string_list arrive as VARCHAR
 * holding JSON text and are converted by `convertStagingSql`.
 */
export function stagingType(type: LogicalType): string {
  return type === 'json' || type === 'string_list' ? 'VARCHAR' : nativeType(type);
}

/** Whether staged text must be converted (PARSE_JSON) before the merge can read it. */
export function needsConversion(columns: readonly ColumnSpec[]): boolean {
  return columns.some((column) => column.type === 'json' || column.type === 'string_list');
}

/**
 * A TEMPORARY table: it belongs to this session, so no other session sees or clashes with it, and
 * Snowflake drops it when the session ends, so a crashed run leaves nothing behind. (TRANSIENT
 * would outlive a crash and need sweeping; neither kind is transactional, since CREATE commits.)
 */
export function createStagingTable(staging: TableRef, columns: readonly ColumnSpec[]): string {
  const definitions = columns.map((column) => `${quoteIdentifier(column.name)} ${stagingType(column.type)}`);
  definitions.push(`${quoteIdentifier(STAGING_ROW_COLUMN)} NUMBER(38,0)`);
  return `CREATE OR REPLACE TEMPORARY TABLE ${qualify(staging)} (${definitions.join(', ')})`;
}

/** The INSERT the rows are array-bound into: one `?` per staged column. */
export function insertStagingSql(staging: TableRef, columns: readonly ColumnSpec[]): string {
  const names = [...columns.map((column) => column.name), STAGING_ROW_COLUMN].map(quoteIdentifier);
  return `INSERT INTO ${qualify(staging)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
}

/** Builds the typed staging table from the raw one: PARSE_JSON for json, and ::ARRAY for lists. */
export function convertStagingSql(staging: TableRef, raw: TableRef, columns: readonly ColumnSpec[]): string {
  const projected = columns.map((column) => {
    const name = quoteIdentifier(column.name);
    if (column.type === 'json') return `PARSE_JSON(${name}) AS ${name}`;
    if (column.type === 'string_list') return `PARSE_JSON(${name})::ARRAY AS ${name}`;
    return name;
  });
  projected.push(quoteIdentifier(STAGING_ROW_COLUMN));
  return `CREATE OR REPLACE TEMPORARY TABLE ${qualify(staging)} AS SELECT ${projected.join(', ')} FROM ${qualify(raw)}`;
}

/**
 * Merges staging into the target:
 * 1. `QUALIFY ROW_NUMBER() OVER (PARTITION BY pk ORDER BY newestBy DESC NULLS LAST, staging row
 *    DESC) = 1` keeps one row per key: the newest, and among equals the one staged last (MERGE
 *    would fail, or pick at random, with two source rows for one target row);
 * 2. `MERGE … WHEN MATCHED AND (t.newestBy IS NULL OR s.newestBy >= t.newestBy)`: an older row
 *    never overwrites a newer one, an undated one never overwrites a dated one, equal times
 *    replace. Only the batch's columns are set, so columns it does not write keep their values;
 * 3. the staging table is dropped once the transaction has ended (`afterTransaction`): DROP is
 *    DDL, and would commit the merge before the bookmark is written.
 * With `allKeysNew` (no staged key is in the target) the de-duplicated rows are simply inserted.
 */
/** One staged row per key: the greatest `newestBy` (NULLs last), among equals the one staged last. */
export function deduplicatedStaging(spec: MergeSpec): string {
  const keys = spec.primaryKey.map(quoteIdentifier);
  const newest = spec.newestBy === undefined ? undefined : quoteIdentifier(spec.newestBy);
  const order = [...(newest ? [`${newest} DESC NULLS LAST`] : []), `${quoteIdentifier(STAGING_ROW_COLUMN)} DESC`];
  return (
    `SELECT ${spec.columns.map(quoteIdentifier).join(', ')} FROM ${qualify(spec.staging)}\n` +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${order.join(', ')}) = 1`
  );
}

/** DDL commits the open transaction: the staging table is dropped after it has ended. */
export function dropStaging(staging: TableRef): StatementPlan {
  return { inTransaction: [], afterTransaction: [`DROP TABLE ${qualify(staging)}`] };
}

export function merge(spec: MergeSpec): StatementPlan {
  if (spec.primaryKey.length === 0) throw new Error('merge needs a primary key');
  const target = qualify(spec.target);
  const keys = spec.primaryKey.map(quoteIdentifier);
  const columns = spec.columns.map(quoteIdentifier);
  const newest = spec.newestBy === undefined ? undefined : quoteIdentifier(spec.newestBy);
  const deduplicated = deduplicatedStaging(spec);
  const { afterTransaction } = dropStaging(spec.staging);
  if (spec.allKeysNew) return { inTransaction: [`INSERT INTO ${target} (${columns.join(', ')})\n${deduplicated}`], afterTransaction };

  const keySet = new Set(spec.primaryKey);
  const updated = spec.columns.filter((name) => !keySet.has(name)).map(quoteIdentifier);
  const guard = newest ? ` AND (t.${newest} IS NULL OR s.${newest} >= t.${newest})` : '';
  const whenMatched =
    updated.length === 0 ? '' : `\nWHEN MATCHED${guard} THEN UPDATE SET ${updated.map((c) => `${c} = s.${c}`).join(', ')}`;
  const merged =
    `MERGE INTO ${target} AS t\n` +
    `USING (\n${deduplicated}\n) AS s\n` +
    `ON ${keys.map((key) => `t.${key} = s.${key}`).join(' AND ')}` +
    whenMatched +
    `\nWHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((c) => `s.${c}`).join(', ')})`;
  return { inTransaction: [merged], afterTransaction };
}

export const snowflakeDialect: Dialect = {
  name: 'snowflake',
  capabilities: SNOWFLAKE_CAPABILITIES,
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
