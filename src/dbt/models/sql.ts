/**
 * The body of a staging model: every column of the source table listed by name (never
 * `select *`, so a column added to the warehouse later changes no model until it is regenerated),
 * live rows only unless the project sets `<source>_include_deleted`. Archived deals and leads are
 * live rows: they stay, with `is_archived`.
 *
 * Only plain SQL that every target accepts: a select list, one `is null` filter, dbt's `source()`
 * and `var()`. No casts: the loader already typed every column natively.
 */
import { columnReference, selectItem, type QuotingRules } from './quoting.js';

export const DELETED_AT_COLUMN = '_deleted_at';

/** `stg_pipedrive__deals`: dbt's staging convention, stg_<source>__<entity>. */
export function modelName(sourceName: string, table: string): string {
  return `stg_${sourceName}__${table}`;
}

/** The dbt variable that keeps deleted rows in every model of the source. */
export function includeDeletedVar(sourceName: string): string {
  return `${sourceName}_include_deleted`;
}

export interface ModelSqlInput {
  readonly sourceName: string;
  readonly table: string;
  /** Column names as the warehouse reports them, in the order to select. */
  readonly columns: readonly string[];
  readonly rules: QuotingRules;
}

export function renderModelSql(input: ModelSqlInput): string {
  const { sourceName, table, columns, rules } = input;
  const lines = ['select', columns.map((column) => `    ${selectItem(column, rules)}`).join(',\n')];
  lines.push(`from {{ source('${sourceName}', '${table}') }}`);
  if (columns.includes(DELETED_AT_COLUMN)) {
    lines.push(
      `{% if not var('${includeDeletedVar(sourceName)}', false) %}`,
      `where ${columnReference(DELETED_AT_COLUMN, rules)} is null`,
      '{% endif %}',
    );
  }
  return `${lines.join('\n')}\n`;
}
