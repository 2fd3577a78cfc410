/**
 * Compares what a DuckDB schema holds with what the sandbox serves, field by field.
 *
 * The expectation is derived independently of the loader's shaper: from the sandbox's raw v2
 * records, its field metadata (option labels), the `_loader_columns` map (which column holds which
 * field key) and the warehouse column types. A bug in the shaper therefore shows up here.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { Sandbox, SandboxEntity } from '../../src/sandbox/index.js';
import type { FieldDefinition } from '../../src/pipedrive/fields.js';

type Json = unknown;

const FIELD_ENTITY: Partial<Record<SandboxEntity, 'deal' | 'person' | 'organization' | 'product' | 'activity'>> = {
  deals: 'deal',
  persons: 'person',
  organizations: 'organization',
  products: 'product',
  activities: 'activity',
  // Leads carry the deal custom fields, flat (v1 keys), not in custom_fields.
  leads: 'deal',
};

/** The warehouse table of each sandbox entity (the catalog's names, written out independently). */
export const TABLE_OF: Readonly<Record<SandboxEntity, string>> = {
  deals: 'deals', persons: 'persons', organizations: 'organizations', activities: 'activities', products: 'products',
  pipelines: 'pipelines', stages: 'stages', users: 'users', leads: 'leads', leadLabels: 'lead_labels',
  leadSources: 'lead_sources', notes: 'notes', files: 'files', filters: 'filters', currencies: 'currencies',
  activityTypes: 'activity_types', callLogs: 'call_logs', goals: 'goals', projects: 'projects', tasks: 'tasks',
};

/** The primary key of each table: `name` for lead sources, `field_code` for metadata, else `id`. */
export function keyOf(columns: ReadonlyMap<string, string>): string {
  return columns.has('id') ? 'id' : columns.has('field_code') ? 'field_code' : 'name';
}

const V1_SUBFIELD_SUFFIXES = ['currency', 'until', 'timezone_id', 'timezone_name', 'formatted_address',
  'subpremise', 'street_number', 'route', 'sublocality', 'locality', 'admin_area_level_1', 'admin_area_level_2',
  'country', 'postal_code'];

/**
 * A flat v1 record's custom values (`K`, `K_currency`, `K_until`, `K_<address part>`, enum ids as
 * strings, sets as comma strings) rebuilt in the v2 form, and the keys they used.
 */
function flatCustomValues(record: Record<string, Json>, fields: readonly FieldDefinition[]): { values: Record<string, Json>; keys: Set<string> } {
  const values: Record<string, Json> = {};
  const keys = new Set<string>();
  for (const field of fields) {
    const key = field.field_code;
    if (!(key in record)) continue;
    keys.add(key);
    const parts: Record<string, Json> = { value: record[key] };
    for (const suffix of V1_SUBFIELD_SUFFIXES) {
      if (`${key}_${suffix}` in record) {
        keys.add(`${key}_${suffix}`);
        parts[suffix] = record[`${key}_${suffix}`];
      }
    }
    const raw = record[key];
    if (field.field_type === 'enum') values[key] = raw;
    else if (field.field_type === 'set') values[key] = typeof raw === 'string' ? raw.split(',').filter(Boolean) : raw;
    else if (Object.keys(parts).length > 1 || ['monetary', 'daterange', 'timerange', 'address'].includes(field.field_type)) values[key] = parts;
    else values[key] = raw;
  }
  return { values, keys };
}

export interface Mismatch {
  readonly table: string;
  readonly id: string;
  readonly column: string;
  readonly expected: Json;
  readonly actual: Json;
}

export interface WarehouseSnapshot {
  /** table → id → row (normalised values) */
  readonly tables: Map<string, Map<string, Record<string, Json>>>;
  /** table → column → DuckDB type */
  readonly types: Map<string, Map<string, string>>;
  /** table → field key → subfield → column */
  readonly columnMap: Map<string, Map<string, Map<string, string>>>;
}

export interface ColumnMapRow {
  readonly table_name: string;
  readonly field_key: string;
  readonly subfield: string;
  readonly column_name: string;
}

