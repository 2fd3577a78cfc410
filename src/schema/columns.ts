/**
 * Pipedrive field type → column layout: which columns one field becomes, with which logical
 * types, and how its values are read (the value "kind"). See docs/schema.md#field-types.
 */
import type { FieldType } from '../pipedrive/fields.js';
import type { LogicalType } from './types.js';

export type ValueKind =
  | 'text'
  | 'scalar'
  | 'reference'
  | 'monetary'
  | 'daterange'
  | 'time'
  | 'timerange'
  | 'enum'
  | 'set'
  | 'address'
  | 'unknown';

export interface SubColumn {
  /** '' for the main column, else the suffix after `<col>_` (currency, until, locality …). */
  readonly subfield: string;
  readonly type: LogicalType;
}

export interface ColumnLayout {
  readonly kind: ValueKind;
  readonly columns: readonly SubColumn[];
}

/**
 * Components of an address value (v2 object keys; v1 `<key>_<component>` top-level keys). The
 * main column holds `value`, the address as the user typed it; `formatted_address` is Google's
 * rendering of it, which can differ, so it has a column of its own. `value` also keeps the
 * `<col>_value` column that tables created before `formatted_address` had one already carry.
 */
export const ADDRESS_COMPONENTS = [
  'value',
  'subpremise',
  'street_number',
  'route',
  'sublocality',
  'locality',
  'admin_area_level_1',
  'admin_area_level_2',
  'country',
  'postal_code',
  'formatted_address',
] as const;

function single(kind: ValueKind, type: LogicalType): ColumnLayout {
  return { kind, columns: [{ subfield: '', type }] };
}

const TEXT = single('text', 'string');
const REFERENCE = single('reference', 'bigint');
const ENUM = single('enum', 'string');
const JSON_VALUE = single('scalar', 'json');
const UNKNOWN = single('unknown', 'string');

const LAYOUTS: Readonly<Record<string, ColumnLayout>> = {
  varchar: TEXT,
  varchar_auto: TEXT,
  varchar_options: TEXT,
  text: TEXT,
  phone: TEXT,
  // A lead id is a UUID, not a number.
  lead: TEXT,
  int: single('scalar', 'bigint'),
  // Pipedrive stores and returns `double` fields as IEEE-754 doubles; a decimal would suggest
  // a precision the source never had.
  double: single('scalar', 'double'),
  boolean: single('scalar', 'boolean'),
  date: single('scalar', 'date'),
  monetary: {
    kind: 'monetary',
    columns: [
      { subfield: '', type: 'decimal' },
      { subfield: 'currency', type: 'string' },
    ],
  },
  daterange: {
    kind: 'daterange',
    columns: [
      { subfield: '', type: 'date' },
      { subfield: 'until', type: 'date' },
    ],
  },
  time: {
    kind: 'time',
    columns: [
      { subfield: '', type: 'time' },
      { subfield: 'timezone_name', type: 'string' },
    ],
  },
  timerange: {
    kind: 'timerange',
    columns: [
      { subfield: '', type: 'time' },
      { subfield: 'until', type: 'time' },
      { subfield: 'timezone_name', type: 'string' },
    ],
  },
  user: REFERENCE,
  org: REFERENCE,
  people: REFERENCE,
  deal: REFERENCE,
  stage: REFERENCE,
  pipeline: REFERENCE,
  activity: REFERENCE,
  product: REFERENCE,
  project: REFERENCE,
  projects_board: REFERENCE,
  projects_phase: REFERENCE,
  picture: REFERENCE,
  enum: ENUM,
  visible_to: ENUM,
  status: ENUM,
  billing_frequency: ENUM,
  set: { kind: 'set', columns: [{ subfield: '', type: 'string_list' }] },
  address: {
    kind: 'address',
    columns: [
      { subfield: '', type: 'string' },
      ...ADDRESS_COMPONENTS.map((component): SubColumn => ({ subfield: component, type: 'string' })),
    ],
  },
  deals: JSON_VALUE,
  price_list: JSON_VALUE,
  json: JSON_VALUE,
};

/** Unknown field types (added by Pipedrive later) load as text, JSON text for objects. */
export function columnLayout(fieldType: FieldType): ColumnLayout {
  return Object.hasOwn(LAYOUTS, fieldType) ? (LAYOUTS[fieldType] ?? UNKNOWN) : UNKNOWN;
}
