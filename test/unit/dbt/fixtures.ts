/** A loaded schema as describeSchema, _loader_columns and the fields endpoints would give it. */
import type { FieldEntity } from '../../../src/pipedrive/catalog.js';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import { freshnessFor, primaryKeysFromCatalog, type SourcesInput } from '../../../src/dbt/sources.js';
import { BUILTIN_COLUMNS } from '../../../src/schema/builtins.js';
import { assignCustomColumns, type ColumnMapping } from '../../../src/schema/column-map.js';
import { columnLayout } from '../../../src/schema/columns.js';
import { SYSTEM_COLUMNS, type ColumnSpec } from '../../../src/schema/types.js';

export const LEAD_SOURCE_KEY = '1'.repeat(40);
export const DEAL_VALUE_KEY = '2'.repeat(40);
export const TAGS_KEY = '3'.repeat(40);
export const HOSTILE_KEY = '4'.repeat(40);
export const DELETED_KEY = '5'.repeat(40);

export function customField(
  field_code: string,
  field_name: string,
  field_type: string,
  labels: readonly string[] = [],
): FieldDefinition {
  return {
    field_code,
    field_name,
    field_type,
    options: labels.length > 0 ? labels.map((label, index) => ({ id: index + 1, label })) : null,
    subfields: null,
    is_custom_field: true,
  };
}

export const DEAL_BUILTINS: FieldDefinition[] = [
  { field_code: 'id', field_name: 'ID', field_type: 'int', options: null, subfields: null, is_custom_field: false },
  {
    field_code: 'title',
    field_name: 'Title',
    field_type: 'varchar',
    description: 'The title of the deal',
    options: null,
    subfields: null,
    is_custom_field: false,
  },
  {
    field_code: 'status',
    field_name: 'Status',
    field_type: 'status',
    options: [
      { id: 'open', label: 'Open' },
      { id: 'won', label: 'Won' },
    ],
    subfields: null,
    is_custom_field: false,
  },
];

export function dealFields(): FieldDefinition[] {
  return [
    ...DEAL_BUILTINS,
    customField(LEAD_SOURCE_KEY, 'Lead source', 'enum', ['Web', 'Referral', 'Partner']),
    customField(DEAL_VALUE_KEY, 'Deal value', 'monetary'),
    customField(TAGS_KEY, 'Tags', 'set', ['Hot', 'Cold']),
    customField(HOSTILE_KEY, "Robert'); DROP TABLE deals;-- {{ oops }}", 'text'),
  ];
}

/** Builds mappings with the loader's own naming, and the tables describeSchema would report. */
export function loadedSchema(fields: readonly FieldDefinition[], persisted: readonly ColumnMapping[] = []) {
  const tables = new Map<string, ColumnSpec[]>();
  const mappings: ColumnMapping[] = [];
  for (const [table, builtins] of Object.entries(BUILTIN_COLUMNS)) {
    let custom: ColumnSpec[] = [];
    if (table === 'deals') {
      const reserved = new Set([...builtins.map((c) => c.name), ...SYSTEM_COLUMNS.map((c) => c.name)]);
      const assignment = assignCustomColumns({ table, fields, persisted, reserved, now: '2026-11-28T00:00:00Z' });
      mappings.push(...assignment.all);
      custom = assignment.all.map((m) => ({
        name: m.column_name,
        type: columnLayout(m.field_type).columns.find((c) => c.subfield === m.subfield)?.type ?? 'string',
      }));
    }
    tables.set(table, [...builtins, ...custom, ...SYSTEM_COLUMNS]);
  }
  tables.set('_loader_state', [{ name: 'stream', type: 'string' }]);
  tables.set('_loader_columns', [{ name: 'table_name', type: 'string' }]);
  return { tables, mappings };
}

export function sourcesInput(overrides: Partial<SourcesInput> = {}): SourcesInput {
  const fields = dealFields();
  const { tables, mappings } = loadedSchema(fields);
  return {
    sourceName: 'pipedrive',
    schema: 'stitch_pipedrive',
    tables,
    mappings,
    fields: new Map<FieldEntity, FieldDefinition[]>([['deal', fields]]),
    primaryKeys: primaryKeysFromCatalog(),
    freshness: freshnessFor(30),
    ...overrides,
  };
}
