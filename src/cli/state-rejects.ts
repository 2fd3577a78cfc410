/**
 * The `_loader_rejects` part of `state show`: how many values became NULL (and records were
 * skipped) per table and column, and the newest few with their id and original text. Bounded, so
 * a company with thousands of bad dates still gets a screenful: the table itself holds them all.
 * JSON lines: state_rejects (one per table/column/reason) and state_reject (one per example).
 */
import type { WarehouseClient } from '../../adapters/types.js';
import { LOADER_TABLES } from '../../migrations/tables.js';
import type { StateStore } from '../state/store.js';
import { formatTable, type Reporter } from './output.js';

/** Table/column lines and examples shown at most. */
export const MAX_REJECT_GROUPS = 10;
export const MAX_REJECT_EXAMPLES = 5;

/** One line, at most `max` characters: original values may be long or hold newlines. */
function oneLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export async function printRejects(reporter: Reporter, warehouse: WarehouseClient, schema: string, store: StateStore): Promise<void> {
  // A schema last loaded by a version without the table (it is created by the next load).
  if (!(await warehouse.describeSchema(schema)).has(LOADER_TABLES.rejects)) return;
  const counts = await store.readRejectCounts();
  const newest = counts.length === 0 ? [] : await store.readNewestRejects(MAX_REJECT_EXAMPLES);
  if (reporter.format === 'json') {
    for (const c of counts) {
      reporter.info('state_rejects', `${c.table}.${c.column}: ${c.count} ${c.reason}`, {
        table: c.table,
        column: c.column,
        reason: c.reason,
        rows: c.count,
        last_at: c.lastAt,
      });
    }
    for (const r of newest) {
      reporter.info('state_reject', `${r.table} ${r.recordId} ${r.column}: ${oneLine(r.original, 80)}`, {
        table: r.table,
        record_id: r.recordId,
        column: r.column,
        original_text: r.original,
        reason: r.reason,
        load_id: r.loadId,
        rejected_at: r.rejectedAt,
      });
    }
    return;
  }
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  reporter.text(
    `\nRejects (${total}): values no column of their type can hold (stored as NULL) and records without a valid id (not loaded)`,
  );
  if (counts.length === 0) return;
  const shown = counts.slice(0, MAX_REJECT_GROUPS);
  reporter.text(
    formatTable(
      ['table', 'column', 'reason', 'count', 'newest'],
      shown.map((c) => [c.table, c.column, oneLine(c.reason, 50), c.count, c.lastAt]),
      ['left', 'left', 'left', 'right', 'left'],
    ),
  );
  if (counts.length > shown.length) reporter.text(`… and ${counts.length - shown.length} more table/column pairs.`);
  reporter.text(`Newest ${newest.length} (all are in ${schema}.${LOADER_TABLES.rejects}):`);
  reporter.text(
    formatTable(
      ['table', 'record id', 'column', 'original value', 'load id'],
      newest.map((r) => [r.table, oneLine(r.recordId, 20), r.column, oneLine(r.original, 60), r.loadId]),
      ['left', 'left', 'left', 'left', 'left'],
    ),
  );
}
