/**
 * History mode's `_version_hash` on BigQuery: an MD5 (hex) of a version's business columns, computed
 * in the warehouse so a version copied from the current table and one staged from a batch hash
 * alike. Independent of the session's time zone (timestamps hash as instants); NULL is not the
 * text 'NULL'.
 */
import type { ColumnSpec } from '../../src/schema/types.js';

/** TO_JSON_STRING prints timestamps in UTC and keeps JSON and arrays as JSON. */
export function versionHash(quote: (name: string) => string, alias: string, columns: readonly ColumnSpec[]): string {
  const items = columns.map((spec) => `${alias}.${quote(spec.name)}`);
  return `TO_HEX(MD5(TO_JSON_STRING(STRUCT(${items.join(', ')}))))`;
}
