/**
 * v2 list endpoints with the real API's parameter rules: cursor keyset pagination, limit 1..500,
 * strict `updated_since`/`updated_until` on the incremental entities only, per-endpoint `sort_by`,
 * deal `status` semantics (deleted only on request, archived never in /deals), and visibility.
 */
import type { FieldEntity } from '../pipedrive/catalog.js';
import { CursorError, decodeCursor, encodeCursor } from './cursor.js';
import type { Dataset } from './dataset.js';
import type { EntityStore } from './entity-store.js';
import type { SandboxEntity } from './generation-context.js';
import type { Reply } from './http-util.js';
import { ApiError, successReply, successReplyFromJson } from './http-util.js';
import { shapeCustomFields } from './serve-record.js';
import type { Direction, KeyedId } from './sort-index.js';
import { parseStrictTimestamp } from './time.js';

export interface Viewer {
  readonly userId: number;
  readonly admin: boolean;
}

export interface ApiRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly viewer: Viewer;
}

interface ListSpec {
  readonly entity: SandboxEntity;
  readonly fieldEntity?: FieldEntity;
  readonly sortFields: readonly string[];
  /** Whether updated_since/updated_until are accepted (400 otherwise). */
  readonly incremental: boolean;
  /** Deals only: which deals this endpoint lists at all. */
  readonly archived?: boolean;
  readonly hasStatus?: boolean;
  /** Visibility applies (the entity has an owner and visible_to). */
  readonly private: boolean;
  /** Filters on other record fields (integers; `done` is boolean). They read the records, so they are slower. */
  readonly recordFilters?: readonly string[];
}

const BASIC_SORT = ['id', 'update_time', 'add_time'];
const DEAL_FILTERS = ['person_id', 'org_id', 'pipeline_id', 'stage_id'];

const LISTS: Record<string, ListSpec> = {
  '/deals': { entity: 'deals', fieldEntity: 'deal', sortFields: BASIC_SORT, incremental: true, archived: false, hasStatus: true, private: true, recordFilters: DEAL_FILTERS },
  '/deals/archived': { entity: 'deals', fieldEntity: 'deal', sortFields: BASIC_SORT, incremental: true, archived: true, hasStatus: true, private: true, recordFilters: DEAL_FILTERS },
  '/persons': { entity: 'persons', fieldEntity: 'person', sortFields: BASIC_SORT, incremental: true, private: true, recordFilters: ['org_id'] },
  '/organizations': { entity: 'organizations', fieldEntity: 'organization', sortFields: BASIC_SORT, incremental: true, private: true },
  '/activities': { entity: 'activities', fieldEntity: 'activity', sortFields: [...BASIC_SORT, 'due_date'], incremental: true, private: true, recordFilters: ['deal_id', 'person_id', 'org_id', 'done'] },
  '/products': { entity: 'products', fieldEntity: 'product', sortFields: ['id', 'name', 'add_time', 'update_time'], incremental: false, private: true },
  '/pipelines': { entity: 'pipelines', sortFields: BASIC_SORT, incremental: false, private: false },
  '/stages': { entity: 'stages', sortFields: [...BASIC_SORT, 'order_nr'], incremental: false, private: false, recordFilters: ['pipeline_id'] },
};

const PURGE_AFTER_SECONDS = 30 * 86_400;
const DEAL_STATUSES = new Set(['open', 'won', 'lost', 'deleted']);
const SHARED = new Set([3, 5, 7]);

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ApiError(400, `Parameter '${name}' must be an integer`);
  return Number(raw);
}

function limitParam(query: URLSearchParams): number {
  const limit = integerParam(query, 'limit') ?? 100;
  if (limit < 1 || limit > 500) throw new ApiError(400, "Parameter 'limit' must be between 1 and 500");
  return limit;
}

