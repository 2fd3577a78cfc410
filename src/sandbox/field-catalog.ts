/**
 * Field metadata of the sandbox, in the v2 `{entity}Fields` shape: built-in fields plus custom
 * fields keyed by 40-hex codes. Deals and persons carry deliberately hostile custom-field names
 * (SQL metacharacters, unicode, reserved words, duplicates, a 300-character name …) because the
 * loader must survive whatever a real company names its fields.
 */
import type { FieldEntity } from '../pipedrive/catalog.js';
import type { CreatableCustomFieldType, FieldDefinition, FieldOption, FieldSubfield } from '../pipedrive/fields.js';
import { CREATABLE_CUSTOM_FIELD_TYPES } from '../pipedrive/fields.js';
import { builtinFields } from './builtin-fields.js';
import { fieldKey } from './random.js';
import { OPTION_COLORS } from './vocabulary.js';

export interface CustomField {
  readonly key: string;
  name: string;
  readonly type: CreatableCustomFieldType;
  /** Live options; deleteOption removes from here. */
  options: FieldOption[] | null;
  /** Option ids generated values are drawn from (fixed at creation, may include deleted ids). */
  readonly valueIds: readonly number[];
  /** False for fields added at run time: existing records hold null until updated. */
  readonly generated: boolean;
  /** Position among the entity's custom fields; a hash part of generated values. */
  readonly ordinal: number;
}

interface CustomFieldSpec {
  readonly name: string;
  readonly type: CreatableCustomFieldType;
  readonly labels?: readonly string[];
  /** Extra option ids that records use but the metadata no longer lists (a deleted option). */
  readonly deletedOptionIds?: readonly number[];
}

/** Hostile names, each on a different type so that all 16 creatable types are covered too. */
const HOSTILE_FIELDS: readonly CustomFieldSpec[] = [
  { name: 'Region', type: 'varchar' },
  { name: 'Region', type: 'enum', labels: ['EMEA', 'AMER', 'APAC'] },
  { name: "Robert'); DROP TABLE deals;--", type: 'text' },
  { name: '"quoted" name', type: 'double' },
  { name: 'a;b--c', type: 'monetary' },
  { name: 'Société Générale Ünïcödé', type: 'date' },
  { name: '名前', type: 'daterange' },
  { name: 'select', type: 'time' },
  { name: 'order', type: 'timerange' },
  { name: 'from', type: 'set', labels: ['Newsletter', 'Webinar', 'Referral', 'Trade fair'] },
  { name: `Very long field name ${'x'.repeat(279)}`, type: 'varchar_auto' },
  { name: '🚀🔥', type: 'user' },
  { name: 'Value', type: 'org' },
  { name: 'Title', type: 'people' },
  { name: '_loaded_at', type: 'phone' },
  { name: 'Deal Size', type: 'address' },
  { name: 'deal-size', type: 'varchar' },
  // Option 9_999 was deleted: records still point at it, the metadata has no label for it.
  { name: 'Lead Source (legacy)', type: 'enum', labels: ['Web', 'Phone', 'Partner'], deletedOptionIds: [9999] },
];

const PLAIN_FIELDS: readonly CustomFieldSpec[] = CREATABLE_CUSTOM_FIELD_TYPES.map((type) => ({
  name: `${type.charAt(0).toUpperCase()}${type.slice(1).replace('_', ' ')} field`,
  type,
  labels: type === 'enum' || type === 'set' ? ['Alpha', 'Beta', 'Gamma', 'Delta'] : undefined,
}));

function specsFor(entity: FieldEntity, dealCustomFields: number | undefined): CustomFieldSpec[] {
  if (entity === 'activity') return []; // v2 activities carry no custom_fields
  if (entity === 'person') return [...HOSTILE_FIELDS];
  if (entity !== 'deal') return [...PLAIN_FIELDS];
  const specs = [...HOSTILE_FIELDS];
  const total = dealCustomFields ?? specs.length;
  // Extra fields cycle through the creatable types so a wide table exercises all of them.
  for (let n = specs.length; n < total; n++) {
    const type = CREATABLE_CUSTOM_FIELD_TYPES[n % CREATABLE_CUSTOM_FIELD_TYPES.length] ?? 'varchar';
    specs.push({ name: `Custom ${type} ${n + 1}`, type, labels: ['One', 'Two', 'Three'] });
  }
  return specs;
}

