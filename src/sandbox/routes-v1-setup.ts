/**
 * Unpaginated v1 lists (reference §3: they return everything in one response): lead labels, lead
 * sources, filters (`type`), currencies (`term`), activity types and goals (`/goals/find`, whose
 * `data` is `{goals: [...]}`; rules in goals-find.ts).
 * Deleted records drop out, except activity types, which stay listed with `active_flag: false`.
 */
import type { Dataset } from './dataset.js';
import type { SandboxEntity, SandboxRecord } from './generation-context.js';
import type { Reply } from './http-util.js';
import { ApiError, jsonReply, oneOf } from './http-util.js';
import { FILTER_TYPES } from './generators-setup.js';
import type { ApiRequest } from './routes-v2.js';
import { findGoals } from './goals-find.js';
import { serveRecord } from './serve-entity.js';

const PATHS: Record<string, SandboxEntity> = {
  '/leadLabels': 'leadLabels',
  '/leadSources': 'leadSources',
  '/filters': 'filters',
  '/currencies': 'currencies',
  '/activityTypes': 'activityTypes',
  '/goals/find': 'goals',
};

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

export function handleSetupList(dataset: Dataset, request: ApiRequest): Reply {
  const entity = PATHS[request.path];
  if (!entity) throw new ApiError(404, 'Unknown method .');
  const { query } = request;
  let rows = all(dataset, entity, request.viewer.userId);
  if (entity === 'goals') return jsonReply(200, { success: true, data: { goals: findGoals(rows, query, request.viewer.userId) } });
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
