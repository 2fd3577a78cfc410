/**
 * The descriptions written into sources.yml. Dynamic descriptions (built from Pipedrive's field
 * metadata, which changes when a field is renamed or an option added) always start with one of
 * GENERATED_PREFIXES; static ones come from the tables below. `isGeneratedDescription` uses both
 * to tell the loader's text from a description a user wrote, which regeneration keeps.
 *
 * dbt renders descriptions with Jinja, so Pipedrive names containing `{{`, `{%` or `{#` are
 * wrapped in `{% raw %}` … `{% endraw %}`: a field called "{{ oops }}" must not break `dbt parse`.
 */
import type { ColumnMapping } from '../schema/column-map.js';
import { INFERRED_FIELD_TYPE } from '../schema/column-map.js';
import { LOGICAL_TYPES } from '../schema/types.js';
import type { FieldDefinition, FieldOption } from '../pipedrive/fields.js';
import { STREAMS, type StreamDefinition } from '../pipedrive/catalog.js';

/** Enum and set option lists longer than this are cut, so a 500-option field stays readable. */
export const MAX_LISTED_OPTIONS = 25;

export const GENERATED_PREFIXES = ["Custom field '", "Pipedrive field '", "Pipedrive key '"] as const;

export const SYSTEM_COLUMN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  _loaded_at: 'When pipedrive-loader last wrote this row (UTC). Moves on every run; used for source freshness.',
  _load_id: 'The load (run) that last wrote this row; matches load_id in the loader state.',
};

/** What earlier versions wrote for `_deleted_at` (whatever the table): regenerating replaces it. */
const FORMER_DELETED_AT_DESCRIPTIONS: readonly string[] = [
  'When Pipedrive marked the record deleted (its update time), or null. Deleted records are kept, never removed.',
];

const DELETED_AT_PREFIX = 'When the loader found ';
const KEPT = ' Rows are kept, never removed.';

/**
 * `_deleted_at` of one table: how deletes are detected for it (src/load/deletes.ts), which
 * differs by how its streams read (README.md#deletes). Every text starts with DELETED_AT_PREFIX
 * or names Pipedrive's own delete flag first, and is recognised by isGeneratedDescription.
 */
export function deletedAtDescription(table: string): string {
  if (/^[a-z]+_fields$/.test(table)) {
    return `${DELETED_AT_PREFIX}that Pipedrive no longer lists this field (deleted in Pipedrive), or null. Checked on every run, at no extra cost: field definitions are read in full.${KEPT}`;
  }
  const streams = STREAMS.filter((stream) => stream.table === table && !stream.describes);
  if (streams.length === 0) return `${DELETED_AT_PREFIX}the record deleted, or null; this table is not in this version's catalog, so how is not known.${KEPT}`;
  if (streams.some((stream) => stream.children)) {
    const parent = streams.find((stream) => stream.children)?.children?.parentTable ?? 'parent';
    return (
      `${DELETED_AT_PREFIX}this row gone from its ${parent.replace(/s$/, '')} (UTC), or null. Checked whenever the ${parent.replace(/s$/, '')} changes: ` +
      `its rows are then read whole, and those not returned are marked in the same transaction.${KEPT}`
    );
  }
  if (streams.every((stream) => stream.replication === 'full')) {
    return (
      `${DELETED_AT_PREFIX}that Pipedrive no longer lists this record (UTC: the start of that run), or null. Checked on every run, ` +
      `at no extra cost: the table is read in full. A record the token's user can no longer see looks the same.${KEPT}`
    );
  }
  const scan =
    `${DELETED_AT_PREFIX}that Pipedrive no longer lists this record (UTC: the start of that run; deleted, merged into another, ` +
    'or no longer visible to the token\'s user), or null. Noticed on a first or --full-refresh read, otherwise by a key scan on the ' +
    '--reconcile-deletes cadence (daily by default; not at all with never), so a delete can take a day to show.';
  if (table === 'deals') return `Deals Pipedrive reports deleted (status deleted) carry their update time. ${scan}${KEPT}`;
  return `${scan}${KEPT}`;
}

const ENTITY_TABLE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  deals: 'Pipedrive deals: open, won, lost, deleted and archived (is_archived), one row per id.',
  persons: 'Pipedrive persons (contacts), one row per id.',
  organizations: 'Pipedrive organizations, one row per id.',
  activities: 'Pipedrive activities (calls, meetings, tasks …), one row per id.',
  products: 'Pipedrive products, one row per id; re-read in full on every run.',
  pipelines: 'Pipedrive pipelines, one row per id; re-read in full on every run.',
  stages: 'Pipedrive pipeline stages, one row per id; re-read in full on every run.',
  users: 'Pipedrive users of the company (API v1 shape: created, modified), one row per id.',
};

