/**
 * History mode's `_version_hash` on DuckDB: an MD5 (hex) of a version's business columns, computed
 * in the warehouse so a version copied from the current table and one staged from a batch hash
 * alike. Independent of the session's time zone (timestamps hash as instants); NULL is not the
 * text 'NULL'.
 */
import type { ColumnSpec } from '../../src/schema/types.js';

/** A JSON list of every value as text (NULL stays JSON null); timestamps as epoch microseconds. */
export function versionHash(quote: (name: string) => string, alias: string, columns: readonly ColumnSpec[]): string {
  const items = columns.map((spec) => {
    const value = `${alias}.${quote(spec.name)}`;
    if (spec.type === 'timestamp') return `CAST(epoch_us(${value}) AS VARCHAR)`;
    if (spec.type === 'string_list') return `CAST(to_json(${value}) AS VARCHAR)`;
    return `CAST(${value} AS VARCHAR)`;
  });
  return `md5(CAST(to_json(list_value(${items.join(', ')})) AS VARCHAR))`;
}
