/**
 * Built-in (system) fields per entity as the v2 fields endpoints list them. Only field types in
 * the spec's `field_type` enum are used; `options` carry integer ids as the v2 schema requires.
 */
import type { FieldEntity } from '../pipedrive/catalog.js';
import type { FieldDefinition, FieldOption, FieldSubfield } from '../pipedrive/fields.js';

function field(
  field_code: string,
  field_name: string,
  field_type: string,
  extra: { options?: FieldOption[]; subfields?: FieldSubfield[]; optional?: boolean; description?: string } = {},
): FieldDefinition {
  return {
    field_code,
    field_name,
    field_type,
    description: extra.description ?? null,
    options: extra.options ?? null,
    subfields: extra.subfields ?? null,
    is_custom_field: false,
    is_optional_response_field: extra.optional ?? false,
  };
}

const VISIBLE_TO: FieldOption[] = [
  { id: 1, label: 'Owner & followers', color: null },
  { id: 3, label: 'Entire company', color: null },
  { id: 5, label: "Owner's visibility group and sub-groups", color: null },
  { id: 7, label: 'Entire company (all groups)', color: null },
];

const ADDRESS_PARTS: FieldSubfield[] = [
  'country', 'admin_area_level_1', 'admin_area_level_2', 'locality', 'sublocality', 'route', 'street_number', 'subpremise', 'postal_code', 'formatted_address',
].map((code) => ({ field_code: code, field_name: code.replace(/_/g, ' '), field_type: 'varchar' }));

const COMMON_TIMES = [field('add_time', 'Created', 'date'), field('update_time', 'Updated', 'date')];

const DEAL: FieldDefinition[] = [
  field('id', 'ID', 'int'),
  field('title', 'Title', 'varchar', { description: 'The title of the deal' }),
  field('creator_user_id', 'Creator', 'user'),
  field('owner_id', 'Owner', 'user'),
  field('value', 'Value', 'monetary', {
    subfields: [
      { field_code: 'value', field_name: 'Amount of Value', field_type: 'double' },
      { field_code: 'currency', field_name: 'Currency of Value', field_type: 'varchar' },
    ],
  }),
  field('person_id', 'Contact person', 'people'),
  field('org_id', 'Organization', 'org'),
  field('pipeline_id', 'Pipeline', 'int'),
  field('stage_id', 'Stage', 'stage'),
  field('status', 'Status', 'status'),
  field('probability', 'Deal probability', 'double'),
  field('lost_reason', 'Lost reason', 'varchar'),
  field('visible_to', 'Visible to', 'visible_to', { options: VISIBLE_TO }),
  ...COMMON_TIMES,
  field('stage_change_time', 'Last stage change', 'date'),
  field('close_time', 'Deal closed on', 'date'),
  field('won_time', 'Won time', 'date'),
  field('lost_time', 'Lost time', 'date'),
  field('expected_close_date', 'Expected close date', 'date'),
  field('archive_time', 'Archive time', 'date'),
  field('is_archived', 'Archived', 'boolean'),
  field('label_ids', 'Label', 'set', {
    options: [
      { id: 1, label: 'Hot', color: 'red' },
      { id: 2, label: 'Warm', color: 'yellow' },
      { id: 3, label: 'Cold', color: 'blue' },
    ],
  }),
  field('origin', 'Source origin', 'varchar'),
  field('channel', 'Source channel', 'enum', { options: [{ id: 52, label: 'Billboards', color: null }, { id: 53, label: 'Paid search', color: null }] }),
  field('products_count', 'Number of products', 'int', { optional: true }),
  field('smart_bcc_email', 'Deal BCC address', 'varchar', { optional: true }),
];

const PERSON: FieldDefinition[] = [
  field('id', 'ID', 'int'),
  field('name', 'Name', 'varchar'),
  field('first_name', 'First name', 'varchar'),
  field('last_name', 'Last name', 'varchar'),
  field('owner_id', 'Owner', 'user'),
  field('org_id', 'Organization', 'org'),
  field('emails', 'Email', 'varchar'),
  field('phones', 'Phone', 'phone'),
  field('visible_to', 'Visible to', 'visible_to', { options: VISIBLE_TO }),
  field('label_ids', 'Labels', 'set', { options: [{ id: 11, label: 'Customer', color: 'green' }, { id: 12, label: 'Lead', color: 'blue' }] }),
  ...COMMON_TIMES,
  field('open_deals_count', 'Open deals', 'int', { optional: true }),
];