function timeParam(query: URLSearchParams, name: string, allowed: boolean): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!allowed) throw new ApiError(400, `Parameter '${name}' is not allowed for this endpoint`);
  const seconds = parseStrictTimestamp(raw);
  if (seconds === undefined) throw new ApiError(400, `Parameter '${name}' must be a valid RFC3339 datetime (YYYY-MM-DDTHH:MM:SSZ)`);
  return seconds;
}

function idsParam(query: URLSearchParams, name: string, max: number): Set<number> | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const parts = raw.split(',');
  if (parts.length > max) throw new ApiError(400, `Parameter '${name}' accepts at most ${max} ids`);
  if (!parts.every((p) => /^\d+$/.test(p.trim()))) throw new ApiError(400, `Parameter '${name}' must be a comma separated list of integers`);
  return new Set(parts.map((p) => Number(p.trim())));
}

function statusParam(query: URLSearchParams): Set<string> {
  const raw = query.get('status');
  if (raw === null || raw === '') return new Set(['open', 'won', 'lost']);
  const statuses = raw.split(',').map((s) => s.trim());
  for (const status of statuses) {
    if (!DEAL_STATUSES.has(status)) throw new ApiError(400, `Parameter 'status' must be one of open, won, lost, deleted`);
  }
  return new Set(statuses);
}

function recordFiltersOf(spec: ListSpec, query: URLSearchParams): Array<[string, number | boolean]> {
  const filters: Array<[string, number | boolean]> = [];
  for (const name of spec.recordFilters ?? []) {
    if (name === 'done') {
      const raw = query.get('done');
      if (raw === null || raw === '') continue;
      if (!['true', 'false', '1', '0'].includes(raw)) throw new ApiError(400, "Parameter 'done' must be a boolean");
      filters.push(['done', raw === 'true' || raw === '1']);
    } else {
      const value = integerParam(query, name);
      if (value !== undefined) filters.push([name, value]);
    }
  }
  return filters;
}

function matchesAll(record: Record<string, unknown>, filters: ReadonlyArray<[string, number | boolean]>): boolean {
  return filters.every(([field, value]) => record[field] === value);
}

export function canSee(store: EntityStore, id: number, viewer: Viewer, isPrivate: boolean): boolean {
  if (viewer.admin || !isPrivate) return true;
  return SHARED.has(store.visibleToOf(id)) || store.ownerOf(id) === viewer.userId;
}

/** Whether an endpoint lists a record at all (deals: by archived flag and status). */
function inScope(spec: ListSpec, store: EntityStore, id: number, statuses: ReadonlySet<string>, nowSecond: number): boolean {
  if (spec.hasStatus) {
    if (store.isArchived(id) !== spec.archived) return false;
    const status = store.statusOf(id);
    // Deleted deals are purged 30 days after deletion (= their update_time).
    if (status === 'deleted' && nowSecond - store.updateTimeOf(id) > PURGE_AFTER_SECONDS) return false;
    return statuses.has(status);
  }
  // Other entities drop out of their lists once deleted, as in the real API.
  return !store.isDeleted(id);
}

/**
 * Whether any list endpoint serves the record to an admin: deals while not purged (deleted ones
 * via status=deleted, archived ones via /deals/archived), users always, others until deleted.
 */
export function isServedToAdmin(store: EntityStore, id: number, nowSecond: number): boolean {
  if (store.entity === 'users') return true;
  // Deleted projects stay listable (status=deleted; the spec names no purge window).
  if (store.entity === 'projects') return true;
  if (store.entity !== 'deals') return !store.isDeleted(id);
  return !store.isDeleted(id) || nowSecond - store.updateTimeOf(id) <= PURGE_AFTER_SECONDS;
}

export function isListPath(path: string): boolean {
  return path in LISTS;
}

