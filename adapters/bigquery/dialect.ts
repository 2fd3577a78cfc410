/**
 * BigQuery (GoogleSQL) rendering. Pure: no IO, every function returns SQL text, unit-tested by
 * snapshots and by an independent parser (sql-parser-cst).
 *
 * Identifiers derive from Pipedrive data, so every one is backtick-quoted with BigQuery's escape
 * sequences (a quoted identifier takes the same escapes as a string literal): nothing inside can
 * end the quote. Lengths are checked here, before any SQL reaches the server, because BigQuery's
 * limits differ per kind of name: datasets 1,024 characters of [A-Za-z0-9_], tables 1,024 bytes,
 * columns 300 characters.
 */
import { WarehouseTerminalError } from '../../src/errors.js';
import type { ColumnSpec, LogicalType, TableRef, TableSpec } from '../../src/schema/types.js';
import type { Capabilities, Dialect, MergeSpec, StatementPlan } from '../types.js';
import { versionHash } from './version-hash.js';

/** The staging table's extra column: each row's position in the batch, to break ties. */
export const STAGING_ROW_COLUMN = '_loader_staging_row';
/** Staging tables start with this; describeSchema hides them (they are transient). */
export const STAGING_PREFIX = '_loader_staging_';

export const MAX_COLUMN_CHARACTERS = 300;
export const MAX_TABLE_BYTES = 1024;
export const MAX_DATASET_CHARACTERS = 1024;
const DATASET_NAME = /^[A-Za-z0-9_]+$/;

export const BIGQUERY_CAPABILITIES: Capabilities = {
  // Columns allow 300 characters; 300 bytes is never more than 300 characters, whatever the
  // encoding, so every name within this budget fits every kind of BigQuery name.
  maxIdentifierBytes: 300,
  // Column names keep their spelling and compare case-insensitively; dataset and table names
  // are case-sensitive. Nothing is folded.
  unquotedCase: 'preserve',
  // CREATE/ALTER/DROP of permanent tables are refused inside multi-statement transactions.
  ddlInTransaction: false,
  multiColumnAlter: true,
  // Positional `?`: each placeholder takes the next value, so a value used twice is bound twice.
  parameters: 'positional',
  expressionsInValues: true,
  // GoogleSQL string literals take backslash escapes.
  backslashEscapesInStrings: true,
  // Every statement outside a transaction is a job of its own; a transaction has its own session.
  concurrentStatements: true,
};

const NATIVE_TYPES: Record<LogicalType, string> = {
  string: 'STRING',
  bigint: 'INT64',
  double: 'FLOAT64',
  // NUMERIC is DECIMAL(38, 9): 29 integer and 9 fractional digits, the same range as DuckDB's
  // DECIMAL(38,9), exact, and half the price of BIGNUMERIC per value stored.
  decimal: 'NUMERIC',
  boolean: 'BOOL',
  date: 'DATE',
  time: 'TIME',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
  // A REPEATED field: BigQuery stores no NULL array (NULL reads back as []).
  string_list: 'ARRAY<STRING>',
};

