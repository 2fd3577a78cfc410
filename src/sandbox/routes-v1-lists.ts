/**
 * v1 offset-paginated lists: leads, archived leads, notes, files and call logs (reference §2b,
 * §3). `start`/`limit` paging with per-endpoint maximum limits (files 100, call logs 50 — above
 * → 400), `sort=field [ASC|DESC]`, `updated_since` (RFC3339, inclusive) on leads and notes, and
 * record filters. Leads put `start`/`limit`/`more_items_in_collection` directly in
 * `additional_data` with no `next_start` (KNOWN-QUIRKS); the others use `pagination`.
 *
 * Offset pages are computed like the real API's: by position in the current ordering, so a delete
 * between two pages shifts later rows. To stay fast at a million rows, the keyset position of a
 * page's end is remembered and reused by the next page only while the store has not changed.
 */
import type { Dataset } from './dataset.js';
import type { SandboxEntity } from './generation-context.js';
import type { Reply } from './http-util.js';
import { ApiError, jsonReply } from './http-util.js';
import type { ApiRequest } from './routes-v2.js';
import { canSee } from './routes-v2.js';
import { serveRecord } from './serve-entity.js';
import type { Direction, KeyedId } from './sort-index.js';
import { parseRfc3339Millis } from './time.js';
import { millisOf, slotOfUuid } from './uuid-ids.js';

type FilterKind = 'int' | 'lead-uuid' | 'flag';

interface OffsetListSpec {
  readonly entity: SandboxEntity;
  readonly maxLimit: number;
  /** Accepted `sort` fields; empty = the endpoint has no sort parameter (it is ignored). */
  readonly sortFields: readonly string[];
  /** `updated_since` is honoured; elsewhere it is ignored, as v1 ignores unknown parameters. */
  readonly incremental: boolean;
  /** Leads only: which of archived/live leads the endpoint lists. */
  readonly archived?: boolean;
  readonly private: boolean;
  /** Call logs: only the token user's own records. */
  readonly ownOnly?: boolean;
  readonly flatPagination?: boolean;
  /** Query parameter → record field. `owner_id`/`user_id` use the owner column. */
  readonly filters: ReadonlyArray<{ readonly param: string; readonly field: string; readonly kind: FilterKind }>;
}

const LEAD_SORTS = ['id', 'title', 'owner_id', 'creator_id', 'was_seen', 'expected_close_date', 'next_activity_id', 'add_time', 'update_time'];
const LEAD_FILTERS = [
  { param: 'person_id', field: 'person_id', kind: 'int' },
  { param: 'organization_id', field: 'organization_id', kind: 'int' },
] as const;
const PINNED = ['lead', 'deal', 'organization', 'person', 'project', 'task'].map((p) => ({ param: `pinned_to_${p}_flag`, field: `pinned_to_${p}_flag`, kind: 'flag' as const }));

const LISTS: Record<string, OffsetListSpec> = {
  '/leads': { entity: 'leads', maxLimit: 500, sortFields: LEAD_SORTS, incremental: true, archived: false, private: true, flatPagination: true, filters: LEAD_FILTERS },
  '/leads/archived': { entity: 'leads', maxLimit: 500, sortFields: LEAD_SORTS, incremental: false, archived: true, private: true, flatPagination: true, filters: LEAD_FILTERS },
  '/notes': {
    entity: 'notes', maxLimit: 500, sortFields: ['id', 'add_time', 'update_time', 'user_id', 'deal_id', 'person_id', 'org_id'], incremental: true, private: false,
    filters: [
      { param: 'deal_id', field: 'deal_id', kind: 'int' }, { param: 'person_id', field: 'person_id', kind: 'int' },
      { param: 'org_id', field: 'org_id', kind: 'int' }, { param: 'lead_id', field: 'lead_id', kind: 'lead-uuid' }, ...PINNED,
    ],
  },
  '/files': { entity: 'files', maxLimit: 100, sortFields: ['id', 'add_time', 'update_time', 'file_name', 'file_size'], incremental: false, private: false, filters: [] },
  '/callLogs': { entity: 'callLogs', maxLimit: 50, sortFields: [], incremental: false, private: false, ownOnly: true, filters: [] },
};

export function isOffsetListPath(path: string): boolean {
  return path in LISTS;
}

function nonNegative(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ApiError(400, `Parameter '${name}' must be a non-negative integer`);
  return Number(raw);
}

/** `sort=update_time ASC` (or `field`, or `f1 ASC, f2 DESC` of which only the first key orders here). */
function sortParam(spec: OffsetListSpec, query: URLSearchParams): { sortBy: string; direction: Direction } {
  const raw = query.get('sort');
  if (spec.sortFields.length === 0 || raw === null || raw.trim() === '') return { sortBy: 'id', direction: 'asc' };
  const match = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(raw.split(',')[0] ?? '');
  if (!match?.[1] || !spec.sortFields.includes(match[1])) throw new ApiError(400, `Parameter 'sort' must name one of ${spec.sortFields.join(', ')}, optionally followed by ASC or DESC`);
  return { sortBy: match[1], direction: match[2]?.toLowerCase() === 'desc' ? 'desc' : 'asc' };
}

