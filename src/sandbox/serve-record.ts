/**
 * Turns a stored record into what an endpoint returns: every current custom field present
 * (fields added later read null), optional `{id,label}` option values, an optional subset of
 * custom fields, and `is_you` on users.
 */
import type { FieldCatalog } from './field-catalog.js';
import type { SandboxRecord } from './generation-context.js';

export interface ServeOptions {
  readonly includeOptionLabels?: boolean;
  /** Only these custom field keys (the v2 `custom_fields` parameter). */
  readonly customFieldKeys?: ReadonlySet<string>;
}

function labelled(catalogOptions: ReadonlyMap<number, string>, id: unknown): unknown {
  if (typeof id !== 'number') return id;
  // A deleted option keeps its id on records; its label is gone.
  return { id, label: catalogOptions.get(id) ?? null };
}

export function shapeCustomFields(record: SandboxRecord, catalog: FieldCatalog | undefined, options: ServeOptions = {}): SandboxRecord {
  if (!catalog || !('custom_fields' in record)) return record;
  const stored = (record.custom_fields ?? {}) as Record<string, unknown>;
  const shaped: Record<string, unknown> = {};
  for (const field of catalog.custom) {
    if (options.customFieldKeys && !options.customFieldKeys.has(field.key)) continue;
    let value: unknown = stored[field.key] ?? null;
    if (options.includeOptionLabels && value !== null && (field.type === 'enum' || field.type === 'set')) {
      const labels = new Map((field.options ?? []).map((o) => [Number(o.id), o.label]));
      value = Array.isArray(value) ? value.map((id) => labelled(labels, id)) : labelled(labels, value);
    }
    shaped[field.key] = value;
  }
  record.custom_fields = shaped;
  return record;
}