function subfieldsOf(type: string): FieldSubfield[] | null {
  const sub = (field_code: string, field_name: string, field_type: string): FieldSubfield => ({ field_code, field_name, field_type });
  switch (type) {
    case 'monetary':
      return [sub('value', 'Amount', 'double'), sub('currency', 'Currency', 'varchar')];
    case 'daterange':
      return [sub('value', 'Start date', 'date'), sub('until', 'End date', 'date')];
    case 'timerange':
      return [sub('value', 'Start time', 'time'), sub('until', 'End time', 'time')];
    case 'address':
      return ['street_number', 'route', 'sublocality', 'subpremise', 'locality', 'admin_area_level_1', 'admin_area_level_2', 'country', 'postal_code', 'formatted_address'].map(
        (code) => sub(code, code.replace(/_/g, ' '), 'varchar'),
      );
    default:
      return null;
  }
}

export class FieldCatalog {
  readonly custom: CustomField[] = [];
  private nextOptionId: number;

  constructor(
    private readonly seed: number,
    readonly entity: FieldEntity,
    dealCustomFields?: number,
  ) {
    // Option ids are unique per entity; they start apart so entities never share ids.
    this.nextOptionId = 1 + ['deal', 'person', 'organization', 'product', 'activity'].indexOf(entity) * 10_000;
    for (const spec of specsFor(entity, dealCustomFields)) this.create(spec, true);
  }

  private create(spec: CustomFieldSpec, generated: boolean): CustomField {
    const ordinal = this.custom.length;
    const options = spec.labels
      ? spec.labels.map((label, i) => ({ id: this.nextOptionId++, label, color: OPTION_COLORS[i % OPTION_COLORS.length] ?? null }))
      : spec.type === 'enum' || spec.type === 'set'
        ? []
        : null;
    const field: CustomField = {
      key: fieldKey(this.seed, this.entity, ordinal),
      name: spec.name,
      type: spec.type,
      options,
      valueIds: [...(options ?? []).map((o) => Number(o.id)), ...(spec.deletedOptionIds ?? [])],
      generated,
      ordinal,
    };
    this.custom.push(field);
    return field;
  }

  find(code: string): CustomField | undefined {
    return this.custom.find((f) => f.key === code);
  }

  /** Every active field, built-ins first, as GET /api/v2/{entity}Fields returns them. */
  definitions(): FieldDefinition[] {
    const custom = this.custom.map(
      (f): FieldDefinition => ({
        field_code: f.key,
        field_name: f.name,
        field_type: f.type,
        description: null,
        options: f.options ? f.options.map((o) => ({ ...o })) : null,
        subfields: subfieldsOf(f.type),
        is_custom_field: true,
        is_optional_response_field: false,
      }),
    );
    return [...builtinFields(this.entity), ...custom];
  }

  rename(code: string, newName: string): void {
    const field = this.find(code);
    if (!field) throw new Error(`${this.entity} field ${code} does not exist or cannot be renamed`);
    field.name = newName;
  }

  add(spec: { name: string; field_type: CreatableCustomFieldType; options?: readonly string[] }): string {
    if (!(CREATABLE_CUSTOM_FIELD_TYPES as readonly string[]).includes(spec.field_type)) {
      throw new Error(`field_type ${String(spec.field_type)} cannot be created`);
    }
    return this.create({ name: spec.name, type: spec.field_type, labels: spec.options }, false).key;
  }

  deleteOption(code: string, optionId: number): void {
    const field = this.find(code);
    if (!field?.options) throw new Error(`${this.entity} field ${code} has no options`);
    const before = field.options.length;
    field.options = field.options.filter((o) => o.id !== optionId);
    if (field.options.length === before) throw new Error(`option ${optionId} not found on ${code}`);
  }
}
