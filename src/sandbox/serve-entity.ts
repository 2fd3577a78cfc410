/**
 * Turns a stored record of any entity into what its list endpoint returns, and says whether any
 * list serves it to an admin (for `Sandbox.records`). One place, so the API, the control routes
 * and `records()` can never disagree about a shape.
 */
import type { Dataset } from './dataset.js';
import { DELETED_MARKER } from './entity-store.js';
import type { FieldCatalog } from './field-catalog.js';
import type { SandboxEntity, SandboxRecord } from './generation-context.js';
import { isServedToAdmin } from './routes-v2.js';
import { shapeCustomFields } from './serve-record.js';

const CUSTOM_FIELD_CATALOG: Partial<Record<SandboxEntity, 'deal' | 'person' | 'organization' | 'product' | 'activity'>> = {
  deals: 'deal', persons: 'person', organizations: 'organization', products: 'product', activities: 'activity',
};

/**
 * Leads carry the deal custom fields as flat v1 hash keys (reference §5c): monetary → `K` +
 * `K_currency`, ranges → `K` + `K_until`, address → `K` + `K_<part>`, enum → option id as a
 * string, set → comma-separated ids. Unset fields are omitted, as the real leads API does.
 */
export function flattenLeadCustomFields(record: SandboxRecord, catalog: FieldCatalog): SandboxRecord {
  const stored = (record.custom_fields ?? {}) as Record<string, unknown>;
  delete record.custom_fields;
  for (const field of catalog.custom) {
    const value = stored[field.key];
    if (value === null || value === undefined) continue;
    const key = field.key;
    const parts = typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    switch (field.type) {
      case 'monetary':
        record[key] = parts?.value ?? null;
        record[`${key}_currency`] = parts?.currency ?? null;
        break;
      case 'daterange':
      case 'timerange':
        record[key] = parts?.value ?? null;
        record[`${key}_until`] = parts?.until ?? null;
        break;
      case 'time':
        record[key] = parts?.value ?? null;
        break;
      case 'address':
        for (const [part, partValue] of Object.entries(parts ?? {})) record[part === 'value' ? key : `${key}_${part}`] = partValue;
        break;
      case 'enum':
        record[key] = String(value);
        break;
      case 'set':
        record[key] = Array.isArray(value) ? value.join(',') : String(value);
        break;
      default:
        record[key] = value;
    }
  }
  return record;
}

function titleOf(dataset: Dataset, entity: 'deals' | 'persons' | 'organizations' | 'products' | 'leads', id: unknown, field: string): string | null {
  const store = dataset.store(entity);
  if (typeof id !== 'number' || !store.has(id)) return null;
  const value = store.get(id)[field];
  return typeof value === 'string' ? value : null;
}

function userSummary(dataset: Dataset, userId: unknown, viewerUserId: number): SandboxRecord | null {
  const users = dataset.store('users');
  if (typeof userId !== 'number' || !users.has(userId)) return null;
  const user = users.get(userId);
  return { email: user.email, icon_url: user.icon_url, is_you: userId === viewerUserId, name: user.name };
}

/** Notes and files repeat their parents' names, as the v1 API denormalizes them (reference §9b). */
function withParentNames(dataset: Dataset, entity: 'notes' | 'files', record: SandboxRecord, viewerUserId: number): SandboxRecord {
  const dealTitle = titleOf(dataset, 'deals', record.deal_id, 'title');
  const personName = titleOf(dataset, 'persons', record.person_id, 'name');
  const orgName = titleOf(dataset, 'organizations', record.org_id, 'name');
  if (entity === 'notes') {
    record.deal = dealTitle === null ? null : { title: dealTitle };
    record.person = personName === null ? null : { name: personName };
    record.organization = orgName === null ? null : { name: orgName };
    record.project = null;
    record.user = userSummary(dataset, record.user_id, viewerUserId);
    return record;
  }
  record.deal_name = dealTitle ?? '';
  record.person_name = personName ?? '';
  record.org_name = orgName ?? '';
  record.product_name = titleOf(dataset, 'products', record.product_id, 'name') ?? '';
  record.lead_name = '';
  return record;
}

/** The record as the entity's GET serves it to `viewerUserId`. */
export function serveRecord(dataset: Dataset, entity: SandboxEntity, id: number, viewerUserId: number): SandboxRecord {
  const record = dataset.store(entity).get(id);
  delete record[DELETED_MARKER];
  if (entity === 'users') record.is_you = id === viewerUserId;
  if (entity === 'leads') return flattenLeadCustomFields(record, dataset.fields.deal);
  if (entity === 'notes' || entity === 'files') return withParentNames(dataset, entity, record, viewerUserId);
  const catalog = CUSTOM_FIELD_CATALOG[entity];
  return shapeCustomFields(record, catalog ? dataset.fields[catalog] : undefined);
}

/**
 * Whether some list serves the record to an admin: deals until purged, users and activity types
 * always (inactive ones included), call logs when they are the admin's own, others until deleted.
 */
export function isListedForAdmin(dataset: Dataset, entity: SandboxEntity, id: number, adminUserId: number): boolean {
  const store = dataset.store(entity);
  if (entity === 'activityTypes') return true;
  if (entity === 'callLogs') return !store.isDeleted(id) && store.ownerOf(id) === adminUserId;
  return isServedToAdmin(store, id, dataset.now);
}
