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
  /**
   * The row keyed by physical column name; desired columns missing from `row` stay missing.
   * When the plan writes every column to itself with its own type (no conflict: the usual case)
   * this is `row` itself, its text and JSON cells normalised in place; otherwise a new row.
   */
  project(row: Row): Row;
}

/**
 * Text and JSON cells may predate an inferred column's widening (a number shaped before the
 * column became text), so even a same-type column normalises them; other same-type cells copy.
 * `inferred`: the desired columns whose type is inferred from values (TableModel.inferredColumns),
 * the only ones widened after rows were shaped; undefined when not known, then every text and
 * JSON column is normalised.
 */
function needsNormalising(column: ColumnSpec, inferred: ReadonlySet<string> | undefined): boolean {
  if (column.type !== 'string' && column.type !== 'json') return false;
  return inferred === undefined || inferred.has(column.name);
}

/**
 * Built once per table plan; `project` runs per row, so the plan is flattened into arrays.
 * `inferred`: see `needsNormalising`. A column missing from it is trusted to hold cells of its
 * own type already, so name every column the table model may have shaped with another type.
 */
export function createRowProjector(plan: TablePlan, inferred?: ReadonlySet<string>): RowProjector {
  const sources: string[] = [];
  const targets: string[] = [];
  const fromTypes: LogicalType[] = [];
  const toTypes: LogicalType[] = [];
  const normalise: boolean[] = [];
  const columns: ColumnSpec[] = [];
  const seen = new Set<string>();
  let onItself = true;
  for (const { source, target } of plan.targets) {
    sources.push(source.name);
    targets.push(target.name);
    fromTypes.push(source.type);
    toTypes.push(target.type);
    normalise.push(needsNormalising(source, inferred));
    if (source.name !== target.name || source.type !== target.type || seen.has(target.name)) onItself = false;
    if (!seen.has(target.name)) {
      seen.add(target.name);
      columns.push(target);
    }
  }
  return {
    columns,
    project: onItself ? inPlace(sources, fromTypes, normalise) : copying(sources, targets, fromTypes, toTypes, normalise),
  };
}

/**
 * Every column onto itself: only text and JSON cells that are not already text change, so the
 * row is kept (a wide batch would otherwise allocate a second copy of every row). Only the
 * columns to `normalise` are visited: on a first load, with no inferred column, none.
 */
function inPlace(sources: readonly string[], types: readonly LogicalType[], normalise: readonly boolean[]): (row: Row) => Row {
  const names: string[] = [];
  const kinds: LogicalType[] = [];
  sources.forEach((name, i) => {
    if (normalise[i]) {
      names.push(name);
      kinds.push(types[i] as LogicalType);
    }
  });
  const count = names.length;
  return (row) => {
    for (let i = 0; i < count; i++) {
      const name = names[i] as string;
      const value: CellValue | undefined = row[name];
      if (value === undefined || value === null || typeof value === 'string') continue;
      const type = kinds[i] as LogicalType;
      row[name] = convertCell(value, type, type);
    }
    return row;
  };
}

function copying(
  sources: readonly string[],
  targets: readonly string[],
  fromTypes: readonly LogicalType[],
  toTypes: readonly LogicalType[],
  normalise: readonly boolean[],
): (row: Row) => Row {
  const count = sources.length;
  const copies = fromTypes.map((from, i) => from === toTypes[i] && !normalise[i]);
  return (row) => {
    const out: Row = {};
    for (let i = 0; i < count; i++) {
      const value: CellValue | undefined = row[sources[i] as string];
      if (value === undefined) continue;
      out[targets[i] as string] = copies[i] ? value : convertCell(value, fromTypes[i] as LogicalType, toTypes[i] as LogicalType);
    }
    return out;
  };
}
