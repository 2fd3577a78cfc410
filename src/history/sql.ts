/**
 * The statements that keep a history table exact. Pure: SQL text through the Dialect, run by
 * writer.ts in the batch's transaction. Every statement is idempotent, so a batch read twice (a
 * crash and rerun, --full-refresh, a key scan) changes nothing the second time:
 *
 * 1. `replaceChanged`: a staged version whose (key, _valid_from) is stored with another hash (the
 *    record changed without a new update_time) overwrites it, as the merge overwrites the current
 *    row on equal update_time;
 * 2. `insertVersions`: staged versions whose (key, _valid_from) is not stored yet are inserted, in
 *    place whatever their age. Rows marked deleted add no version;
 * 3. `recompute`: for the keys staged, `_valid_to` is the next version's `_valid_from` (LEAD), and
 *    the last version's is the current row's `_deleted_at` (NULL while the record lives);
 *    `_is_current` is true for the last version of a live record only. A function of the stored
 *    versions and the current row, so out-of-order versions fix their neighbours.
 */
import type { Dialect } from '../../adapters/types.js';
import type { TableRef } from '../schema/types.js';
import { hashedColumns, type HistoryTable } from './tables.js';

function names(dialect: Dialect) {
  const q = (name: string): string => dialect.quoteIdentifier(name);
  return {
    q,
    validFrom: q('_valid_from'),
    validTo: q('_valid_to'),
    isCurrent: q('_is_current'),
    hash: q('_version_hash'),
    deletedAt: q('_deleted_at'),
    timestamp: dialect.nativeType('timestamp'),
  };
}

const keysEqual = (dialect: Dialect, table: HistoryTable, left: string, right: string): string =>
  table.primaryKey.map((key) => `${left}.${dialect.quoteIdentifier(key)} = ${right}.${dialect.quoteIdentifier(key)}`).join(' AND ');

/** Versions whose (key, _valid_from) is stored with another hash take the staged values. */
export function replaceChangedSql(dialect: Dialect, table: HistoryTable, staging: TableRef): string {
  const { q, validFrom, hash } = names(dialect);
  const hashed = dialect.versionHash('s', hashedColumns(table.columns));
  const set = table.columns.filter((c) => !table.primaryKey.includes(c.name)).map((c) => `${q(c.name)} = s.${q(c.name)}`);
  return (
    `UPDATE ${dialect.qualify(table.history)} AS h SET ${[...set, `${hash} = ${hashed}`].join(', ')}\n` +
    `FROM ${dialect.qualify(staging)} AS s\n` +
    `WHERE ${keysEqual(dialect, table, 'h', 's')} AND h.${validFrom} = s.${q(table.validFrom)} AND s.${q('_deleted_at')} IS NULL\n` +
    `  AND h.${hash} <> ${hashed}`
  );
}

/**
 * Inserts the versions of `source` (a staging table, or the current table itself when history is
 * turned on) that are not stored yet. `_valid_to` and `_is_current` are set by `recompute`.
 */
export function insertVersionsSql(dialect: Dialect, table: HistoryTable, source: TableRef): string {
  const { q, validFrom, validTo, isCurrent, hash, deletedAt, timestamp } = names(dialect);
  const columns = table.columns.map((c) => q(c.name));
  const from = q(table.validFrom);
  return (
    `INSERT INTO ${dialect.qualify(table.history)} (${[...columns, validFrom, validTo, isCurrent, hash].join(', ')})\n` +
    `SELECT ${[...columns.map((c) => `s.${c}`), `CAST(s.${from} AS ${timestamp})`, `CAST(NULL AS ${timestamp})`, 'FALSE', dialect.versionHash('s', hashedColumns(table.columns))].join(', ')}\n` +
    `FROM ${dialect.qualify(source)} AS s\n` +
    `WHERE s.${deletedAt} IS NULL AND s.${from} IS NOT NULL\n` +
    `  AND NOT EXISTS (SELECT 1 FROM ${dialect.qualify(table.history)} AS h WHERE ${keysEqual(dialect, table, 'h', 's')} AND h.${validFrom} = s.${from})`
  );
}

/**
 * Sets `_valid_to` and `_is_current` of every version of the keys in `scope` (a staging table),
 * or of every key (`'all'`), from the versions' order and the current row; writes only rows that
 * change.
 */
export function recomputeSql(dialect: Dialect, table: HistoryTable, scope: TableRef | 'all'): string {
  const { q, validFrom, validTo, isCurrent, deletedAt } = names(dialect);
  const keys = table.primaryKey.map(q);
  const next = `LEAD(x.${validFrom}) OVER (PARTITION BY ${keys.map((k) => `x.${k}`).join(', ')} ORDER BY x.${validFrom})`;
  const inScope = scope === 'all' ? '' : `\n  WHERE EXISTS (SELECT 1 FROM ${dialect.qualify(scope)} AS s WHERE ${keysEqual(dialect, table, 's', 'x')})`;
  return (
    `UPDATE ${dialect.qualify(table.history)} AS h SET ${validTo} = v.${validTo}, ${isCurrent} = v.${isCurrent}\n` +
    `FROM (\n` +
    `  SELECT ${keys.map((k) => `x.${k}`).join(', ')}, x.${validFrom}, COALESCE(${next}, c.${deletedAt}) AS ${validTo},\n` +
    `    CASE WHEN ${next} IS NULL AND c.${deletedAt} IS NULL THEN TRUE ELSE FALSE END AS ${isCurrent}\n` +
    `  FROM ${dialect.qualify(table.history)} AS x LEFT JOIN ${dialect.qualify(table.current)} AS c ON ${keysEqual(dialect, table, 'c', 'x')}` +
    `${inScope}\n` +
    `) AS v\n` +
    `WHERE ${keysEqual(dialect, table, 'h', 'v')} AND h.${validFrom} = v.${validFrom}\n` +
    `  AND (h.${validTo} IS DISTINCT FROM v.${validTo} OR h.${isCurrent} IS DISTINCT FROM v.${isCurrent})`
  );
}

/**
 * After rows of the current table were marked deleted (or live again) outside a batch (the key
 * scan, children gone from their parent): the last version of each such key follows its current
 * row. Only versions whose state disagrees with the current row are touched.
 */
export function followDeletesSql(dialect: Dialect, table: HistoryTable): string[] {
  const { validFrom, validTo, isCurrent, deletedAt } = names(dialect);
  const later = `NOT EXISTS (SELECT 1 FROM ${dialect.qualify(table.history)} AS n WHERE ${keysEqual(dialect, table, 'n', 'h')} AND n.${validFrom} > h.${validFrom})`;
  return [
    // Deleted: the open version closes at the moment of the delete.
    `UPDATE ${dialect.qualify(table.history)} AS h SET ${validTo} = c.${deletedAt}, ${isCurrent} = FALSE\n` +
      `FROM ${dialect.qualify(table.current)} AS c\n` +
      `WHERE ${keysEqual(dialect, table, 'h', 'c')} AND h.${isCurrent} = TRUE AND c.${deletedAt} IS NOT NULL`,
    // Live again (listed again unchanged): the last version is open again.
    `UPDATE ${dialect.qualify(table.history)} AS h SET ${validTo} = CAST(NULL AS ${dialect.nativeType('timestamp')}), ${isCurrent} = TRUE\n` +
      `FROM ${dialect.qualify(table.current)} AS c\n` +
      `WHERE ${keysEqual(dialect, table, 'h', 'c')} AND h.${isCurrent} = FALSE AND c.${deletedAt} IS NULL AND ${later}`,
  ];
}