function filterValues(spec: OffsetListSpec, query: URLSearchParams, seed: number): Array<[string, unknown]> {
  const values: Array<[string, unknown]> = [];
  for (const filter of spec.filters) {
    const raw = query.get(filter.param);
    if (raw === null || raw === '') continue;
    if (filter.kind === 'int') values.push([filter.field, nonNegative(query, filter.param)]);
    else if (filter.kind === 'flag') {
      if (raw !== '0' && raw !== '1') throw new ApiError(400, `Parameter '${filter.param}' must be 0 or 1`);
      values.push([filter.field, raw === '1']);
    } else {
      if (slotOfUuid(seed, 'leads', raw) === undefined && !/^[0-9a-f-]{36}$/i.test(raw)) throw new ApiError(400, `Parameter '${filter.param}' must be a UUID`);
      values.push([filter.field, raw.toLowerCase()]);
    }
  }
  return values;
}

interface Resume {
  readonly after: KeyedId;
  readonly version: number;
}

/** Remembered page ends, per dataset: `${query signature}|${start}` → where that offset begins. */
const resumes = new WeakMap<Dataset, Map<string, Resume>>();
const MAX_RESUMES = 512;

function remember(dataset: Dataset, key: string, value: Resume): void {
  let map = resumes.get(dataset);
  if (!map) resumes.set(dataset, (map = new Map()));
  map.set(key, value);
  if (map.size > MAX_RESUMES) map.delete(map.keys().next().value as string);
}

export function handleOffsetList(dataset: Dataset, request: ApiRequest): Reply {
  const spec = LISTS[request.path];
  if (!spec) throw new ApiError(404, 'Unknown method .');
  const { query, viewer } = request;
  const start = nonNegative(query, 'start') ?? 0;
  // Without `limit` a page holds 100 rows, or the endpoint's maximum when that is lower (call logs).
  const limit = nonNegative(query, 'limit') ?? Math.min(100, spec.maxLimit);
  if (limit < 1 || limit > spec.maxLimit) throw new ApiError(400, `Parameter 'limit' must be between 1 and ${spec.maxLimit}`);
  const { sortBy, direction } = sortParam(spec, query);
  const sinceRaw = spec.incremental ? query.get('updated_since') : null;
  const sinceMs = sinceRaw === null ? undefined : parseRfc3339Millis(sinceRaw);
  if (sinceRaw !== null && sinceMs === undefined) throw new ApiError(400, "Parameter 'updated_since' must be an RFC3339 datetime, e.g. 2025-01-01T10:20:00Z");
  const ownerId = nonNegative(query, spec.entity === 'notes' ? 'user_id' : 'owner_id');
  const filters = filterValues(spec, query, dataset.ctx.seed);
  const store = dataset.store(spec.entity);
  // Leads' update times carry milliseconds; notes' are whole seconds.
  const updatedMs = (id: number): number => {
    const second = store.updateTimeOf(id);
    return second * 1000 + (spec.entity === 'leads' ? millisOf(dataset.ctx.seed, 'leads', id, second) : 0);
  };
  const accept = (id: number): boolean => {
    if (store.isDeleted(id)) return false;
    if (spec.archived !== undefined && store.isArchived(id) !== spec.archived) return false;
    if (spec.ownOnly && store.ownerOf(id) !== viewer.userId) return false;
    if (ownerId !== undefined && store.ownerOf(id) !== ownerId) return false;
    if (!canSee(store, id, viewer, spec.private)) return false;
    if (sinceMs !== undefined && updatedMs(id) < sinceMs) return false;
    if (filters.length === 0) return true;
    const record = store.get(id);
    return filters.every(([field, value]) => record[field] === value);
  };
  const signature = JSON.stringify([request.path, sortBy, direction, sinceMs, ownerId, filters, viewer.userId, viewer.admin]);
  const resume = resumes.get(dataset)?.get(`${signature}|${start}`);
  const updatedSince = sinceMs === undefined ? undefined : Math.floor(sinceMs / 1000);
  let ids: number[];
  let more: boolean;
  if (resume && resume.version === store.version) {
    const result = store.list({ sortBy, direction, after: resume.after, limit, accept, updatedSince });
    ids = result.ids;
    more = result.next !== undefined;
  } else {
    const result = store.list({ sortBy, direction, limit: start + limit, accept, updatedSince });
    ids = result.ids.slice(start);
    more = result.next !== undefined;
  }
  const last = ids[ids.length - 1];
  if (more && last !== undefined) remember(dataset, `${signature}|${start + ids.length}`, { after: { key: store.keyOf(last, sortBy), id: last }, version: store.version });
  const data = ids.map((id) => serveRecord(dataset, spec.entity, id, viewer.userId));
  const page = { start, limit, more_items_in_collection: more };
  const additional = spec.flatPagination ? page : { pagination: more ? { ...page, next_start: start + ids.length } : page };
  // v1 sends `data: null`, not [], when nothing matches (reference §3).
  return jsonReply(200, { success: true, data: data.length ? data : null, additional_data: additional });
}
