/**
 * Keeps the warehouse's tables in step with the table models: plans the additive changes,
 * runs the DDL (inside a transaction where the warehouse allows it, before it where it does not),
 * records the column map in `_loader_columns`, and hands out the row projection each table's
 * plan implies (type conflicts resolved into existing or sibling columns).
 */
import type { WarehouseClient } from '../../adapters/types.js';
import type { MetadataEntity, StreamDefinition } from '../pipedrive/catalog.js';
import type { FieldDefinition } from '../pipedrive/fields.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import { fetchFieldDefinitions } from '../pipedrive/paginate.js';
import { createRowProjector, diff, renderPlan, type RowProjector, type SchemaPlan } from '../plan/index.js';
import type { ColumnMapping } from '../schema/column-map.js';
import { buildTableModel, type TableModel } from '../schema/shape.js';
import type { ColumnSpec } from '../schema/types.js';
import type { StateStore } from '../state/store.js';

export type TableModels = Map<string, TableModel>;

/** The entities whose field metadata the selected streams need (their own or the ones they describe). */
export function fieldEntitiesFor(streams: readonly StreamDefinition[]): MetadataEntity[] {
  const entities = new Set<MetadataEntity>();
  for (const stream of streams) {
    if (stream.fieldsOf) entities.add(stream.fieldsOf);
    if (stream.describes) entities.add(stream.describes);
  }
  return [...entities];
}

/** Reads the field definitions of every entity the streams need (one fields stream each). */
export async function readFieldMetadata(
  pipedrive: PipedriveClient,
  streams: readonly StreamDefinition[],
): Promise<Map<MetadataEntity, FieldDefinition[]>> {
  const fields = new Map<MetadataEntity, FieldDefinition[]>();
  for (const entity of fieldEntitiesFor(streams)) fields.set(entity, await fetchFieldDefinitions(pipedrive, entity));
  return fields;
}

/**
 * One model per table the streams write, plus the `<entity>_fields` metadata tables. `kept`: the
 * entities whose `fields` are the warehouse's copy, not read from Pipedrive in this run.
 */
export function buildModels(
  streams: readonly StreamDefinition[],
  fields: ReadonlyMap<MetadataEntity, readonly FieldDefinition[]>,
  persisted: readonly ColumnMapping[],
  now: string,
  kept: ReadonlySet<MetadataEntity> = new Set(),
): TableModels {
  const models: TableModels = new Map();
  for (const stream of streams) {
    if (models.has(stream.table)) continue;
    const definitions = stream.fieldsOf ? (fields.get(stream.fieldsOf) ?? []) : [];
    models.set(
      stream.table,
      buildTableModel({
        table: stream.table,
        primaryKey: stream.primaryKey,
        fields: definitions,
        persisted,
        now,
        fieldsReadNow: stream.fieldsOf === undefined || !kept.has(stream.fieldsOf),
      }),
    );
  }
  for (const entity of fields.keys()) {
    const table = `${entity}_fields`;
    if (!models.has(table)) {
      models.set(table, buildTableModel({ table, primaryKey: ['field_code'], fields: [], persisted, now }));
    }
  }
  return models;
}

export interface WritePlan extends RowProjector {
  /** The physical primary key (a sibling if the key column's type ever conflicted). */
  readonly primaryKey: readonly string[];
}

export class SchemaSync {
  private actual = new Map<string, ColumnSpec[]>();
  private readonly writePlans = new Map<string, WritePlan>();
  /**
   * The plan of each model as applied: rows shaped by a model that a field-metadata re-read has
   * since replaced (field-refresh.ts) are written with the columns that model knew.
   */
  private readonly modelPlans = new WeakMap<TableModel, WritePlan>();

  constructor(
    private readonly warehouse: WarehouseClient,
    private readonly schema: string,
    private readonly store: StateStore,
  ) {}

  async load(): Promise<void> {
    this.actual = await this.warehouse.describeSchema(this.schema);
  }

  /** The statements `ensure` would run, without running them (`pipedrive-loader plan`). */
  preview(models: TableModels, schemaExists: boolean): string[] {
    const plan = diff(
      [...models.values()].map((m) => m.spec),
      this.actual,
      { schemaExists },
    );
    return renderPlan(plan, this.warehouse.dialect, this.schema);
  }

  /**
   * Creates and evolves every model's table, and records the column map. Returns columns added
   * per table. `recorded`: the column map as `_loader_columns` holds it; mappings equal to their
   * record are not written again, so a run that changes neither tables nor mappings (a scheduled
   * run between two reads of the field metadata) writes nothing here.
   */
  async ensure(models: TableModels, recorded: readonly ColumnMapping[] = []): Promise<Map<string, number>> {
    return this.apply([...models.values()], recorded);
  }

