/**
 * `_version_hash`: an MD5 (hex) of a version's business columns, computed in the warehouse, so a
 * version copied from the current table (turning history on later) and one staged from a batch
 * hash alike. The SQL differs per warehouse, and each form is independent of the session's time
 * zone (timestamps hash as instants) and tells NULL from the text 'NULL'.
 */
import type { Dialect } from '../../adapters/types.js';
import type { ColumnSpec } from '../schema/types.js';
import type { WarehouseName } from '../config/target.js';

type HashRenderer = (dialect: Dialect, alias: string, columns: readonly ColumnSpec[]) => string;

const column = (dialect: Dialect, alias: string, spec: ColumnSpec): string => `${alias}.${dialect.quoteIdentifier(spec.name)}`;

/** A JSON list of every value as text (NULL stays JSON null); timestamps as epoch microseconds. */
const duckdb: HashRenderer = (dialect, alias, columns) => {
  const items = columns.map((spec) => {
    const value = column(dialect, alias, spec);
    if (spec.type === 'timestamp') return `CAST(epoch_us(${value}) AS VARCHAR)`;
    if (spec.type === 'string_list') return `CAST(to_json(${value}) AS VARCHAR)`;
    return `CAST(${value} AS VARCHAR)`;
  });
  return `md5(CAST(to_json(list_value(${items.join(', ')})) AS VARCHAR))`;
};

/** A row's text form quotes what needs quoting and leaves NULL empty; timestamps read in UTC. */
const postgres: HashRenderer = (dialect, alias, columns) => {
  const items = columns.map((spec) => {
    const value = column(dialect, alias, spec);
    return spec.type === 'timestamp' ? `(${value} AT TIME ZONE 'UTC')` : value;
  });
  // ROW(x) of a single value is still a row; ROW() would be an error, so an empty list hashes ''.
  return items.length === 0 ? `md5('')` : `md5(CAST(ROW(${items.join(', ')}) AS TEXT))`;
};

/** TO_JSON_STRING prints timestamps in UTC and keeps JSON and arrays as JSON. */
const bigquery: HashRenderer = (dialect, alias, columns) => {
  const items = columns.map((spec) => column(dialect, alias, spec));
  return `TO_HEX(MD5(TO_JSON_STRING(STRUCT(${items.join(', ')}))))`;
};

/** OBJECT_CONSTRUCT_KEEP_NULL keeps NULLs as JSON null (ARRAY_CONSTRUCT would not); TIMESTAMP_TZ as epoch microseconds. */
const snowflake: HashRenderer = (dialect, alias, columns) => {
  const pairs = columns.map((spec) => {
    const value = column(dialect, alias, spec);
    // Names match ^[a-z_][a-z0-9_]*$ (naming.ts); the quote doubling keeps the literal a literal regardless.
    return `'${spec.name.replaceAll("'", "''")}', ${spec.type === 'timestamp' ? `DATE_PART(EPOCH_MICROSECOND, ${value})` : value}`;
  });
  return `MD5(TO_JSON(OBJECT_CONSTRUCT_KEEP_NULL(${pairs.join(', ')})))`;
};

const RENDERERS: Readonly<Record<WarehouseName, HashRenderer>> = { duckdb, postgres, bigquery, snowflake };

/** The `_version_hash` of the row `alias` over `columns` (already chosen and ordered: hashedColumns). */
export function versionHashSql(dialect: Dialect, alias: string, columns: readonly ColumnSpec[]): string {
  return RENDERERS[dialect.name](dialect, alias, columns);
}
