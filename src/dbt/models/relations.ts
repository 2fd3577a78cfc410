/**
 * The foreign keys the staging models test with dbt's `relationships`: the documented links
 * between Pipedrive's built-in fields (reference fields of the v2 and v1 objects), plus every custom
 * field whose type is a reference (user, org, people, deal …), found in `_loader_columns`.
 *
 * Severity says whether Pipedrive can leave the id dangling:
 * - `error` for users, pipelines and stages: users are deactivated, never deleted, and /v1/users
 *   lists them all; a pipeline or stage cannot be deleted while live deals sit in it, and both are
 *   re-read in full on every run, so a live row never points at one the warehouse lacks;
 * - `warn` for everything else: a person, organization, deal, product, activity, lead, project or
 *   task can be deleted (the referrer keeps its id), purged after 30 days, merged into another
 *   record, or hidden from a token that is not an admin's. A failure there is a fact about the
 *   company's data, not a loader defect. Custom reference fields are always `warn`.
 */
import type { ColumnMapping } from '../../schema/column-map.js';

export type Severity = 'error' | 'warn';

export interface Relation {
  readonly table: string;
  readonly column: string;
  readonly toTable: string;
  readonly toColumn: string;
  readonly severity: Severity;
}

/** Targets a live row can always find (see the rule above). */
const NEVER_DANGLING: ReadonlySet<string> = new Set(['users', 'pipelines', 'stages']);

/** table → column → referenced table (always its `id`). */
const BUILTIN_LINKS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  deals: {
    creator_user_id: 'users',
    owner_id: 'users',
    person_id: 'persons',
    org_id: 'organizations',
    pipeline_id: 'pipelines',
    stage_id: 'stages',
  },
  persons: { owner_id: 'users', org_id: 'organizations' },
  organizations: { owner_id: 'users' },
  products: { owner_id: 'users' },
  stages: { pipeline_id: 'pipelines' },
  activities: {
    owner_id: 'users',
    creator_user_id: 'users',
    deal_id: 'deals',
    lead_id: 'leads',
    person_id: 'persons',
    org_id: 'organizations',
    project_id: 'projects',
  },
  deal_products: { deal_id: 'deals', product_id: 'products' },
  leads: {
    owner_id: 'users',
    creator_id: 'users',
    person_id: 'persons',
    organization_id: 'organizations',
    source_deal_id: 'deals',
  },
  notes: {
    user_id: 'users',
    last_update_user_id: 'users',
    deal_id: 'deals',
    lead_id: 'leads',
    person_id: 'persons',
    org_id: 'organizations',
    project_id: 'projects',
    task_id: 'tasks',
  },
  files: {
    user_id: 'users',
    deal_id: 'deals',
    person_id: 'persons',
    org_id: 'organizations',
    product_id: 'products',
    activity_id: 'activities',
    lead_id: 'leads',
  },
  call_logs: {
    user_id: 'users',
    activity_id: 'activities',
    person_id: 'persons',
    org_id: 'organizations',
    deal_id: 'deals',
    lead_id: 'leads',
  },
  filters: { user_id: 'users' },
  goals: { owner_id: 'users' },
  projects: { owner_id: 'users' },
  tasks: { creator_id: 'users', project_id: 'projects', parent_task_id: 'tasks' },
};

/** Pipedrive custom field types whose value is the id of another record. */
const CUSTOM_REFERENCE_TARGETS: Readonly<Record<string, string>> = {
  user: 'users',
  org: 'organizations',
  people: 'persons',
  deal: 'deals',
  stage: 'stages',
  pipeline: 'pipelines',
  activity: 'activities',
  product: 'products',
  project: 'projects',
};

/** Every candidate relation of `table` (whether both ends are loaded is checked by the caller). */
export function relationsOf(table: string, mappings: readonly ColumnMapping[]): Relation[] {
  const builtin = Object.entries(BUILTIN_LINKS[table] ?? {}).map(
    ([column, toTable]): Relation => ({
      table,
      column,
      toTable,
      toColumn: 'id',
      severity: NEVER_DANGLING.has(toTable) ? 'error' : 'warn',
    }),
  );
  const custom = mappings.flatMap((mapping): Relation[] => {
    const toTable = CUSTOM_REFERENCE_TARGETS[mapping.field_type];
    if (mapping.table_name.toLowerCase() !== table || mapping.subfield !== '' || toTable === undefined) return [];
    return [{ table, column: mapping.column_name.toLowerCase(), toTable, toColumn: 'id', severity: 'warn' }];
  });
  return [...builtin, ...custom];
}
