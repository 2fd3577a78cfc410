/**
 * Projection of shaped rows (keyed by desired column) onto the physical columns a TablePlan
 * chose, converting values where a type conflict was resolved into an existing column.
 */
import type { CellValue, ColumnSpec, LogicalType, Row } from '../schema/types.js';
import { convertCell } from './conversion.js';
import type { TablePlan } from './diff.js';

export interface RowProjector {
  /** The physical columns written, in plan order, each once. */
  readonly columns: readonly ColumnSpec[];
  /** A new row keyed by physical column name; desired columns missing from `row` stay missing. */
  project(row: Readonly<Row>): Row;
}

/** Built once per table plan; `project` runs per row, so the plan is flattened into arrays. */
export function createRowProjector(plan: TablePlan): RowProjector {
  const sources: string[] = [];
  const targets: string[] = [];
  const fromTypes: LogicalType[] = [];
  const toTypes: LogicalType[] = [];
  const columns: ColumnSpec[] = [];
  const seen = new Set<string>();
  for (const { source, target } of plan.targets) {
    sources.push(source.name);
    targets.push(target.name);
    fromTypes.push(source.type);
    toTypes.push(target.type);
    if (!seen.has(target.name)) {
      seen.add(target.name);
      columns.push(target);
    }
  }
  const count = sources.length;
  // Same type: copy, except text and JSON, whose cells may predate an inferred column's widening.
  const copies = fromTypes.map((from, i) => from === toTypes[i] && from !== 'string' && from !== 'json');
  return {
    columns,
    project(row: Readonly<Row>): Row {
      const out: Row = {};
      for (let i = 0; i < count; i++) {
        const value: CellValue | undefined = row[sources[i] as string];
        if (value === undefined) continue;
        out[targets[i] as string] = copies[i] ? value : convertCell(value, fromTypes[i] as LogicalType, toTypes[i] as LogicalType);
      }
      return out;
    },
  };
}
