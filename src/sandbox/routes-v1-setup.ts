/**
 * Unpaginated v1 lists (reference §3: they return everything in one response): lead labels, lead
 * sources, filters (`type`), currencies (`term`), activity types and goals (`/goals/find`, whose
 * `data` is `{goals: [...]}` and which lists only active goals unless `is_active=false`).
 * Deleted records drop out, except activity types, which stay listed with `active_flag: false`.
 */
import type { Dataset } from './dataset.js';
import type { SandboxEntity, SandboxRecord } from './generation-context.js';
import type { Reply } from './http-util.js';
import { ApiError, jsonReply } from './http-util.js';
import { FILTER_TYPES } from './generators-setup.js';
import type { ApiRequest } from './routes-v2.js';
import { serveRecord } from './serve-entity.js';

const PATHS: Record<string, SandboxEntity> = {
  '/leadLabels': 'leadLabels',
  '/leadSources': 'leadSources',
  '/filters': 'filters',
  '/currencies': 'currencies',
  '/activityTypes': 'activityTypes',
  '/goals/find': 'goals',
};

const GOAL_TYPE_NAMES = ['deals_won', 'deals_progressed', 'activities_completed', 'activities_added', 'deals_started'];

export function isSetupListPath(path: string): boolean {
  return path in PATHS;
}

function all(dataset: Dataset, entity: SandboxEntity, viewerUserId: number): SandboxRecord[] {
  const store = dataset.store(entity);
  const rows: SandboxRecord[] = [];
  for (let id = 1; id <= store.count; id++) {
    if (entity === 'activityTypes' || !store.isDeleted(id)) rows.push(serveRecord(dataset, entity, id, viewerUserId));
  }
  return rows;
}

function booleanParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ApiError(400, `Parameter '${name}' must be true or false`);
  return raw === 'true';
}

function oneOf(query: URLSearchParams, name: string, allowed: readonly string[]): string | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!allowed.includes(raw)) throw new ApiError(400, `Parameter '${name}' must be one of ${allowed.join(', ')}`);
  return raw;
}

export function handleSetupList(dataset: Dataset, request: ApiRequest): Reply {
  const entity = PATHS[request.path];
  if (!entity) throw new ApiError(404, 'Unknown method .');
  const { query } = request;
  let rows = all(dataset, entity, request.viewer.userId);
  if (entity === 'goals') {
    const active = booleanParam(query, 'is_active', true);
    const typeName = oneOf(query, 'type.name', GOAL_TYPE_NAMES);
    rows = rows.filter((g) => g.is_active === active && (typeName === undefined || (g.type as { name?: unknown } | undefined)?.name === typeName));
    return jsonReply(200, { success: true, data: { goals: rows } });
  }
  if (entity === 'filters') {
    const type = oneOf(query, 'type', FILTER_TYPES);
    if (type !== undefined) rows = rows.filter((f) => f.type === type);
  }
  if (entity === 'currencies') {
    const term = query.get('term')?.toLowerCase();
    if (term) rows = rows.filter((c) => String(c.code).toLowerCase().includes(term) || String(c.name).toLowerCase().includes(term));
  }
  return jsonReply(200, { success: true, data: rows.length ? rows : null });
}
