/**
 * Field definitions read back from the warehouse's `<entity>_fields` tables, so `dbt-sources` can
 * describe enum options and built-in names without calling Pipedrive (and spending API tokens).
 * The tables hold v2 field definitions with `options` and `subfields` as JSON text (or as parsed
 * values, depending on the driver); rows that do not parse are skipped rather than failing the
 * whole file, since a description is not worth a crash.
 */
import { parseFieldDefinition, type FieldDefinition } from '../pipedrive/fields.js';
import type { FieldEntity } from '../pipedrive/catalog.js';

export const FIELD_ENTITIES: readonly FieldEntity[] = ['deal', 'person', 'organization', 'product', 'activity'];

/** `deal` → `deal_fields`. */
export function fieldsTableOf(entity: FieldEntity): string {
  return `${entity}_fields`;
}

function jsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

/** Rows of a `<entity>_fields` table → FieldDefinition[] in field_code order. */
export function fieldDefinitionsFromRows(rows: readonly Record<string, unknown>[]): FieldDefinition[] {
  const definitions: FieldDefinition[] = [];
  for (const row of rows) {
    try {
      definitions.push(
        parseFieldDefinition({
          ...row,
          options: jsonValue(row['options']),
          subfields: jsonValue(row['subfields']),
        }),
      );
    } catch {
      // A malformed row only costs its description.
    }
  }
  return definitions.sort((a, b) => (a.field_code < b.field_code ? -1 : a.field_code > b.field_code ? 1 : 0));
}