export function handleList(dataset: Dataset, request: ApiRequest): Reply {
  const spec = LISTS[request.path];
  if (!spec) throw new ApiError(404, 'Unknown method .');
  const { query, viewer } = request;
  const limit = limitParam(query);
  const sortBy = query.get('sort_by') ?? 'id';
  if (!spec.sortFields.includes(sortBy)) throw new ApiError(400, `Parameter 'sort_by' must be one of ${spec.sortFields.join(', ')}`);
  const directionRaw = query.get('sort_direction') ?? 'asc';
  if (directionRaw !== 'asc' && directionRaw !== 'desc') throw new ApiError(400, "Parameter 'sort_direction' must be one of asc, desc");
  const direction: Direction = directionRaw;
  const updatedSince = timeParam(query, 'updated_since', spec.incremental);
  const updatedUntil = timeParam(query, 'updated_until', spec.incremental);
  const ids = idsParam(query, 'ids', 100);
  const ownerId = integerParam(query, 'owner_id');
  const recordFilters = recordFiltersOf(spec, query);
  const statuses = spec.hasStatus ? statusParam(query) : new Set<string>();
  const cursor = query.get('cursor');
  let after: KeyedId | undefined;
  try {
    after = cursor ? decodeCursor(cursor, sortBy, direction) : undefined;
  } catch (error) {
    if (error instanceof CursorError) throw new ApiError(400, error.message);
    throw error;
  }
  const customFieldKeys = query.get('custom_fields') ? new Set((query.get('custom_fields') ?? '').split(',')) : undefined;
  if (customFieldKeys && customFieldKeys.size > 15) throw new ApiError(400, "Parameter 'custom_fields' accepts at most 15 keys");

  const store = dataset.store(spec.entity);
  const result = store.list({
    sortBy,
    direction,
    after,
    limit,
    updatedSince,
    updatedUntil,
    candidates: ids,
    accept: (id) =>
      inScope(spec, store, id, statuses, dataset.now) &&
      (ownerId === undefined || store.ownerOf(id) === ownerId) &&
      canSee(store, id, viewer, spec.private) &&
      (recordFilters.length === 0 || matchesAll(store.get(id), recordFilters)),
  });
  const catalog = spec.fieldEntity ? dataset.fields[spec.fieldEntity] : undefined;
  const includeOptionLabels = query.get('include_option_labels') === 'true';
  const nextCursor = result.next ? encodeCursor(sortBy, direction, result.next) : null;
  if (includeOptionLabels || customFieldKeys) {
    const data = result.ids.map((id) => shapeCustomFields(store.get(id), catalog, { includeOptionLabels, customFieldKeys }));
    return successReply(data, { next_cursor: nextCursor });
  }
  // The default shape depends only on the record and the field catalogs: served from the store's cache.
  const render = (id: number): string => JSON.stringify(shapeCustomFields(store.get(id), catalog));
  return successReplyFromJson(result.ids.map((id) => store.servedJson(id, dataset.fieldsVersion, render)), { next_cursor: nextCursor });
}

const FIELD_PATHS: Record<string, FieldEntity> = {
  '/dealFields': 'deal',
  '/personFields': 'person',
  '/organizationFields': 'organization',
  '/productFields': 'product',
  '/activityFields': 'activity',
};

export function isFieldsPath(path: string): boolean {
  return path in FIELD_PATHS;
}

/** GET /api/v2/{entity}Fields: cursor-paged by position (fields are only ever appended). */
export function handleFields(dataset: Dataset, request: ApiRequest): Reply {
  const entity = FIELD_PATHS[request.path];
  if (!entity) throw new ApiError(404, 'Unknown method .');
  const limit = limitParam(request.query);
  const cursor = request.query.get('cursor');
  let start = 0;
  if (cursor) {
    try {
      start = decodeCursor(cursor, 'order', 'asc').id;
    } catch {
      throw new ApiError(400, 'Invalid cursor');
    }
  }
  const all = dataset.fields[entity].definitions();
  const page = all.slice(start, start + limit);
  const end = start + page.length;
  const nextCursor = end < all.length ? encodeCursor('order', 'asc', { key: end, id: end }) : null;
  return successReply(page, { next_cursor: nextCursor });
}
