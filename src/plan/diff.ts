/**
 * The schema planner: a pure diff of the desired tables against what the warehouse holds.
 * Additive only: it creates the schema, missing tables and missing columns, and never drops,
 * renames or retypes anything. Type conflicts follow the rule in ./conversion.ts.
 */
import { uniqueName, withSuffix } from '../schema/naming.js';
import type { ColumnSpec, LogicalType, TableSpec } from '../schema/types.js';
import { canHold } from './conversion.js';

/** Where the values of one desired column are written. */
export interface ColumnTarget {
  /** The column as the table model produces it (shaped rows are keyed by `source.name`). */
  readonly source: ColumnSpec;
  /** The physical column written to; same as `source` unless a type conflict was resolved. */
  readonly target: ColumnSpec;
}

export interface TypeConflict {
  readonly column: string;
  readonly existing: LogicalType;
  readonly desired: LogicalType;
  /** `convert`: the existing column holds the new values; `sibling`: they go to a typed sibling. */
  readonly resolution: 'convert' | 'sibling';
  readonly writtenTo: string;
}

export interface TablePlan {
  readonly table: string;
  /** The whole table to create, when it does not exist yet. */
  readonly create: TableSpec | null;
  /** Columns to add to an existing table (typed siblings included). */
  readonly addColumns: readonly ColumnSpec[];
  /** One entry per desired column, in the desired order. */
  readonly targets: readonly ColumnTarget[];
  /** Physical primary-key columns. */
  readonly primaryKey: readonly string[];
  readonly conflicts: readonly TypeConflict[];
}

export interface SchemaPlan {
  readonly createSchema: boolean;
  readonly tables: readonly TablePlan[];
}

export interface DiffOptions {
  /** Whether the target schema (dataset) already exists. */
  readonly schemaExists: boolean;
}

/** `<col>__<type>`, e.g. `priority__string`; shortened with a stable hash to fit. */
export function siblingName(column: string, type: LogicalType): string {
  return withSuffix(column, `_${type}`, `${column}__${type}`);
}

function identity(columns: readonly ColumnSpec[]): ColumnTarget[] {
  return columns.map((column) => ({ source: column, target: column }));
}

function planExistingTable(desired: TableSpec, actualColumns: readonly ColumnSpec[]): TablePlan {
  // Warehouses that fold to upper case may report `ID`; names here are always lower case.
  const physical = new Map<string, ColumnSpec>();
  for (const column of actualColumns) physical.set(column.name.toLowerCase(), column);
  const desiredNames = new Set(desired.columns.map((c) => c.name));
  const addColumns: ColumnSpec[] = [];
  const targets: ColumnTarget[] = [];
  const conflicts: TypeConflict[] = [];

  const add = (column: ColumnSpec): ColumnSpec => {
    addColumns.push(column);
    physical.set(column.name, column);
    return column;
  };

  for (const source of desired.columns) {
    const existing = physical.get(source.name);
    if (existing === undefined) {
      targets.push({ source, target: add(source) });
      continue;
    }
    if (existing.type === source.type) {
      targets.push({ source, target: { name: source.name, type: existing.type } });
      continue;
    }
    if (canHold(existing.type, source.type)) {
      const target = { name: source.name, type: existing.type };
      targets.push({ source, target });
      conflicts.push({ column: source.name, existing: existing.type, desired: source.type, resolution: 'convert', writtenTo: source.name });
      continue;
    }
    const target = resolveSibling(source, physical, desiredNames, add);
    targets.push({ source, target });
    conflicts.push({ column: source.name, existing: existing.type, desired: source.type, resolution: 'sibling', writtenTo: target.name });
  }

  const targetOf = new Map(targets.map((t) => [t.source.name, t.target.name]));
  return {
    table: desired.name,
    create: null,
    addColumns,
    targets,
    primaryKey: desired.primaryKey.map((name) => targetOf.get(name) ?? name),
    conflicts,
  };
}

/**
 * The typed sibling for `source`: the first of `<col>__<type>`, `<col>__<type>_<hash>`,
 * `…_<hash>_2` … that is either free or already holds the type. The sequence is fixed, so the
 * next run finds the same column again.
 */
function resolveSibling(
  source: ColumnSpec,
  physical: ReadonlyMap<string, ColumnSpec>,
  desiredNames: ReadonlySet<string>,
  add: (column: ColumnSpec) => ColumnSpec,
): ColumnSpec {
  const base = siblingName(source.name, source.type);
  const skipped = new Set<string>();
  for (;;) {
    const name = skipped.size === 0 ? base : uniqueName(base, skipped, `${base}:${source.type}`);
    const existing = physical.get(name);
    if (existing === undefined && !desiredNames.has(name)) return add({ name, type: source.type });
    if (existing !== undefined && canHold(existing.type, source.type)) return existing;
    skipped.add(name);
  }
}

/** The changes that make the warehouse hold every desired table and column. */
export function diff(
  desired: readonly TableSpec[],
  actual: ReadonlyMap<string, readonly ColumnSpec[]>,
  options: DiffOptions,
): SchemaPlan {
  const actualByName = new Map<string, readonly ColumnSpec[]>();
  for (const [name, columns] of actual) actualByName.set(name.toLowerCase(), columns);
  const tables = desired.map((table): TablePlan => {
    const existing = options.schemaExists ? actualByName.get(table.name) : undefined;
    if (existing === undefined) {
      return { table: table.name, create: table, addColumns: [], targets: identity(table.columns), primaryKey: table.primaryKey, conflicts: [] };
    }
    return planExistingTable(table, existing);
  });
  return { createSchema: !options.schemaExists, tables };
}

/** True when the plan changes nothing in the warehouse (conversions may still apply to values). */
export function isNoop(plan: SchemaPlan): boolean {
  return !plan.createSchema && plan.tables.every((t) => t.create === null && t.addColumns.length === 0);
}
