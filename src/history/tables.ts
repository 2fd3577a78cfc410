/**
 * History mode's tables: `<table>_history` beside a current table, holding every version of every
 * record the loader has seen. A version is keyed by the record's primary key and `_valid_from`
 * (the record's update_time: Pipedrive stamps every change), so reading a version again, whatever
 * the reason (a crash and rerun, --full-refresh, a key scan), finds it already there.
 */
import { withSuffix } from '../schema/naming.js';
import type { ColumnSpec, TableRef, TableSpec } from '../schema/types.js';

/** The columns history mode adds after every column of the current table. */
export const HISTORY_COLUMNS: readonly ColumnSpec[] = [
  { name: '_valid_from', type: 'timestamp' },
  { name: '_valid_to', type: 'timestamp' },
  { name: '_is_current', type: 'boolean' },
  { name: '_version_hash', type: 'string' },
];

/**
 * Columns that say when and by which run a row was written, or whether it is deleted (a state of
 * the record, closed through `_valid_to`), not what Pipedrive holds: left out of `_version_hash`.
 */
export const NOT_HASHED: ReadonlySet<string> = new Set(['_loaded_at', '_load_id', '_deleted_at', ...HISTORY_COLUMNS.map((c) => c.name)]);

/** `deals` → `deals_history`; a long name is shortened with a stable hash like every other. */
export function historyTableName(table: string): string {
  return withSuffix(table, 'history', `${table}#history`);
}

/** One history table and the current table it follows. */
export interface HistoryTable {
  readonly current: TableRef;
  readonly history: TableRef;
  /** The physical primary key of the current table. */
  readonly primaryKey: readonly string[];
  /** The physical column whose value dates a version (update_time; users: modified). */
  readonly validFrom: string;
  /** The current table's columns the loader writes: copied into every version. */
  readonly columns: readonly ColumnSpec[];
}

export function historyTable(schema: string, table: string, parts: Omit<HistoryTable, 'current' | 'history'>): HistoryTable {
  return { current: { schema, name: table }, history: { schema, name: historyTableName(table) }, ...parts };
}

/** The history table's shape: the current columns, then the history columns; key (pk, _valid_from). */
export function historySpec(table: HistoryTable): TableSpec {
  const own = new Set(HISTORY_COLUMNS.map((c) => c.name));
  return {
    name: table.history.name,
    columns: [...table.columns.filter((c) => !own.has(c.name)), ...HISTORY_COLUMNS],
    primaryKey: [...table.primaryKey, '_valid_from'],
  };
}

/** The columns `_version_hash` covers, by name so that every path hashes them in one order. */
export function hashedColumns(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.filter((c) => !NOT_HASHED.has(c.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
