/**
 * How `dbt-sources` describes history mode's tables (src/dbt/sources.ts asks here): which tables
 * are histories of which current table, what they are, and what the four history columns mean.
 */
import { STREAMS } from '../pipedrive/catalog.js';
import { historyTableName } from './tables.js';

/** `deals_history` → `deals`, for every catalog table; a history table has `_valid_from` too. */
export function historyBaseOf(table: string, columns: ReadonlySet<string>): string | undefined {
  if (!columns.has('_valid_from')) return undefined;
  return STREAMS.find((stream) => !stream.describes && historyTableName(stream.table) === table)?.table;
}

export function historyTableDescription(base: string): string {
  return (
    `Every version of ${base} the loader has read (history mode, load --history): one row per record and _valid_from, ` +
    `with every column of ${base}. A version is valid from _valid_from until _valid_to; the row with _is_current is the ` +
    `record as it stands. Versions changed and saved between two loads are not seen.`
  );
}

export const HISTORY_COLUMN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  _valid_from: "When this version began: the record's update_time (users: modified). With the primary key, the version's key.",
  _valid_to:
    "When this version ended: the next version's _valid_from, or when the record was found deleted; NULL while it is current.",
  _is_current: 'True for the one version of a live record that is its current state; false for older versions and deleted records.',
  _version_hash: "MD5 of the version's Pipedrive columns (not _loaded_at, _load_id, _deleted_at): equal hashes, equal versions.",
  _deleted_at: 'Always NULL here: a delete adds no version, it closes the last one (_valid_to).',
};
