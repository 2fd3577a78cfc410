/**
 * The custom-field → column assignment persisted in `_loader_columns` (see docs/schema.md).
 *
 * A field's column is named from the field's name the first time it is seen, and never again:
 * renames in Pipedrive only update `field_name`. New names are assigned in field-key order, so the
 * result depends on what is already persisted, never on the order fields arrive in.
 */
import type { FieldDefinition } from '../pipedrive/fields.js';
import { isCustomFieldKey } from '../pipedrive/fields.js';
import { columnLayout } from './columns.js';
import { isValidIdentifier, slugIdentifier, stableHash, uniqueName, withSuffix } from './naming.js';

export interface ColumnMapping {
  /** Bare table name, e.g. 'deals'. */
  table_name: string;
  /** Pipedrive key: 40-hex for custom fields; the record key for inferred columns. */
  field_key: string;
  /** '' for the main column; 'currency' | 'until' | address component … */
  subfield: string;
  column_name: string;
  /** The field's CURRENT name in Pipedrive (updated on rename). */
  field_name: string;
  /** The field's CURRENT type; `inferred` for record keys no field definition describes. */
  field_type: string;
  first_seen_at: string;
  last_seen_at: string;
}

/** `field_type` of mappings for undeclared record keys whose column type is inferred from values. */
export const INFERRED_FIELD_TYPE = 'inferred';

export interface AssignInput {
  readonly table: string;
  /** Current custom-field definitions (non-custom ones are ignored: built-ins have fixed columns). */
  readonly fields: readonly FieldDefinition[];
  /** Rows of `_loader_columns` for this table (rows of other tables are ignored). */
  readonly persisted: readonly ColumnMapping[];
  /** Names no custom field may take: built-in and system columns. */
  readonly reserved: ReadonlySet<string>;
  /** ISO timestamp recorded as first/last seen. */
  readonly now: string;
  /** False: `fields` were not read from Pipedrive now, so a recorded mapping keeps its last_seen_at. */
  readonly fieldsReadNow?: boolean;
}

export interface Assignment {
  /** Mappings of the current fields, new or updated: the rows to upsert into `_loader_columns`. */
  readonly mappings: ColumnMapping[];
  /** Every persisted mapping of the table (current or not), plus the new ones. */
  readonly all: ColumnMapping[];
  /** Every column name in use after assignment (reserved + persisted + new). */
  readonly taken: Set<string>;
}

export function mappingKey(fieldKey: string, subfield: string): string {
  return `${fieldKey}\u0000${subfield}`;
}

/** A readable name for a field whose name slugs to nothing (emoji, punctuation, CJK …). */
export function fallbackColumnName(fieldKey: string): string {
  return `custom_field_${isCustomFieldKey(fieldKey) ? fieldKey.slice(0, 8) : stableHash(fieldKey)}`;
}

/** Candidate column name for a field or record key (before collision handling). */
export function candidateColumnName(fieldKey: string, fieldName: string): string {
  return slugIdentifier(fieldName, { fallback: fallbackColumnName(fieldKey) });
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Valid persisted rows of `table`, by (field_key, subfield). Corrupt names are ignored (re-assigned). */
export function indexPersisted(table: string, persisted: readonly ColumnMapping[]): Map<string, ColumnMapping> {
  const index = new Map<string, ColumnMapping>();
  for (const row of persisted) {
    if (row.table_name !== table || !isValidIdentifier(row.column_name) || row.column_name.startsWith('_')) continue;
    index.set(mappingKey(row.field_key, row.subfield), row);
  }
  return index;
}

export function assignCustomColumns(input: AssignInput): Assignment {
  const persisted = indexPersisted(input.table, input.persisted);
  const taken = new Set(input.reserved);
  for (const row of persisted.values()) taken.add(row.column_name);

  const custom = input.fields
    .filter((field) => field.is_custom_field && !input.reserved.has(field.field_code))
    .sort((a, b) => compareKeys(a.field_code, b.field_code));
  const assigned = new Map<string, ColumnMapping>();

  const assign = (field: FieldDefinition, subfield: string, candidate: () => string): ColumnMapping => {
    const key = mappingKey(field.field_code, subfield);
    const existing = persisted.get(key);
    const seenAt = existing && input.fieldsReadNow === false ? existing.last_seen_at : input.now;
    const base = { field_name: field.field_name, field_type: field.field_type, last_seen_at: seenAt };
    const mapping: ColumnMapping = existing
      ? { ...existing, ...base }
      : {
          table_name: input.table,
          field_key: field.field_code,
          subfield,
          column_name: uniqueName(candidate(), taken, subfield ? `${field.field_code}_${subfield}` : field.field_code),
          first_seen_at: input.now,
          ...base,
        };
    taken.add(mapping.column_name);
    assigned.set(key, mapping);
    return mapping;
  };

  // Main columns first, for every field, so a main name never loses to another field's sub-column.
  for (const field of custom) assign(field, '', () => candidateColumnName(field.field_code, field.field_name));
  for (const field of custom) {
    const main = assigned.get(mappingKey(field.field_code, ''));
    if (!main) continue;
    for (const sub of columnLayout(field.field_type).columns) {
      if (sub.subfield === '') continue;
      assign(field, sub.subfield, () => withSuffix(main.column_name, sub.subfield, field.field_code));
    }
  }

  const mappings = [...assigned.values()];
  const all = [...mappings];
  for (const [key, row] of persisted) if (!assigned.has(key)) all.push(row);
  return { mappings, all, taken };
}