const COMMON_COLUMN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  id: 'Pipedrive id (primary key).',
  field_code: 'The field key: the API name of a built-in field, a 40-hex key for a custom field (primary key).',
  field_name: 'The field name shown in Pipedrive.',
  field_type: 'Pipedrive field type (varchar, enum, monetary …).',
  options: 'Options of enum and set fields (JSON: id, label, color).',
  subfields: 'Parts of composite fields such as monetary or address (JSON).',
  is_custom_field: 'True for fields the company created.',
  is_optional_response_field: 'True when the API returns the field only on request; the loader does not request it.',
  add_time: 'When the record was created in Pipedrive (UTC).',
  update_time: 'When the record was last updated in Pipedrive (UTC); the incremental bookmark.',
  created: 'When the user was created (UTC).',
  modified: 'When the user was last modified (UTC).',
  owner_id: 'Id of the owning user (users.id).',
  creator_user_id: 'Id of the user who created the record (users.id).',
  person_id: 'Id of the linked person (persons.id).',
  org_id: 'Id of the linked organization (organizations.id).',
  deal_id: 'Id of the linked deal (deals.id).',
  pipeline_id: 'Id of the pipeline (pipelines.id).',
  stage_id: 'Id of the stage (stages.id).',
  is_deleted: 'True when Pipedrive marks the record deleted.',
  visible_to: 'Visibility setting id (1 owner & followers, 3 entire company, 5 and 7 visibility groups).',
  label_ids: 'Ids of the labels attached to the record (JSON array).',
  name: 'Name.',
  order_nr: 'Position in Pipedrive’s ordering.',
  description: 'Description text.',
  currency: 'Currency code (ISO 4217) of the value.',
  acv: 'Annual contract value (products with billing frequencies).',
  arr: 'Annual recurring revenue.',
  mrr: 'Monthly recurring revenue.',
  local_won_date: 'Date the deal was won, in the company’s time zone.',
  local_lost_date: 'Date the deal was lost, in the company’s time zone.',
  local_close_date: 'Date the deal was closed, in the company’s time zone.',
  lead_id: 'Id (UUID) of the linked lead.',
  project_id: 'Id of the linked project.',
  picture_id: 'Id of the record’s picture.',
  marked_as_done_time: 'When the activity was marked done (UTC).',
  participants: 'Persons taking part (JSON array).',
  attendees: 'Attendees, including people outside Pipedrive (JSON array).',
  private: 'True for a private activity.',
  notes: 'Notes on the person.',
  birthday: 'Birthday (date).',
  job_title: 'Job title.',
  im: 'Instant-messaging handles (JSON array).',
  postal_address: 'Postal address (JSON, with its components).',
  is_deal_probability_enabled: 'True when deals in this pipeline carry a probability.',
};

const STATIC_DESCRIPTIONS: ReadonlySet<string> = new Set([
  ...Object.values(SYSTEM_COLUMN_DESCRIPTIONS),
  ...FORMER_DELETED_AT_DESCRIPTIONS,
  ...Object.values(ENTITY_TABLE_DESCRIPTIONS),
  ...Object.values(COMMON_COLUMN_DESCRIPTIONS),
]);

