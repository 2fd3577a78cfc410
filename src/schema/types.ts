/**
 * The warehouse-neutral column model. Adapters map these logical types to native ones; the
 * planner diffs them; the shaper produces rows whose cells follow the value conventions below.
 */

/**
 * Logical column types and the JS value each carries in a `Row`:
 * - string:      string
 * - bigint:      number (a safe integer) or bigint
 * - double:      number (IEEE-754; Pipedrive `double` fields and JSON numbers are doubles already)
 * - decimal:     number or string (exact; monetary amounts)
 * - boolean:     boolean
 * - date:        'YYYY-MM-DD'
 * - time:        'HH:MM:SS'
 * - timestamp:   ISO-8601 in UTC ending in 'Z' ('2024-07-01T05:46:33Z'); stored with time zone
 * - json:        JSON text (already serialized)
 * - string_list: string[] (labels of a `set` field)
 * Every type also accepts null.
 */
export type LogicalType =
  | 'string'
  | 'bigint'
  | 'double'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'json'
  | 'string_list';

export const LOGICAL_TYPES: readonly LogicalType[] = [
  'string',
  'bigint',
  'double',
  'decimal',
  'boolean',
  'date',
  'time',
  'timestamp',
  'json',
  'string_list',
];

export interface ColumnSpec {
  /** Always matches ^[a-z_][a-z0-9_]*$ and is at most 63 bytes. */
  readonly name: string;
  readonly type: LogicalType;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey: readonly string[];
}

export interface TableRef {
  readonly schema: string;
  readonly name: string;
}

export type CellValue = string | number | bigint | boolean | null | readonly string[];

/** One warehouse row, keyed by column name. Missing keys mean NULL. */
export type Row = Record<string, CellValue>;

/** System columns present on every entity table. Names from Pipedrive never start with `_`. */
export const SYSTEM_COLUMNS: readonly ColumnSpec[] = [
  { name: '_loaded_at', type: 'timestamp' },
  { name: '_load_id', type: 'string' },
  { name: '_deleted_at', type: 'timestamp' },
];

/** PostgreSQL's limit, the smallest of the four targets; every name fits all of them. */
export const MAX_IDENTIFIER_BYTES = 63;
