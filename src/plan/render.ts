/**
 * Renders a SchemaPlan as SQL through a Dialect. Pure: the caller runs the statements (before
 * the merge transaction when `capabilities.ddlInTransaction` is false).
 */
import type { Dialect } from '../../adapters/types.js';
import type { SchemaPlan } from './diff.js';

export function renderPlan(plan: SchemaPlan, dialect: Dialect, schema: string): string[] {
  const statements: string[] = [];
  if (plan.createSchema) statements.push(...dialect.createSchema(schema));
  for (const table of plan.tables) {
    const ref = { schema, name: table.table };
    if (table.create) {
      statements.push(...dialect.createTable(ref, table.create));
      continue;
    }
    if (table.addColumns.length === 0) continue;
    if (dialect.capabilities.multiColumnAlter) {
      statements.push(...dialect.addColumns(ref, table.addColumns));
    } else {
      for (const column of table.addColumns) statements.push(...dialect.addColumns(ref, [column]));
    }
  }
  return statements;
}
