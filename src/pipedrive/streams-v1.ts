/**
 * Entities that stay on Pipedrive's v1 API (reference §2b). See catalog.ts for what each
 * replication method means; the strategy of each stream is the cheapest correct one its endpoint
 * allows, and README.md#streams lists them.
 */
import type { StreamDefinition } from './catalog.js';

/** The shared part of the two lead streams: leads carry the deal custom fields, flat (v1). */
const LEADS = {
  table: 'leads',
  api: 'v1',
  pagination: 'offset',
  primaryKey: ['id'],
  replicationKey: 'update_time',
  fieldsOf: 'deal',
} as const;

/** Unpaginated v1 lists of setup data: one request each, re-read when the list cadence is due. */
function setupList(name: string, path: string, extra: Partial<StreamDefinition> = {}): StreamDefinition {
  return { name, table: name, api: 'v1', path, pagination: 'none', primaryKey: ['id'], replication: 'full', ...extra };
}

export const V1_STREAMS: readonly StreamDefinition[] = [
  // updated_since on v1 leads and notes since 2026-01 (reference §4).
  { ...LEADS, name: 'leads', path: '/leads', replication: 'incremental' },
  // The archived list has no updated_since, but sorts by update_time.
  { ...LEADS, name: 'leads_archived', path: '/leads/archived', replication: 'newest_first' },
  setupList('lead_labels', '/leadLabels', { replicationKey: 'update_time' }),
  // Lead sources are `{name}` only.
  setupList('lead_sources', '/leadSources', { primaryKey: ['name'] }),
  {
    name: 'notes',
    table: 'notes',
    api: 'v1',
    path: '/notes',
    pagination: 'offset',
    primaryKey: ['id'],
    replication: 'incremental',
    replicationKey: 'update_time',
  },
  {
    // Metadata only, never the file contents. No date filter, but `sort=update_time`.
    name: 'files',
    table: 'files',
    api: 'v1',
    path: '/files',
    pagination: 'offset',
    primaryKey: ['id'],
    replication: 'newest_first',
    replicationKey: 'update_time',
    pageSize: 100,
  },
  setupList('filters', '/filters', { replicationKey: 'update_time' }),
  setupList('currencies', '/currencies'),
  setupList('activity_types', '/activityTypes', { replicationKey: 'update_time' }),
  {
    // The token user's own call logs; no date filter or sort, ids are strings.
    name: 'call_logs',
    table: 'call_logs',
    api: 'v1',
    path: '/callLogs',
    pagination: 'offset',
    primaryKey: ['id'],
    replication: 'full',
    pageSize: 50,
  },
  // /goals/find returns only the token user's own goals unless a parameter marked "everyone's
  // goals will be returned" is given, and only active ones unless is_active=false. The fewest
  // requests that list every goal: expected_outcome.tracking_metric, whose two values
  // (quantity, sum) are the only ones a goal can have (POST /goals requires the expected
  // outcome), × is_active true|false. assignee.type would need 3 × 2 requests, and type.name
  // misses revenue_forecast goals, which are not among its values. Four streams, one table.
  ...(['quantity', 'sum'] as const).flatMap((metric) =>
    (['true', 'false'] as const).map((active) =>
      setupList(`goals_${metric}${active === 'true' ? '' : '_inactive'}`, '/goals/find', {
        table: 'goals',
        recordsAt: 'goals',
        params: { 'expected_outcome.tracking_metric': metric, is_active: active },
      }),
    ),
  ),
];
