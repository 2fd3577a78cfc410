/**
 * What `dbt-sources` describes, read from the warehouse alone (no Pipedrive call, no API tokens):
 * - the tables and columns of the schema (`describeSchema`);
 * - `_loader_columns`: which column holds which custom field, with the field's Pipedrive name and
 *   type as last seen;
 * - the `<entity>_fields` tables (every field-metadata stream of the catalog): Pipedrive's current
 *   field definitions (enum options, built-in names, fields deleted since).
 */
import type { WarehouseClient } from '../../adapters/types.js';
import { LOADER_TABLES } from '../../migrations/tables.js';
import { ConfigurationError } from '../errors.js';
import { STREAMS, type MetadataEntity } from '../pipedrive/catalog.js';
import type { FieldDefinition } from '../pipedrive/fields.js';
import type { ColumnMapping } from '../schema/column-map.js';
import type { ColumnSpec } from '../schema/types.js';
import { StateStore } from '../state/store.js';
import { fieldDefinitionsFromRows } from './field-rows.js';

export interface LoadedSchema {
  readonly tables: Map<string, ColumnSpec[]>;
  readonly mappings: ColumnMapping[];
  readonly fields: Map<MetadataEntity, FieldDefinition[]>;
}

/** The columns of a field-definition row that the descriptions use. */
const DEFINITION_COLUMNS = ['field_code', 'field_name', 'field_type', 'description', 'options', 'subfields', 'is_custom_field'];

async function readFieldTable(
  warehouse: WarehouseClient,
  schema: string,
  table: string,
  columns: readonly ColumnSpec[],
): Promise<FieldDefinition[]> {
  const present = new Set(columns.map((column) => column.name.toLowerCase()));
  if (!present.has('field_code') || !present.has('field_type')) return [];
  const selected = DEFINITION_COLUMNS.filter((name) => present.has(name));
  const dialect = warehouse.dialect;
  const rows = await warehouse.query(
    `SELECT ${selected.map((name) => dialect.quoteIdentifier(name)).join(', ')} FROM ${dialect.qualify({ schema, name: table })}`,
  );
  return fieldDefinitionsFromRows(rows);
}

/** Reads the loaded schema; a schema the loader never wrote is a configuration error. */
export async function readLoadedSchema(warehouse: WarehouseClient, schema: string): Promise<LoadedSchema> {
  const tables = await warehouse.describeSchema(schema);
  if (!tables.has(LOADER_TABLES.columns)) {
    throw new ConfigurationError(
      `Schema ${schema} in ${warehouse.describeTarget()} was not loaded by pipedrive-loader (it has no ${LOADER_TABLES.columns}). ` +
        'Check --integration/--schema and --target, or run `pipedrive-loader load` first.',
    );
  }
  const mappings = await new StateStore(warehouse, schema).readColumnMappings();
  const fields = new Map<MetadataEntity, FieldDefinition[]>();
  for (const stream of STREAMS) {
    const columns = tables.get(stream.table);
    if (stream.describes && columns) fields.set(stream.describes, await readFieldTable(warehouse, schema, stream.table, columns));
  }
  return { tables, mappings, fields };
}
