/**
 * v1 endpoints: users (unpaginated), users/me (with `access` and company data), and the v1 field
 * lists (deal, person, organization, product, activity, lead, note), which are offset-paginated.
 * The record lists live in routes-v1-lists.ts (offset) and routes-v1-setup.ts (unpaginated).
 */
import type { FieldDefinition } from '../pipedrive/fields.js';
import type { Dataset, SandboxFieldEntity } from './dataset.js';
import type { SandboxRecord } from './generation-context.js';
import type { Reply } from './http-util.js';
import { ApiError, jsonReply } from './http-util.js';
import type { ApiRequest } from './routes-v2.js';
import { v1Timestamp } from './time.js';

export interface OffsetPage<T> {
  readonly data: T[] | null;
  readonly additional_data: {
    readonly pagination: { start: number; limit: number; more_items_in_collection: boolean; next_start?: number };
  };
}

/**
 * v1 offset paging (reference §3): `start` (default 0) and `limit` (default 100, max `maxLimit`);
 * `next_start` only when more items exist; `data: null` instead of `[]` when the page is empty.
 */
export function offsetPage<T>(items: readonly T[], query: URLSearchParams, maxLimit = 500): OffsetPage<T> {
  const number = (name: string, fallback: number): number => {
    const raw = query.get(name);
    if (raw === null || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new ApiError(400, `Parameter '${name}' must be a non-negative integer`);
    return Number(raw);
  };
  const start = number('start', 0);
  const limit = number('limit', 100);
  if (limit < 1 || limit > maxLimit) throw new ApiError(400, `Parameter 'limit' must be between 1 and ${maxLimit}`);
  const page = items.slice(start, start + limit);
  const more = start + page.length < items.length;
  return {
    data: page.length ? page : null,
    additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + page.length } : {}) } },
  };
}

/**
 * The company a sandbox plays: one per seed and size, since two such sandboxes hold different
 * records, like two Pipedrive companies. The loader keeps the company of each schema and refuses
 * a token of another one (src/load/preflight.ts), so loading seed 2 into a schema filled from
 * seed 1 stops as loading another real company would. Seed 1 with 1,000 deals is company
 * 10_001_000, `sandbox-s1-d1000`.
 */
export function sandboxCompany(seed: number, deals: number): Record<string, unknown> {
  return {
    company_id: seed * 10_000_000 + deals,
    company_name: `Sandbox Company OÜ, seed ${seed}, ${deals} deals`,
    company_domain: `sandbox-s${seed}-d${deals}`,
    company_country: 'EE',
    company_industry: 'Software',
    language: { language_code: 'en', country_code: 'US' },
  };
}

function user(dataset: Dataset, id: number, viewerId: number): SandboxRecord {
  const record = dataset.store('users').get(id);
  record.is_you = id === viewerId;
  return record;
}

export function handleUsersMe(dataset: Dataset, request: ApiRequest): Reply {
  return jsonReply(200, {
    success: true,
    data: { ...user(dataset, request.viewer.userId, request.viewer.userId), ...sandboxCompany(dataset.ctx.seed, dataset.ctx.counts.deals) },
  });
}

export function handleUsers(dataset: Dataset, request: ApiRequest): Reply {
  const count = dataset.store('users').count;
  const data = Array.from({ length: count }, (_, i) => user(dataset, i + 1, request.viewer.userId));
  return jsonReply(200, { success: true, data });
}

/**
 * v1.yml declares only the creatable types (+ visible_to) for v1 field lists; built-in fields
 * with other v2 types are reported with the closest declared one.
 */
const V1_TYPE: Record<string, string> = { int: 'double', boolean: 'enum', status: 'enum', stage: 'enum', deal: 'double', lead: 'varchar', json: 'text', price_list: 'text', billing_frequency: 'enum' };

/** The v1 shape of a field: numeric id, `key`, `name`, `edit_flag` (custom), v1 timestamps. */
function v1Field(field: FieldDefinition, index: number, stamp: string): SandboxRecord {
  return {
    id: index + 1,
    key: field.field_code,
    name: field.field_name,
    order_nr: index,
    field_type: V1_TYPE[field.field_type] ?? field.field_type,
    add_time: stamp,
    update_time: stamp,
    last_updated_by_user_id: 1,
    created_by_user_id: 1,
    active_flag: true,
    edit_flag: field.is_custom_field,
    index_visible_flag: true,
    details_visible_flag: true,
    add_visible_flag: true,
    important_flag: false,
    bulk_edit_allowed: true,
    searchable_flag: false,
    filtering_allowed: true,
    sortable_flag: true,
    mandatory_flag: false,
    options: field.options ? field.options.map((o) => ({ id: o.id, label: o.label })) : null,
  };
}

const V1_FIELD_PATHS: Record<string, SandboxFieldEntity> = {
  '/dealFields': 'deal',
  '/personFields': 'person',
  '/organizationFields': 'organization',
  '/productFields': 'product',
  '/activityFields': 'activity',
  '/leadFields': 'lead',
  '/noteFields': 'note',
};

export function isV1FieldsPath(path: string): boolean {
  return path in V1_FIELD_PATHS;
}

export function handleV1Fields(dataset: Dataset, request: ApiRequest): Reply {
  const entity = V1_FIELD_PATHS[request.path];
  if (!entity) throw new ApiError(404, 'Unknown method .');
  const stamp = v1Timestamp(dataset.ctx.startSecond - 5 * 365 * 86_400);
  const fields = dataset.fieldDefinitions(entity).map((f, i) => v1Field(f, i, stamp));
  return jsonReply(200, { success: true, ...offsetPage(fields, request.query) });
}