/** `_loader_columns` rows → table → field key → subfield → column. */
export function columnMapOf(rows: readonly ColumnMapRow[]): WarehouseSnapshot['columnMap'] {
  const columnMap = new Map<string, Map<string, Map<string, string>>>();
  for (const row of rows) {
    const byKey = columnMap.get(row.table_name) ?? new Map<string, Map<string, string>>();
    const bySub = byKey.get(row.field_key) ?? new Map<string, string>();
    bySub.set(row.subfield, row.column_name);
    byKey.set(row.field_key, bySub);
    columnMap.set(row.table_name, byKey);
  }
  return columnMap;
}

function normaliseTimestamp(value: string): string {
  const v1 = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  const date = new Date(v1 ? `${v1[1]}T${v1[2]}Z` : value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function normaliseTime(value: string): string {
  return /^\d{2}:\d{2}$/.test(value) ? `${value}:00` : value.slice(0, 8);
}

/** Converts a DuckDB JS value to the canonical form used for comparison. */
function fromWarehouse(value: unknown, type: string): Json {
  if (value === null || value === undefined) return null;
  if (type === 'TIMESTAMP WITH TIME ZONE' && value instanceof Date) return normaliseTimestamp(value.toISOString());
  if (type === 'DATE' && value instanceof Date) return value.toISOString().slice(0, 10);
  if (type === 'TIME' && typeof value === 'bigint') {
    const seconds = Number(value / 1_000_000n);
    const pad = (n: number): string => String(n).padStart(2, '0');
    return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  }
  if (type === 'JSON' && typeof value === 'string') return JSON.parse(value) as Json;
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** Converts a source value to the canonical form the column's type implies. */
function expectedFor(value: Json, type: string): Json {
  if (value === null || value === undefined) return null;
  if (type === 'TIMESTAMP WITH TIME ZONE' && typeof value === 'string') return normaliseTimestamp(value);
  if (type === 'TIME' && typeof value === 'string') return normaliseTime(value);
  if (type === 'VARCHAR' && typeof value === 'object') return JSON.stringify(value);
  if (type === 'VARCHAR' && typeof value !== 'string') return String(value);
  if (type.startsWith('DECIMAL') && typeof value === 'string') return Number(value);
  // v1 sends some integers as strings (visible_to "3").
  if (type === 'BIGINT' && typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return value;
}

export async function snapshotWarehouse(path: string, schema: string): Promise<WarehouseSnapshot> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    const typeRows = (
      await connection.runAndReadAll(
        'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1',
        [schema],
      )
    ).getRowObjectsJS() as { table_name: string; column_name: string; data_type: string }[];
    const types = new Map<string, Map<string, string>>();
    for (const row of typeRows) {
      const columns = types.get(row.table_name) ?? new Map<string, string>();
      columns.set(row.column_name, row.data_type);
      types.set(row.table_name, columns);
    }
    const tables = new Map<string, Map<string, Record<string, Json>>>();
    for (const [table, columns] of types) {
      if (table.startsWith('_loader')) continue;
      const key = keyOf(columns);
      const reader = await connection.runAndReadAll(`SELECT * FROM "${schema}"."${table}"`);
      const rows = new Map<string, Record<string, Json>>();
      for (const raw of reader.getRowObjectsJS()) {
        const row: Record<string, Json> = {};
        for (const [column, value] of Object.entries(raw)) row[column] = fromWarehouse(value, columns.get(column) ?? '');
        rows.set(String(row[key]), row);
      }
      tables.set(table, rows);
    }
    const mapRows = (
      await connection.runAndReadAll(
        `SELECT table_name, field_key, subfield, column_name FROM "${schema}"."_loader_columns"`,
      )
    ).getRowObjectsJS() as { table_name: string; field_key: string; subfield: string; column_name: string }[];
    return { tables, types, columnMap: columnMapOf(mapRows) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function optionLabel(field: FieldDefinition, id: Json): string {
  const option = field.options?.find((o) => String(o.id) === String(id));
  return option ? option.label : String(id);
}

/** The value the main column of a custom field should hold. */
function customMainValue(field: FieldDefinition, value: Json): Json {
  if (value === null || value === undefined) return null;
  if (field.field_type === 'enum') {
    const id = typeof value === 'object' && value !== null && 'id' in value ? (value as { id: Json }).id : value;
    return optionLabel(field, id);
  }
  if (field.field_type === 'set' && Array.isArray(value)) {
    return value.map((item: Json) =>
      optionLabel(field, typeof item === 'object' && item !== null && 'id' in item ? (item as { id: Json }).id : item),
    );
  }
  if (typeof value === 'object' && !Array.isArray(value) && 'value' in value) return (value as { value: Json }).value;
  return value;
}

/** JSON with object keys sorted: PostgreSQL's jsonb keeps its own key order, equal in meaning. */
function stable(value: Json): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

function same(a: Json, b: Json): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  return stable(a) === stable(b);
}

/** Every record of `entity`, every built-in key and every custom field, against the warehouse. */
export async function compareEntity(
  snapshot: WarehouseSnapshot,
  sandbox: Sandbox,
  entity: SandboxEntity,
): Promise<{ mismatches: Mismatch[]; compared: number; missing: string[]; extra: string[] }> {
  const table = TABLE_OF[entity];
  const rows = snapshot.tables.get(table) ?? new Map<string, Record<string, Json>>();
  const key = keyOf(snapshot.types.get(table) ?? new Map<string, string>());
  const types = snapshot.types.get(table) ?? new Map<string, string>();
  const fieldEntity = FIELD_ENTITY[entity];
  const fields = fieldEntity ? sandbox.fields(fieldEntity).filter((f) => f.is_custom_field) : [];
  const columnMap = snapshot.columnMap.get(table) ?? new Map<string, Map<string, string>>();
  const mismatches: Mismatch[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];
  let compared = 0;
  const check = (id: string, column: string, expected: Json, actual: Json): void => {
    compared += 1;
    if (!same(expected, actual)) mismatches.push({ table, id, column, expected, actual });
  };
  for await (const record of sandbox.records(entity)) {
    const id = String(record[key]);
    seen.add(id);
    const row = rows.get(id);
    if (!row) {
      missing.push(id);
      continue;
    }
    const flat = record.custom_fields === undefined ? flatCustomValues(record, fields) : undefined;
    for (const [name, value] of Object.entries(record)) {
      if (name === 'custom_fields' || flat?.keys.has(name)) continue;
      const type = types.get(name);
      if (type === undefined) {
        if (value !== null) mismatches.push({ table, id, column: name, expected: value, actual: '<no column>' });
        continue;
      }
      check(id, name, expectedFor(value, type), row[name]);
    }
    const custom = (flat?.values ?? record.custom_fields ?? {}) as Record<string, Json>;
    for (const field of fields) {
      const value = custom[field.field_code] ?? null;
      const columns = columnMap.get(field.field_code);
      if (!columns) {
        if (value !== null) mismatches.push({ table, id, column: field.field_code, expected: value, actual: '<unmapped>' });
        continue;
      }
      for (const [subfield, column] of columns) {
        const type = types.get(column) ?? '';
        const raw =
          subfield === ''
            ? customMainValue(field, value)
            : value !== null && typeof value === 'object'
              ? ((value as Record<string, Json>)[subfield] ?? null)
              : null;
        check(id, column, expectedFor(raw, type), row[column] ?? null);
      }
    }
    const deleted = record.is_deleted === true || record.status === 'deleted';
    const deletedAt = row._deleted_at ?? null;
    check(id, '_deleted_at', deleted ? normaliseTimestamp(String(record.update_time)) : null, deletedAt);
  }
  // Rows Pipedrive no longer lists are expected only as deleted ones.
  const extra = [...rows.keys()].filter((id) => !seen.has(id) && (rows.get(id)?._deleted_at ?? null) === null);
  return { mismatches, compared, missing, extra };
}
