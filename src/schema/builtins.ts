/**
 * Built-in columns of each table, named exactly as the API returns the keys (v2 names; v1 for
 * users) and typed from the record shapes in shared/reference/pipedrive-api.md §9. Keys a record
 * carries that are not listed here are still loaded, into inferred columns (see shape.ts).
 *
 * Fields v2 returns only when asked for with `include_fields` (activity and mail counts,
 * first_won_time, smart_bcc_email …) are not requested, so they are not declared: their counts
 * change without bumping update_time, and incremental loads would keep stale values.
 *
 * Typing choices: ids and counts are bigint; money amounts are decimal; probabilities and tax
 * rates are double (Pipedrive stores them as floats); nested objects and arrays (emails, phones,
 * label_ids, prices, address objects, participants) are json; `duration` is text because an
 * activity may last longer than a time-of-day column can hold.
 */
import type { ColumnSpec, LogicalType } from './types.js';
import { MORE_BUILTINS } from './builtins-more.js';

type Columns = Readonly<Record<string, LogicalType>>;

function columns(spec: Columns): readonly ColumnSpec[] {
  return Object.entries(spec).map(([name, type]) => ({ name, type }));
}


const DEALS: Columns = {
  id: 'bigint',
  title: 'string',
  creator_user_id: 'bigint',
  owner_id: 'bigint',
  value: 'decimal',
  currency: 'string',
  person_id: 'bigint',
  org_id: 'bigint',
  pipeline_id: 'bigint',
  stage_id: 'bigint',
  status: 'string',
  is_archived: 'boolean',
  is_deleted: 'boolean',
  probability: 'double',
  lost_reason: 'string',
  visible_to: 'bigint',
  add_time: 'timestamp',
  update_time: 'timestamp',
  stage_change_time: 'timestamp',
  archive_time: 'timestamp',
  close_time: 'timestamp',
  won_time: 'timestamp',
  lost_time: 'timestamp',
  expected_close_date: 'date',
  local_won_date: 'date',
  local_lost_date: 'date',
  local_close_date: 'date',
  label_ids: 'json',
  origin: 'string',
  origin_id: 'string',
  channel: 'bigint',
  channel_id: 'string',
  acv: 'decimal',
  arr: 'decimal',
  mrr: 'decimal',
};

const PERSONS: Columns = {
  id: 'bigint',
  name: 'string',
  first_name: 'string',
  last_name: 'string',
  owner_id: 'bigint',
  org_id: 'bigint',
  add_time: 'timestamp',
  update_time: 'timestamp',
  emails: 'json',
  phones: 'json',
  is_deleted: 'boolean',
  visible_to: 'bigint',
  label_ids: 'json',
  picture_id: 'bigint',
  notes: 'string',
  im: 'json',
  birthday: 'date',
  job_title: 'string',
  postal_address: 'json',
};

const ORGANIZATIONS: Columns = {
  id: 'bigint',
  name: 'string',
  owner_id: 'bigint',
  add_time: 'timestamp',
  update_time: 'timestamp',
  is_deleted: 'boolean',
  visible_to: 'bigint',
  label_ids: 'json',
  picture_id: 'bigint',
  address: 'json',
};

const ACTIVITIES: Columns = {
  id: 'bigint',
  subject: 'string',
  type: 'string',
  owner_id: 'bigint',
  creator_user_id: 'bigint',
  is_deleted: 'boolean',
  add_time: 'timestamp',
  update_time: 'timestamp',
  deal_id: 'bigint',
  lead_id: 'string',
  person_id: 'bigint',
  org_id: 'bigint',
  project_id: 'bigint',
  due_date: 'date',
  due_time: 'time',
  duration: 'string',
  busy: 'boolean',
  done: 'boolean',
  marked_as_done_time: 'timestamp',
  location: 'json',
  participants: 'json',
  attendees: 'json',
  conference_meeting_client: 'string',
  conference_meeting_url: 'string',
  conference_meeting_id: 'string',
  public_description: 'string',
  priority: 'bigint',
  note: 'string',
  private: 'boolean',
};

const PRODUCTS: Columns = {
  id: 'bigint',
  name: 'string',
  code: 'string',
  description: 'string',
  unit: 'string',
  tax: 'double',
  category: 'string',
  is_linkable: 'boolean',
  is_deleted: 'boolean',
  visible_to: 'bigint',
  owner_id: 'bigint',
  add_time: 'timestamp',
  update_time: 'timestamp',
  billing_frequency: 'string',
  billing_frequency_cycles: 'bigint',
  prices: 'json',
};

const PIPELINES: Columns = {
  id: 'bigint',
  name: 'string',
  order_nr: 'bigint',
  is_deleted: 'boolean',
  is_deal_probability_enabled: 'boolean',
  add_time: 'timestamp',
  update_time: 'timestamp',
};

const STAGES: Columns = {
  id: 'bigint',
  order_nr: 'bigint',
  name: 'string',
  is_deleted: 'boolean',
  deal_probability: 'bigint',
  pipeline_id: 'bigint',
  is_deal_rot_enabled: 'boolean',
  days_to_rotten: 'bigint',
  add_time: 'timestamp',
  update_time: 'timestamp',
};

/** v1 users: `created`/`modified` (UTC, no zone) instead of add_time/update_time. */
const USERS: Columns = {
  id: 'bigint',
  name: 'string',
  email: 'string',
  phone: 'string',
  default_currency: 'string',
  locale: 'string',
  lang: 'bigint',
  activated: 'boolean',
  active_flag: 'boolean',
  is_deleted: 'boolean',
  is_you: 'boolean',
  has_created_company: 'boolean',
  last_login: 'timestamp',
  created: 'timestamp',
  modified: 'timestamp',
  access: 'json',
  timezone_name: 'string',
  timezone_offset: 'string',
  role_id: 'bigint',
  icon_url: 'string',
};

/** Rows of the `<entity>_fields` tables are v2 field definitions. */
const FIELD_DEFINITIONS: Columns = {
  field_code: 'string',
  field_name: 'string',
  field_type: 'string',
  description: 'string',
  options: 'json',
  subfields: 'json',
  is_custom_field: 'boolean',
  is_optional_response_field: 'boolean',
};

const fieldTables = Object.fromEntries(
  ['deal', 'person', 'organization', 'product', 'activity', 'note', 'lead'].map((entity) => [
    `${entity}_fields`,
    columns(FIELD_DEFINITIONS),
  ]),
);

/** Built-in columns by table name (system columns are added by the table model). */
export const BUILTIN_COLUMNS: Readonly<Record<string, readonly ColumnSpec[]>> = {
  deals: columns(DEALS),
  persons: columns(PERSONS),
  organizations: columns(ORGANIZATIONS),
  activities: columns(ACTIVITIES),
  products: columns(PRODUCTS),
  pipelines: columns(PIPELINES),
  stages: columns(STAGES),
  users: columns(USERS),
  ...Object.fromEntries(Object.entries(MORE_BUILTINS).map(([table, spec]) => [table, columns(spec)])),
  ...fieldTables,
};

export function builtinColumnsOf(table: string): readonly ColumnSpec[] {
  return Object.hasOwn(BUILTIN_COLUMNS, table) ? (BUILTIN_COLUMNS[table] ?? []) : [];
}
