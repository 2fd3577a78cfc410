/**
 * History mode's `_version_hash` on PostgreSQL: an MD5 (hex) of a version's business columns, computed
 * in the warehouse so a version copied from the current table and one staged from a batch hash
 * alike. Independent of the session's time zone (timestamps hash as instants); NULL is not the
 * text 'NULL'.
 */
import type { ColumnSpec } from '../../src/schema/types.js';

/** A row's text form quotes what needs quoting and leaves NULL empty; timestamps read in UTC. */
export function versionHash(quote: (name: string) => string, alias: string, columns: readonly ColumnSpec[]): string {
  const items = columns.map((spec) => {
    const value = `${alias}.${quote(spec.name)}`;
    return spec.type === 'timestamp' ? `(${value} AT TIME ZONE 'UTC')` : value;
  });
  // ROW(x) of a single value is still a row; ROW() would be an error, so an empty list hashes ''.
  return items.length === 0 ? `md5('')` : `md5(CAST(ROW(${items.join(', ')}) AS TEXT))`;
}