const ESCAPES: Readonly<Record<string, string>> = { '`': '\\`', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Backslash escapes for the quote, backslash and every control character. */
function escapeQuoted(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[`\\\u0000-\u001f\u007f]/g, (ch) => ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function refuse(message: string): never {
  throw new WarehouseTerminalError(message);
}

/** A column (or alias) name: at most 300 characters, never empty. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) refuse('BigQuery does not allow an empty column name.');
  const characters = [...name].length;
  if (characters > MAX_COLUMN_CHARACTERS) {
    refuse(`The column name "${name.slice(0, 40)}…" is ${characters} characters long; BigQuery allows at most ${MAX_COLUMN_CHARACTERS}.`);
  }
  return `\`${escapeQuoted(name)}\``;
}

/** A dataset name: letters, digits and underscores only (BigQuery's rule, checked here for a clear message). */
export function quoteDataset(dataset: string): string {
  if (!DATASET_NAME.test(dataset) || dataset.length > MAX_DATASET_CHARACTERS) {
    refuse(
      `"${dataset.slice(0, 80)}" cannot be a BigQuery dataset name: use 1 to ${MAX_DATASET_CHARACTERS} letters, digits ` +
        'and underscores (choose another --schema or --integration).',
    );
  }
  return `\`${dataset}\``;
}

export function quoteTable(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > MAX_TABLE_BYTES) refuse(`BigQuery table names take 1 to ${MAX_TABLE_BYTES} bytes; "${name.slice(0, 40)}" has ${bytes}.`);
  return `\`${escapeQuoted(name)}\``;
}

/** A GCP project id (letters, digits, hyphens, and `domain:` prefixes), quoted for a three-part name. */
export function quoteProject(project: string): string {
  if (!/^[a-z0-9.:-]+$/i.test(project)) refuse(`"${project}" is not a GCP project id.`);
  return `\`${project}\``;
}

export function nativeType(type: LogicalType): string {
  return NATIVE_TYPES[type];
}

/**
 * Maps INFORMATION_SCHEMA.COLUMNS.data_type back to a logical type. Types this loader does not
 * create (INTEGER aliases, parameterized NUMERIC(10, 2), DATETIME, STRUCT …) map to the logical
 * type that holds their values without loss, so a table edited by hand still plans sensibly.
 */
export function logicalType(native: string): LogicalType {
  const type = native.trim().toUpperCase();
  if (type.startsWith('ARRAY<')) return 'string_list';
  if (/^(BIG)?(NUMERIC|DECIMAL)\b/.test(type)) return 'decimal';
  switch (type) {
    case 'INT64':
    case 'INT':
    case 'INTEGER':
    case 'SMALLINT':
    case 'BIGINT':
    case 'TINYINT':
    case 'BYTEINT':
      return 'bigint';
    case 'FLOAT64':
    case 'FLOAT':
      return 'double';
    case 'BOOL':
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'TIME':
      return 'time';
    case 'TIMESTAMP':
    case 'DATETIME':
      return 'timestamp';
    case 'JSON':
      return 'json';
    default:
      // STRING(n), BYTES, GEOGRAPHY, STRUCT<…>, INTERVAL …: text can represent them all.
      return 'string';
  }
}

/** Positional parameters: BigQuery binds `?` in order, so the index only documents intent. */
export function parameter(_index: number): string {
  return '?';
}

/**
 * A bound parameter read as `type`. STRING parameters coerce to DATE, TIME and TIMESTAMP by
 * themselves, but never to JSON: a JSON value needs PARSE_JSON (the state store inserts JSON text
 * into `_loader_runs.streams` through this).
 */
export function parameterAs(index: number, type: LogicalType): string {
  return type === 'json' ? `PARSE_JSON(${parameter(index)})` : parameter(index);
}

/** Types BigQuery can cluster by: top-level, orderable, not FLOAT64 (https://cloud.google.com/bigquery/docs/clustered-tables#limitations). */
const CLUSTERABLE: ReadonlySet<LogicalType> = new Set<LogicalType>(['string', 'bigint', 'decimal', 'boolean', 'date', 'timestamp']);
/** BigQuery clusters by at most four columns. */
const MAX_CLUSTERING_COLUMNS = 4;

/** The CLUSTER BY list of a table: its primary key, when BigQuery can cluster by every key column. */
function clusterBy(spec: TableSpec): string | undefined {
  const key = spec.primaryKey.map((name) => spec.columns.find((column) => column.name === name));
  if (key.length === 0 || key.length > MAX_CLUSTERING_COLUMNS) return undefined;
  if (!key.every((column) => column !== undefined && CLUSTERABLE.has(column.type))) return undefined;
  return spec.primaryKey.map(quoteIdentifier).join(', ');
}

export interface BigQueryDialect extends Dialect {
  /** The project the two-part names of this dialect are resolved in (undefined: the job's). */
  readonly project: string | undefined;
  quoteDataset(dataset: string): string;
  parameterAs(index: number, type: LogicalType): string;
  valuesDiffer(left: string, right: string, type: LogicalType): string;
  createStagingTableName(target: TableRef, tag: string): TableRef;
  describeSchemaSql(schema: string): string;
}

/**
 * A dialect whose names are `project`.`dataset`.`table` when a project is given. The client binds
 * its data project so that jobs billed to an `execution_project` still find the tables; the
 * adapter-level dialect (no project) renders two-part names, resolved in the job's project.
 */
export function createBigQueryDialect(project?: string): BigQueryDialect {
  const prefix = project === undefined ? '' : `${quoteProject(project)}.`;
  const qualify = (table: TableRef): string => `${prefix}${quoteDataset(table.schema)}.${quoteTable(table.name)}`;
  const columnDefinition = (column: ColumnSpec): string => `${quoteIdentifier(column.name)} ${nativeType(column.type)}`;

  return {
    name: 'bigquery',
    capabilities: BIGQUERY_CAPABILITIES,
    project,
    quoteIdentifier,
    quoteDataset,
    qualify,
    nativeType,
    logicalType,
    parameter,
    parameterAs,
    versionHash: (alias, columns) => versionHash(quoteIdentifier, alias, columns),

    /**
     * The dataset is created in the location the job runs in (the client runs every job in the
     * profile's `location`), so no location value is written into the SQL.
     */
    createSchema(schema: string): string[] {
      return [`CREATE SCHEMA IF NOT EXISTS ${prefix}${quoteDataset(schema)}`];
    },

    /**
     * Every column nullable; the key declared NOT ENFORCED (BigQuery enforces none, the merge
     * keeps it), and the table clustered by it, so that a merge reads only the storage blocks
     * whose key range the staged keys fall in rather than the whole table (see clusterBy).
     */
    createTable(table: TableRef, spec: TableSpec): string[] {
      const parts = spec.columns.map(columnDefinition);
      if (spec.primaryKey.length > 0) parts.push(`PRIMARY KEY (${spec.primaryKey.map(quoteIdentifier).join(', ')}) NOT ENFORCED`);
      const cluster = clusterBy(spec);
      return [`CREATE TABLE IF NOT EXISTS ${qualify(table)} (\n  ${parts.join(',\n  ')}\n)${cluster === undefined ? '' : `\nCLUSTER BY ${cluster}`}`];
    },

    /** One ALTER for every new column: one table metadata update (BigQuery rate-limits those). */
    addColumns(table: TableRef, columns: readonly ColumnSpec[]): string[] {
      if (columns.length === 0) return [];
      const clauses = columns.map((column) => `ADD COLUMN IF NOT EXISTS ${columnDefinition(column)}`);
      return [`ALTER TABLE ${qualify(table)}\n  ${clauses.join(',\n  ')}`];
    },

    merge(spec: MergeSpec): StatementPlan {
      return mergeSql(spec, qualify);
    },

    /**
     * BigQuery refuses DROP of a permanent table inside a transaction: the staging table goes
     * once the transaction has ended (and by itself a day later, should that fail).
     */
    dropStaging(staging: TableRef): StatementPlan {
      return { inTransaction: [], afterTransaction: [`DROP TABLE ${qualify(staging)}`] };
    },

    deduplicatedStaging(spec: MergeSpec): string {
      return deduplicatedSql(spec, qualify);
    },

    valuesDiffer,

    /** A staging name per target, client (`tag`) and batch, so concurrent clients never clash. */
    createStagingTableName(target: TableRef, tag: string): TableRef {
      return { schema: target.schema, name: `${STAGING_PREFIX}${target.name}_${tag}` };
    },

    describeSchemaSql(schema: string): string {
      return (
        `SELECT table_name, column_name, data_type FROM ${prefix}${quoteDataset(schema)}.INFORMATION_SCHEMA.COLUMNS\n` +
        'ORDER BY table_name, ordinal_position'
      );
    },
  };
}

/**
 * De-duplicate, merge, drop staging:
 * 1. `QUALIFY ROW_NUMBER() … = 1` keeps one staged row per key: the greatest `newestBy`, and
 *    among equals the one staged last. BigQuery sorts NULL lowest, so `DESC` already puts an
 *    undated row last (a window's ORDER BY takes no NULLS LAST clause). QUALIFY needs a WHERE,
 *    GROUP BY or HAVING beside it: `WHERE TRUE`.
 * 2. `MERGE` updates a matched key only when the target's `newestBy` is NULL or not newer, so an
 *    older row never overwrites a newer one (equal times replace), and inserts new keys. Only the
 *    batch's columns are set: columns it does not write (`_deleted_at`) keep their values.
 * 3. `DROP TABLE` of the staging table, after the transaction (`afterTransaction`): inside one
 *    BigQuery refuses DROP of a permanent table.
 * With `allKeysNew` (no staged key in the target, counted in the same transaction) the rows are
 * inserted without the join.
 */
/** One staged row per key, as step 1 of the merge below chooses it. */
function deduplicatedSql(spec: MergeSpec, qualify: (table: TableRef) => string): string {
  const keys = spec.primaryKey.map(quoteIdentifier);
  const newest = spec.newestBy === undefined ? undefined : quoteIdentifier(spec.newestBy);
  const order = [...(newest ? [`${newest} DESC`] : []), `${quoteIdentifier(STAGING_ROW_COLUMN)} DESC`];
  return (
    `SELECT ${spec.columns.map(quoteIdentifier).join(', ')} FROM ${qualify(spec.staging)}\n` +
    `WHERE TRUE\nQUALIFY ROW_NUMBER() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${order.join(', ')}) = 1`
  );
}

/**
 * BigQuery compares neither JSON nor ARRAY values with `=` or `IS DISTINCT FROM`: those compare
 * as JSON text. Both sides come from the loader's PARSE_JSON of Pipedrive's text, so an unchanged
 * value prints the same; a NULL array reads as [] on both sides.
 */
export function valuesDiffer(left: string, right: string, type: LogicalType): string {
  if (type === 'json' || type === 'string_list') return `TO_JSON_STRING(${left}) IS DISTINCT FROM TO_JSON_STRING(${right})`;
  return `${left} IS DISTINCT FROM ${right}`;
}

function mergeSql(spec: MergeSpec, qualify: (table: TableRef) => string): StatementPlan {
  if (spec.primaryKey.length === 0) throw new Error('merge needs a primary key');
  const target = qualify(spec.target);
  const keys = spec.primaryKey.map(quoteIdentifier);
  const columns = spec.columns.map(quoteIdentifier);
  const newest = spec.newestBy === undefined ? undefined : quoteIdentifier(spec.newestBy);
  const deduplicated = deduplicatedSql(spec, qualify);
  const afterTransaction = [`DROP TABLE ${qualify(spec.staging)}`];
  if (spec.allKeysNew) return { inTransaction: [`INSERT INTO ${target} (${columns.join(', ')})\n${deduplicated}`], afterTransaction };

  const keySet = new Set(spec.primaryKey);
  const updated = spec.columns.filter((name) => !keySet.has(name)).map(quoteIdentifier);
  const guard = newest ? ` AND (t.${newest} IS NULL OR s.${newest} >= t.${newest})` : '';
  const whenMatched =
    updated.length === 0 ? '' : `\nWHEN MATCHED${guard} THEN\n  UPDATE SET ${updated.map((column) => `${column} = s.${column}`).join(', ')}`;
  const merge =
    `MERGE ${target} AS t\n` +
    `USING (\n${deduplicated}\n) AS s\n` +
    `ON ${keys.map((key) => `t.${key} = s.${key}`).join(' AND ')}${whenMatched}\n` +
    `WHEN NOT MATCHED THEN\n  INSERT (${columns.join(', ')}) VALUES (${columns.map((column) => `s.${column}`).join(', ')})`;
  return { inTransaction: [merge], afterTransaction };
}

/** The adapter's dialect: two-part names, resolved in the project the job runs in. */
export const bigqueryDialect: BigQueryDialect = createBigQueryDialect();
