/**
 * What `plan` shows of history mode: the DDL that creates or evolves each `<table>_history`, as
 * HistoryWriter.start would run it. The current table's columns are its model's (the columns the
 * load would write), so a history table is previewed with the columns the next load gives it.
 */
import type { Dialect } from '../../adapters/types.js';
import type { TableModels } from '../load/schema-sync.js';
import { diff, renderPlan } from '../plan/index.js';
import type { ColumnSpec } from '../schema/types.js';
import type { HistoryChoice } from './selection.js';
import { historySpec, historyTable } from './tables.js';

export function previewHistory(
  dialect: Dialect,
  schema: string,
  choices: readonly HistoryChoice[],
  models: TableModels,
  actual: ReadonlyMap<string, readonly ColumnSpec[]>,
): string[] {
  const statements: string[] = [];
  for (const choice of choices) {
    const model = models.get(choice.table);
    if (model === undefined) continue;
    // Before a load the physical columns are the model's, or the existing table's where it has them.
    const existing = new Map((actual.get(choice.table) ?? []).map((column) => [column.name, column]));
    const columns = model.spec.columns.map((column) => existing.get(column.name) ?? column);
    const table = historyTable(schema, choice.table, { primaryKey: model.spec.primaryKey, validFrom: choice.validFrom, columns });
    const spec = historySpec(table);
    const present = actual.get(spec.name);
    const plan = diff([spec], new Map(present === undefined ? [] : [[spec.name, present]]), { schemaExists: true });
    statements.push(...renderPlan(plan, dialect, schema));
  }
  return statements;
}
