/**
 * A typed model of Pipedrive's v2 field definitions (`GET /api/v2/{entity}Fields`).
 * Every field type the API documents is listed, so an exhaustive `switch` over `FieldType`
 * is checked by the compiler; a type Pipedrive adds later parses as `unknown_type`-tolerant
 * (`isKnownFieldType` is false) and is loaded as text rather than crashing the run.
 */

export const FIELD_TYPES = [
  'varchar',
  'varchar_auto',
  'varchar_options',
  'text',
  'int',
  'double',
  'boolean',
  'monetary',
  'date',
  'daterange',
  'time',
  'timerange',
  'enum',
  'set',
  'user',
  'org',
  'people',
  'phone',
  'address',
  'visible_to',
  'status',
  'stage',
  'pipeline',
  'picture',
  'lead',
  'deal',
  'deals',
  'activity',
  'product',
  'project',
  'projects_board',
  'projects_phase',
  'price_list',
  'billing_frequency',
  'json',
] as const;

export type KnownFieldType = (typeof FIELD_TYPES)[number];
/** A field type string; known types are narrowed with `isKnownFieldType`. */
export type FieldType = KnownFieldType | (string & { readonly __unknownFieldType?: never });

/** The custom field types a user can create in Pipedrive (plus visible_to). */
export const CREATABLE_CUSTOM_FIELD_TYPES = [
  'varchar',
  'varchar_auto',
  'text',
  'double',
  'monetary',
  'date',
  'daterange',
  'time',
  'timerange',
  'set',
  'enum',
  'user',
  'org',
  'people',
  'phone',
  'address',
] as const satisfies readonly KnownFieldType[];

export type CreatableCustomFieldType = (typeof CREATABLE_CUSTOM_FIELD_TYPES)[number];

/** Built-in enum-like fields may use string or boolean option ids (status, visible_to …). */
export type FieldOptionId = number | string | boolean;

export interface FieldOption {
  readonly id: FieldOptionId;
  readonly label: string;
  readonly color?: string | null;
}

export interface FieldSubfield {
  readonly field_code: string;
  readonly field_name: string;
  readonly field_type: FieldType;
}

export interface FieldDefinition {
  /** Built-in fields use their API name (`title`); custom fields a 40-hex hash. */
  readonly field_code: string;
  readonly field_name: string;
  readonly field_type: FieldType;
  readonly description?: string | null;
  readonly options: readonly FieldOption[] | null;
  readonly subfields: readonly FieldSubfield[] | null;
  readonly is_custom_field: boolean;
  /** True when the entity API returns the field only if asked for via include_fields. */
  readonly is_optional_response_field?: boolean;
}

const CUSTOM_FIELD_KEY = /^[0-9a-f]{40}$/;

export function isKnownFieldType(type: string): type is KnownFieldType {
  return (FIELD_TYPES as readonly string[]).includes(type);
}

/** Custom field keys are 40 lowercase hex characters. */
export function isCustomFieldKey(key: string): boolean {
  return CUSTOM_FIELD_KEY.test(key);
}

function fail(what: string, raw: unknown): never {
  throw new TypeError(`malformed field definition (${what}): ${JSON.stringify(raw)?.slice(0, 200)}`);
}

function parseOption(raw: unknown): FieldOption {
  if (typeof raw !== 'object' || raw === null) fail('option', raw);
  const o = raw as Record<string, unknown>;
  const id = o.id;
  if (typeof id !== 'number' && typeof id !== 'string' && typeof id !== 'boolean') fail('option id', raw);
  const color = typeof o.color === 'string' ? o.color : null;
  return { id, label: typeof o.label === 'string' ? o.label : String(o.label ?? id), color };
}

function parseSubfield(raw: unknown): FieldSubfield {
  if (typeof raw !== 'object' || raw === null) fail('subfield', raw);
  const s = raw as Record<string, unknown>;
  if (typeof s.field_code !== 'string' || typeof s.field_type !== 'string') fail('subfield', raw);
  return {
    field_code: s.field_code,
    field_name: typeof s.field_name === 'string' ? s.field_name : s.field_code,
    field_type: s.field_type,
  };
}

/** Validates one element of a v2 fields response and returns it in the typed model. */
export function parseFieldDefinition(raw: unknown): FieldDefinition {
  if (typeof raw !== 'object' || raw === null) fail('not an object', raw);
  const f = raw as Record<string, unknown>;
  if (typeof f.field_code !== 'string' || f.field_code === '') fail('field_code', raw);
  if (typeof f.field_type !== 'string') fail('field_type', raw);
  return {
    field_code: f.field_code,
    field_name: typeof f.field_name === 'string' ? f.field_name : f.field_code,
    field_type: f.field_type,
    description: typeof f.description === 'string' ? f.description : null,
    options: Array.isArray(f.options) ? f.options.map(parseOption) : null,
    subfields: Array.isArray(f.subfields) ? f.subfields.map(parseSubfield) : null,
    is_custom_field: f.is_custom_field === true,
    is_optional_response_field: f.is_optional_response_field === true,
  };
}

/**
 * One element of a v1 fields response (`/v1/noteFields`, `/v1/leadFields`, which have no v2 twin)
 * in the v2 model: `key` → field_code, `name` → field_name, `edit_flag` → is_custom_field.
 * v1 lists subfields as rows of their own (`is_subfield`); they are part of their parent's
 * layout already, so they return null and are left out.
 */
export function parseV1FieldDefinition(raw: unknown): FieldDefinition | null {
  if (typeof raw !== 'object' || raw === null) fail('not an object', raw);
  const f = raw as Record<string, unknown>;
  if (f.is_subfield === true) return null;
  if (typeof f.key !== 'string' || f.key === '') fail('key', raw);
  if (typeof f.field_type !== 'string') fail('field_type', raw);
  return {
    field_code: f.key,
    field_name: typeof f.name === 'string' ? f.name : f.key,
    field_type: f.field_type,
    description: typeof f.description === 'string' ? f.description : null,
    options: Array.isArray(f.options) ? f.options.map(parseOption) : null,
    subfields: null,
    is_custom_field: f.edit_flag === true,
  };
}