const ORGANIZATION: FieldDefinition[] = [
  field('id', 'ID', 'int'),
  field('name', 'Name', 'varchar'),
  field('owner_id', 'Owner', 'user'),
  field('address', 'Address', 'address', { subfields: ADDRESS_PARTS }),
  field('visible_to', 'Visible to', 'visible_to', { options: VISIBLE_TO }),
  field('label_ids', 'Labels', 'set', { options: [{ id: 21, label: 'Partner', color: 'purple' }, { id: 22, label: 'Prospect', color: 'gray' }] }),
  ...COMMON_TIMES,
  field('people_count', 'People', 'int', { optional: true }),
];

const PRODUCT: FieldDefinition[] = [
  field('id', 'ID', 'int'),
  field('name', 'Name', 'varchar'),
  field('code', 'Product code', 'varchar'),
  field('description', 'Description', 'text'),
  field('unit', 'Unit', 'varchar'),
  field('tax', 'Tax', 'double'),
  field('category', 'Category', 'enum', { options: [{ id: 31, label: 'Software', color: null }, { id: 32, label: 'Services', color: null }] }),
  field('is_linkable', 'Linkable', 'boolean'),
  field('owner_id', 'Owner', 'user'),
  field('visible_to', 'Visible to', 'visible_to', { options: VISIBLE_TO }),
  field('prices', 'Price', 'price_list'),
  field('billing_frequency', 'Billing frequency', 'billing_frequency'),
  ...COMMON_TIMES,
];

const ACTIVITY: FieldDefinition[] = [
  field('id', 'ID', 'int'),
  field('subject', 'Subject', 'varchar'),
  field('type', 'Type', 'varchar'),
  field('owner_id', 'Assigned to user', 'user'),
  field('deal_id', 'Deal', 'deal'),
  field('person_id', 'Contact person', 'people'),
  field('org_id', 'Organization', 'org'),
  field('due_date', 'Due date', 'date'),
  field('due_time', 'Due time', 'time'),
  field('duration', 'Duration', 'time'),
  field('busy', 'Free/busy', 'boolean'),
  field('done', 'Done', 'boolean'),
  field('location', 'Location', 'address', { subfields: ADDRESS_PARTS }),
  field('note', 'Note', 'text'),
  field('public_description', 'Public description', 'text'),
  field('priority', 'Priority', 'int'),
  ...COMMON_TIMES,
  field('attendees', 'Attendees', 'json', { optional: true }),
];

const BUILTINS: Record<FieldEntity, readonly FieldDefinition[]> = {
  deal: DEAL,
  person: PERSON,
  organization: ORGANIZATION,
  product: PRODUCT,
  activity: ACTIVITY,
};

export function builtinFields(entity: FieldEntity): FieldDefinition[] {
  return BUILTINS[entity].map((f) => ({ ...f }));
}

const YES_NO: FieldOption[] = [
  { id: 1, label: 'Yes', color: null },
  { id: 0, label: 'No', color: null },
];

/** Built-in lead fields (GET /v1/leadFields); the deal custom fields follow them (reference §2c). */
const LEAD: FieldDefinition[] = [
  field('title', 'Title', 'varchar'),
  field('owner_id', 'Owner', 'user'),
  field('creator_id', 'Creator', 'user'),
  field('person_id', 'Contact person', 'people'),
  field('organization_id', 'Organization', 'org'),
  field('value', 'Value', 'monetary'),
  field('expected_close_date', 'Expected close date', 'date'),
  // Lead label ids are UUIDs, which the v1 option schema (integer ids) cannot carry.
  field('label_ids', 'Labels', 'set'),
  field('source_name', 'Source', 'varchar'),
  field('channel', 'Source channel', 'enum', { options: [{ id: 52, label: 'Billboards', color: null }, { id: 53, label: 'Paid search', color: null }] }),
  field('visible_to', 'Visible to', 'visible_to', { options: VISIBLE_TO }),
  field('was_seen', 'Seen', 'enum', { options: YES_NO }),
  ...COMMON_TIMES,
];

/** GET /v1/noteFields: notes have no custom fields; the pinned flags are Yes/No enums as in the spec example. */
const NOTE: FieldDefinition[] = [
  field('content', 'Content', 'text'),
  field('user_id', 'Author', 'user'),
  field('deal_id', 'Deal', 'deal'),
  field('person_id', 'Person', 'people'),
  field('org_id', 'Organization', 'org'),
  field('lead_id', 'Lead', 'lead'),
  ...['lead', 'deal', 'organization', 'person', 'project'].map((parent) => field(`pinned_to_${parent}_flag`, `Note is pinned to ${parent}`, 'enum', { options: YES_NO })),
  ...COMMON_TIMES,
];

export function leadFieldDefinitions(): FieldDefinition[] {
  return LEAD.map((f) => ({ ...f }));
}

export function noteFieldDefinitions(): FieldDefinition[] {
  return NOTE.map((f) => ({ ...f }));
}
