/**
 * `GET /v1/goals/find` as its spec documents it (v1.yml, getGoals):
 * - `is_active` defaults to true: inactive goals only with `is_active=false`;
 * - without `assignee.id`, only the token user's own goals are returned, unless one of the
 *   parameters marked "If provided, everyone's goals will be returned" is given (`type.name`,
 *   `assignee.type`, `expected_outcome.*`, `type.params.*`). "Your goals" are modelled as the goals
 *   assigned to your user (`assignee.type = person`), and `assignee.id` alone means a user's;
 * - every other parameter narrows by equality on that dotted field of the goal (array fields match
 *   when they contain the value); `period.start` needs `period.end` and vice versa (400), and
 *   keeps the goals whose duration overlaps the period.
 */
import type { SandboxRecord } from './generation-context.js';
import { ApiError, booleanParam, oneOf } from './http-util.js';

const TYPE_NAMES = ['deals_won', 'deals_progressed', 'activities_completed', 'activities_added', 'deals_started'];
const ASSIGNEE_TYPES = ['person', 'company', 'team'];
const TRACKING_METRICS = ['quantity', 'sum'];

/** The parameters that widen the search to everyone's goals. */
export const EVERYONES_GOALS_PARAMS = [
  'type.name',
  'assignee.type',
  'expected_outcome.target',
  'expected_outcome.tracking_metric',
  'expected_outcome.currency_id',
  'type.params.pipeline_id',
  'type.params.stage_id',
  'type.params.activity_type_id',
] as const;

const NARROWING = [...EVERYONES_GOALS_PARAMS, 'title', 'assignee.id'] as const;

function at(goal: SandboxRecord, path: string): unknown {
  let value: unknown = goal;
  for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function matches(value: unknown, wanted: string): boolean {
  if (Array.isArray(value)) return value.some((item) => String(item) === wanted);
  return value !== undefined && value !== null && String(value) === wanted;
}

export function findGoals(goals: readonly SandboxRecord[], query: URLSearchParams, viewerUserId: number): SandboxRecord[] {
  const active = booleanParam(query, 'is_active', true);
  // Enumerated parameters reject values outside their enum, as the real API validates them.
  oneOf(query, 'type.name', TYPE_NAMES);
  oneOf(query, 'assignee.type', ASSIGNEE_TYPES);
  oneOf(query, 'expected_outcome.tracking_metric', TRACKING_METRICS);
  const start = query.get('period.start');
  const end = query.get('period.end');
  if ((start === null) !== (end === null)) throw new ApiError(400, 'period.start and period.end must be provided together');
  const given = NARROWING.filter((name) => (query.get(name) ?? '') !== '');
  const everyone = given.some((name) => (EVERYONES_GOALS_PARAMS as readonly string[]).includes(name));
  return goals.filter((goal) => {
    if (goal.is_active !== active) return false;
    const isPerson = at(goal, 'assignee.type') === 'person';
    if (!everyone && !given.includes('assignee.id') && !(isPerson && at(goal, 'assignee.id') === viewerUserId)) return false;
    // `assignee.id` is "the ID of the user": a user's goals, unless `assignee.type` says otherwise.
    if (given.includes('assignee.id') && !given.includes('assignee.type') && !isPerson) return false;
    if (!given.every((name) => matches(at(goal, name), query.get(name) ?? ''))) return false;
    if (start !== null && end !== null) {
      const duration = goal.duration as { start?: string; end?: string | null } | undefined;
      // Dates as YYYY-MM-DD compare as text; an open-ended goal (end null) runs forever.
      if ((duration?.start ?? '') > end || (duration?.end != null && duration.end < start)) return false;
    }
    return true;
  });
}
