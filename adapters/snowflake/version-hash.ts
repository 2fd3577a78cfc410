/**
 * History mode's `_version_hash` on Snowflake: an MD5 (hex) of a version's business columns, computed
 * in the warehouse so a version copied from the current table and one staged from a batch hash
 * alike. Independent of the session's time zone (timestamps hash as instants); NULL is not the
 * text 'NULL'.
 */
import type { ColumnSpec } from '../../src/schema/types.js';

/** OBJECT_CONSTRUCT_KEEP_NULL keeps NULLs as JSON null (ARRAY_CONSTRUCT would not); TIMESTAMP_TZ as epoch microseconds. */
export function versionHash(quote: (name: string) => string, alias: string, columns: readonly ColumnSpec[]): string {
  const pairs = columns.map((spec) => {
    const value = `${alias}.${quote(spec.name)}`;
    // Names match ^[a-z_][a-z0-9_]*$ (naming.ts); the quote doubling keeps the literal a literal regardless.
    return `'${spec.name.replaceAll("'", "''")}', ${spec.type === 'timestamp' ? `DATE_PART(EPOCH_MICROSECOND, ${value})` : value}`;
  });
  return `MD5(TO_JSON(OBJECT_CONSTRUCT_KEEP_NULL(${pairs.join(', ')})))`;
}
