/**
 * Built-in columns of the secondary tables: the v1 entities (leads, notes, files, setup lists,
 * call logs, goals), deal products and the Projects add-on's lists. Same rules as builtins.ts:
 * API key names, ids bigint (strings where Pipedrive uses UUIDs or hashes), money decimal,
 * nested objects json, v1 timestamps typed as timestamps so they load as UTC.
 */
import type { LogicalType } from './types.js';

export type Columns = Readonly<Record<string, LogicalType>>;

const TIMES: Columns = { add_time: 'timestamp', update_time: 'timestamp' };

export const MORE_BUILTINS: Readonly<Record<string, Columns>> = {
  leads: {
    id: 'string', title: 'string', owner_id: 'bigint', creator_id: 'bigint', label_ids: 'json',
    person_id: 'bigint', organization_id: 'bigint', source_name: 'string', origin: 'string', origin_id: 'string',
    channel: 'bigint', channel_id: 'string', source_deal_id: 'bigint', is_archived: 'boolean', was_seen: 'boolean',
    value: 'json', expected_close_date: 'date', next_activity_id: 'bigint', ...TIMES, visible_to: 'bigint', cc_email: 'string',
  },
  lead_labels: { id: 'string', name: 'string', color: 'string', ...TIMES },
  lead_sources: { name: 'string' },
  notes: {
    id: 'bigint', user_id: 'bigint', last_update_user_id: 'bigint', content: 'string', ...TIMES, active_flag: 'boolean',
    deal_id: 'bigint', lead_id: 'string', person_id: 'bigint', org_id: 'bigint', project_id: 'bigint', task_id: 'bigint',
    pinned_to_lead_flag: 'boolean', pinned_to_deal_flag: 'boolean', pinned_to_organization_flag: 'boolean',
    pinned_to_person_flag: 'boolean', pinned_to_project_flag: 'boolean', pinned_to_task_flag: 'boolean',
    deal: 'json', person: 'json', organization: 'json', project: 'json', user: 'json',
  },
  files: {
    id: 'bigint', user_id: 'bigint', deal_id: 'bigint', person_id: 'bigint', org_id: 'bigint', product_id: 'bigint',
    activity_id: 'bigint', lead_id: 'string', log_id: 'string', ...TIMES, file_name: 'string', file_type: 'string',
    file_size: 'bigint', active_flag: 'boolean', inline_flag: 'boolean', remote_location: 'string', remote_id: 'string',
    cid: 'string', s3_bucket: 'string', mail_message_id: 'string', mail_template_id: 'string', url: 'string',
    name: 'string', description: 'string', deal_name: 'string', person_name: 'string', org_name: 'string',
    product_name: 'string', lead_name: 'string',
  },
  filters: {
    id: 'bigint', name: 'string', filter_code: 'string', is_editable: 'boolean', active_flag: 'boolean', type: 'string',
    temporary_flag: 'boolean', user_id: 'bigint', ...TIMES, last_used_time: 'timestamp', visible_to: 'bigint',
    custom_view_id: 'bigint',
  },
  currencies: {
    id: 'bigint', code: 'string', name: 'string', decimal_points: 'bigint', symbol: 'string', active_flag: 'boolean',
    is_custom_flag: 'boolean',
  },
  activity_types: {
    id: 'bigint', order_nr: 'bigint', name: 'string', key_string: 'string', icon_key: 'string', active_flag: 'boolean',
    color: 'string', is_custom_flag: 'boolean', ...TIMES,
  },
  call_logs: {
    id: 'string', activity_id: 'bigint', person_id: 'bigint', org_id: 'bigint', deal_id: 'bigint', lead_id: 'string',
    subject: 'string', duration: 'string', outcome: 'string', from_phone_number: 'string', to_phone_number: 'string',
    has_recording: 'boolean', start_time: 'timestamp', end_time: 'timestamp', user_id: 'bigint', company_id: 'bigint',
    note: 'string',
  },
  goals: {
    id: 'string', owner_id: 'bigint', title: 'string', type: 'json', assignee: 'json', interval: 'string',
    duration: 'json', expected_outcome: 'json', is_active: 'boolean', report_ids: 'json',
  },
  deal_products: {
    id: 'bigint', deal_id: 'bigint', product_id: 'bigint', product_variation_id: 'bigint', name: 'string',
    order_nr: 'bigint', sum: 'decimal', tax: 'double', currency: 'string', discount: 'decimal', discount_type: 'string',
    quantity: 'double', item_price: 'decimal', tax_method: 'string', is_enabled: 'boolean', comments: 'string',
    billing_frequency: 'string', billing_frequency_cycles: 'bigint', billing_start_date: 'date', ...TIMES,
  },
  projects: {
    id: 'bigint', title: 'string', status: 'string', board_id: 'bigint', phase_id: 'bigint', owner_id: 'bigint',
    start_date: 'date', end_date: 'date', deal_ids: 'json', person_ids: 'json', org_ids: 'json', label_ids: 'json',
    health_status: 'string', ...TIMES, status_change_time: 'timestamp', archive_time: 'timestamp',
  },
  tasks: {
    id: 'bigint', title: 'string', creator_id: 'bigint', project_id: 'bigint', is_done: 'boolean',
    is_milestone: 'boolean', due_date: 'date', start_date: 'date', parent_task_id: 'bigint', assignee_ids: 'json',
    priority: 'bigint', ...TIMES, marked_as_done_time: 'timestamp',
  },
};
