/**
 * The Projects add-on's v2 lists, `/api/v2/projects` (projects not archived),
 * `/api/v2/projects/archived` (archived ones: `archive_time` set) and `/api/v2/tasks`: cursor-paged by id
 * (the spec has no sort or `updated_since` parameters), limit 1..500. Without the add-on the
 * company gets 403 — reference §7 lists "plan/add-on not included" under 403 — so a loader must
 * treat 403 (like 402/404) on these paths as "not available", not as a failure.
 */
import { CursorError, decodeCursor, encodeCursor } from './cursor.js';
import type { Dataset } from './dataset.js';
import type { Reply } from './http-util.js';
import { ApiError, successReply } from './http-util.js';
import { PROJECT_STATUS_FILTERS } from './generators-projects.js';
import type { ApiRequest } from './routes-v2.js';
import { serveRecord } from './serve-entity.js';
import type { KeyedId } from './sort-index.js';

export const ADDON_MISSING_MESSAGE = 'Projects add-on is not enabled for this company';

export function isProjectsPath(path: string): boolean {
  return path === '/projects' || path === '/projects/archived' || path === '/tasks';
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ApiError(400, `Parameter '${name}' must be an integer`);
  return Number(raw);
}

function flag(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw new ApiError(400, `Parameter '${name}' must be true or false`);
  return raw === 'true';
}

/** Record predicates from the endpoint's filters (v2.yml parameters of GET /projects and /tasks). */
function recordFilter(path: string, query: URLSearchParams): (record: Record<string, unknown>) => boolean {
  if (path === '/projects' || path === '/projects/archived') {
    const archived = path === '/projects/archived';
    const raw = query.get('status');
    // v2.yml: "By default `deleted` projects are not returned."
    const statuses = raw ? raw.split(',').map((s) => s.trim()) : ['open', 'completed', 'canceled'];
    if (statuses.some((s) => !(PROJECT_STATUS_FILTERS as readonly string[]).includes(s))) throw new ApiError(400, `Parameter 'status' must be a comma separated list of ${PROJECT_STATUS_FILTERS.join(', ')}`);
    const phaseId = integer(query, 'phase_id');
    return (r) =>
      (r.archive_time !== null) === archived &&
      statuses.includes(String(r.status)) &&
      (phaseId === undefined || r.phase_id === phaseId);
  }
  const isDone = flag(query, 'is_done');
  const isMilestone = flag(query, 'is_milestone');
  const assigneeId = integer(query, 'assignee_id');
  const projectId = integer(query, 'project_id');
  const parentTaskId = integer(query, 'parent_task_id');
  return (r) =>
    (isDone === undefined || r.is_done === isDone) &&
    (isMilestone === undefined || r.is_milestone === isMilestone) &&
    (assigneeId === undefined || (Array.isArray(r.assignee_ids) && r.assignee_ids.includes(assigneeId))) &&
    (projectId === undefined || r.project_id === projectId) &&
    (parentTaskId === undefined || r.parent_task_id === parentTaskId);
}

export function handleProjects(dataset: Dataset, request: ApiRequest): Reply {
  if (!dataset.projectsAddon) throw new ApiError(403, ADDON_MISSING_MESSAGE, 'Please check developers.pipedrive.com for more information about Pipedrive API.');
  const entity = request.path === '/tasks' ? 'tasks' : 'projects';
  const { query } = request;
  const limit = integer(query, 'limit') ?? 100;
  if (limit < 1 || limit > 500) throw new ApiError(400, "Parameter 'limit' must be between 1 and 500");
  const matches = recordFilter(request.path, query);
  const cursor = query.get('cursor');
  let after: KeyedId | undefined;
  try {
    after = cursor ? decodeCursor(cursor, 'id', 'asc') : undefined;
  } catch (error) {
    throw error instanceof CursorError ? new ApiError(400, error.message) : error;
  }
  const store = dataset.store(entity);
  // Deleted projects carry status 'deleted' and are listed when the status filter asks for them.
  const result = store.list({ sortBy: 'id', direction: 'asc', after, limit, accept: (id) => (entity === 'projects' || !store.isDeleted(id)) && matches(store.get(id)) });
  const data = result.ids.map((id) => serveRecord(dataset, entity, id, request.viewer.userId));
  return successReply(data, { next_cursor: result.next ? encodeCursor('id', 'asc', result.next) : null });
}