/** Keeps Jinja from interpreting text that came from Pipedrive. */
export function escapeJinja(text: string): string {
  return /\{[{%#]|[}%#]\}/.test(text) ? `{% raw %}${text.replace(/\{%-?\s*endraw\s*-?%\}/g, '')}{% endraw %}` : text;
}

function pluralOf(entity: string): string {
  return entity.endsWith('y') ? `${entity.slice(0, -1)}ies` : `${entity}s`;
}

/** `/api/v2/deals`, `/v1/leads`: where a stream reads. */
function endpointOf(stream: StreamDefinition): string {
  return `${stream.api === 'v2' ? '/api/v2' : '/v1'}${stream.path}`;
}

/**
 * A table's description: a fixed text for the main entities; for other catalog tables, what
 * they hold and where they come from, built from the catalog so that new streams are described.
 */
export function tableDescription(table: string): string {
  const entity = /^([a-z]+)_fields$/.exec(table)?.[1];
  if (entity) {
    const plural = pluralOf(entity);
    return `Field definitions of Pipedrive ${plural}: what each column of ${plural} is in Pipedrive.`;
  }
  const fixed = ENTITY_TABLE_DESCRIPTIONS[table];
  if (fixed) return fixed;
  const streams = STREAMS.filter((stream) => stream.table === table);
  const first = streams[0];
  if (!first) return `Table ${table} of the Pipedrive schema.`;
  const full = streams.every((stream) => stream.replication === 'full') ? ' Re-read in full on every run.' : '';
  return (
    `Pipedrive ${table.replace(/_/g, ' ')}, one row per ${first.primaryKey.join(', ')} ` +
    `(from ${streams.map(endpointOf).join(', ')}).${full}`
  );
}

function optionList(options: readonly FieldOption[], withIds: boolean): string {
  const shown = options.slice(0, MAX_LISTED_OPTIONS).map((option) =>
    withIds && String(option.id) !== option.label ? `${String(option.id)} = ${option.label}` : option.label,
  );
  const more = options.length - shown.length;
  return shown.join(', ') + (more > 0 ? `, … (${more} more)` : '');
}

function subfieldWords(subfield: string): string {
  if (subfield === 'until') return 'end of the range';
  if (subfield === 'currency') return 'currency code';
  if (subfield === 'timezone_name') return 'time zone name';
  return `${subfield.replace(/_/g, ' ')} part`;
}

/**
 * A custom (or inferred) column: "Custom field 'Lead source' (enum: Web, Referral, Partner)".
 * `current` is the field's definition today; undefined when Pipedrive no longer lists it.
 */
export function customColumnDescription(
  mapping: ColumnMapping,
  current: FieldDefinition | undefined,
  definitionsKnown: boolean,
): string {
  if (mapping.field_type === INFERRED_FIELD_TYPE) {
    return escapeJinja(`Pipedrive key '${mapping.field_key}' that no field definition describes; type inferred from its values.`);
  }
  const options = current?.options ?? null;
  const listed = mapping.subfield === '' && options && options.length > 0 ? `: ${optionList(options, false)}` : '';
  let text = `Custom field '${mapping.field_name}' (${mapping.field_type}${listed})`;
  if (mapping.subfield !== '') text += `: ${subfieldWords(mapping.subfield)}`;
  text += '.';
  if (mapping.field_type === 'set' && mapping.subfield === '') text += ' A list of the selected labels.';
  if (definitionsKnown && !current) text += ' The field no longer exists in Pipedrive; older values are kept.';
  return escapeJinja(text);
}

/** A built-in column: from Pipedrive's own field definition when there is one, else a fixed text. */
export function builtinColumnDescription(column: string, definition: FieldDefinition | undefined): string {
  if (definition) {
    let text = `Pipedrive field '${definition.field_name}' (${definition.field_type})`;
    const extra = definition.description?.trim();
    text += extra ? `: ${extra.replace(/\.$/, '')}.` : '.';
    if (definition.options && definition.options.length > 0) text += ` Values: ${optionList(definition.options, true)}.`;
    return escapeJinja(text);
  }
  return COMMON_COLUMN_DESCRIPTIONS[column] ?? `Built-in Pipedrive field ${column} (its API name).`;
}

const SIBLING = new RegExp(`^(.+)__(${LOGICAL_TYPES.join('|')})(?:_[0-9a-f]{8})?$`);

/** A column that is neither built-in, custom nor system: a typed sibling, or one made by hand. */
export function otherColumnDescription(column: string, existingColumns: ReadonlySet<string>): string {
  const sibling = SIBLING.exec(column);
  if (sibling && existingColumns.has(sibling[1] ?? '')) {
    return `Values of ${sibling[1]} since its type changed to ${sibling[2]} in Pipedrive; earlier values stay in ${sibling[1]}.`;
  }
  return 'A column the loader did not create from Pipedrive metadata.';
}

/** True when `text` is a description the loader writes (so regeneration may replace it). */
export function isGeneratedDescription(text: string): boolean {
  const unwrapped = text.replace(/^\{% raw %\}/, '');
  if (GENERATED_PREFIXES.some((prefix) => unwrapped.startsWith(prefix))) return true;
  if (STATIC_DESCRIPTIONS.has(text)) return true;
  if ((text.startsWith(DELETED_AT_PREFIX) || text.startsWith('Deals Pipedrive reports deleted')) && text.endsWith(KEPT)) return true;
  return (
    /^Built-in Pipedrive field [a-z0-9_]+ \(its API name\)\.$/.test(text) ||
    /^Table [a-z0-9_]+ of the Pipedrive schema\.$/.test(text) ||
    /^Pipedrive [a-z0-9 ]+, one row per [a-z0-9_, ]+ \(from [^)]*\)\.( Re-read in full on every run\.)?$/.test(text) ||
    /^Field definitions of Pipedrive [a-z]+: /.test(text) ||
    /^Values of [a-z0-9_]+ since its type changed to /.test(text) ||
    text === 'A column the loader did not create from Pipedrive metadata.' ||
    /^Pipedrive CRM data loaded by pipedrive-loader/.test(text)
  );
}
