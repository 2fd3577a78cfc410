/**
 * `_version_hash`: each warehouse renders its own (Dialect.versionHash, adapters/<warehouse>/
 * version-hash.ts); this module only names the call, so history SQL never branches on a
 * warehouse's name.
 */
import type { Dialect } from '../../adapters/types.js';
import type { ColumnSpec } from '../schema/types.js';

/** The `_version_hash` of the row `alias` over `columns` (already chosen and ordered: hashedColumns). */
export function versionHashSql(dialect: Dialect, alias: string, columns: readonly ColumnSpec[]): string {
  return dialect.versionHash(alias, columns);
}