  /**
   * Before a batch is written: if shaping its rows met keys no column holds yet, add those
   * columns first. Returns the number of columns added.
   */
  async ensureColumnsFor(model: TableModel): Promise<number> {
    const changes = model.drainSchemaChanges();
    if (changes.length === 0) return 0;
    return (await this.apply([model])).get(model.table) ?? 0;
  }

  /**
   * Tables whose data the warehouse no longer holds in full although the loader wrote it: the
   * table is gone, or a column the loader made for it is (dropped by hand). Call after `load`,
   * before `ensure` recreates them. `madeColumns` are the columns the loader recorded making
   * (`_loader_columns`); a model's built-in columns count too, while a custom field first seen
   * now is simply new.
   */
  driftedTables(models: TableModels, madeColumns: readonly ColumnMapping[]): Map<string, string> {
    const drifted = new Map<string, string>();
    for (const model of models.values()) {
      const actual = this.actual.get(model.table);
      if (actual === undefined) {
        drifted.set(model.table, `table ${model.table} is missing`);
        continue;
      }
      const present = new Set(actual.map((column) => column.name));
      const custom = new Set(model.mappings.map((mapping) => mapping.column_name));
      const made = madeColumns.filter((mapping) => mapping.table_name === model.table).map((mapping) => mapping.column_name);
      const builtins = model.spec.columns.map((column) => column.name).filter((name) => !custom.has(name));
      const missing = [...new Set([...made, ...builtins])].filter((name) => !present.has(name));
      if (missing.length > 0) drifted.set(model.table, `column(s) ${missing.slice(0, 5).join(', ')} of ${model.table} are missing`);
    }
    return drifted;
  }

  /** Whether the table exists (or was planned and created by this run). */
  hasTable(table: string): boolean {
    return this.actual.has(table);
  }

  writePlan(model: TableModel): WritePlan {
    const plan = this.modelPlans.get(model) ?? this.writePlans.get(model.table);
    if (!plan) throw new Error(`table ${model.table} was not planned before writing`);
    return plan;
  }

  private async apply(models: readonly TableModel[], recorded: readonly ColumnMapping[] = []): Promise<Map<string, number>> {
    // The schema exists already: migrations created it together with the loader's own tables.
    const plan = diff(
      models.map((m) => m.spec),
      this.actual,
      { schemaExists: true },
    );
    const statements = renderPlan(plan, this.warehouse.dialect, this.schema);
    const unchanged = new Set(recorded.map(mappingText));
    const mappings = models.flatMap((m) => m.mappings).filter((mapping) => !unchanged.has(mappingText(mapping)));
    const ddlInTransaction = this.warehouse.dialect.capabilities.ddlInTransaction;
    if (!ddlInTransaction) for (const sql of statements) await this.warehouse.execute(sql);
    if (statements.length > 0 || mappings.length > 0) {
      await this.warehouse.transaction(async (session) => {
        if (ddlInTransaction) for (const sql of statements) await session.execute(sql);
        await this.store.saveColumnMappings(session, mappings);
      });
    }
    const added = this.remember(plan, models);
    for (const model of models) {
      const write = this.writePlans.get(model.table);
      if (write !== undefined) this.modelPlans.set(model, write);
    }
    return added;
  }

  /**
   * Updates the known columns and the write plans from a plan that has been applied. `models`:
   * the ones planned; each projector normalises only the cells of its model's inferred columns,
   * the only ones that may have been shaped with another type (read now, after the DDL: a set
   * that grew while it ran only makes the projector normalise more).
   */
  private remember(plan: SchemaPlan, models: readonly TableModel[]): Map<string, number> {
    const inferredOf = new Map(models.map((model) => [model.table, model.inferredColumns]));
    const added = new Map<string, number>();
    for (const table of plan.tables) {
      if (table.create) {
        this.actual.set(table.table, [...table.create.columns]);
        added.set(table.table, table.create.columns.length);
      } else if (table.addColumns.length > 0) {
        this.actual.set(table.table, [...(this.actual.get(table.table) ?? []), ...table.addColumns]);
        added.set(table.table, table.addColumns.length);
      }
      const projector = createRowProjector(table, inferredOf.get(table.table));
      this.writePlans.set(table.table, { ...projector, primaryKey: table.primaryKey });
    }
    return added;
  }
}

/** A mapping's every recorded value, in a fixed order: equal text, equal row in `_loader_columns`. */
function mappingText(mapping: ColumnMapping): string {
  return JSON.stringify([
    mapping.table_name,
    mapping.field_key,
    mapping.subfield,
    mapping.column_name,
    mapping.field_name,
    mapping.field_type,
    mapping.first_seen_at,
    mapping.last_seen_at,
  ]);
}
