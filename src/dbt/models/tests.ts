/**
 * The data tests of one staging model, in dbt's YAML form:
 * - `unique` and `not_null` on a one-column primary key (`not_null` alone on each column of a
 *   composite key: core dbt cannot test a combination's uniqueness on a column);
 * - `accepted_values` on each custom enum column, from the field's current options: the labels,
 *   as the loader writes them (docs/schema.md). Severity `warn`: Pipedrive lets an option be
 *   renamed or deleted without touching the records that hold it, so rows not read since keep the
 *   old label (or the deleted option's id). Values are escaped for the target (quoting.ts);
 * - `relationships` for the foreign keys of relations.ts, to the target's staging model, when
 *   the target table is loaded and has the key column with the same type.
 *
 * `arguments: 'nested'` writes test arguments under `arguments:` (dbt ≥ 1.10.5, where the
 * top-level form is deprecated); `'top-level'` writes them beside `config:` for older dbt.
 */
import type { FieldDefinition } from '../../pipedrive/fields.js';
import type { ColumnMapping } from '../../schema/column-map.js';
import type { ColumnSpec } from '../../schema/types.js';
import { escapeJinja } from '../descriptions.js';
import type { YamlMap, YamlValue } from '../merge.js';
import { stringLiteralBody, type QuotingRules } from './quoting.js';
import { relationsOf, type Severity } from './relations.js';
import { modelName } from './sql.js';

export type TestKind = 'unique' | 'not_null' | 'accepted_values' | 'relationships';
export type TestArguments = 'nested' | 'top-level';

export interface GeneratedTest {
  readonly kind: TestKind;
  readonly column: string;
  readonly severity: Severity;
  /** accepted_values: the labels (unescaped). */
  readonly values?: readonly string[];
  /** relationships: the referenced model and column. */
  readonly to?: { readonly model: string; readonly table: string; readonly column: string };
}

export interface TableTestsInput {
  readonly sourceName: string;
  readonly table: string;
  readonly columns: readonly ColumnSpec[];
  readonly tables: ReadonlyMap<string, readonly ColumnSpec[]>;
  /** Tables that exist but were never loaded (their streams need an add-on the company lacks). */
  readonly unloadedTables: ReadonlySet<string>;
  readonly primaryKey: readonly string[];
  readonly mappings: readonly ColumnMapping[];
  /** Current definitions of the entity whose custom fields the table carries. */
  readonly definitions: readonly FieldDefinition[] | undefined;
}

function enumTests(input: TableTestsInput, present: ReadonlySet<string>): GeneratedTest[] {
  return input.mappings.flatMap((mapping): GeneratedTest[] => {
    const column = mapping.column_name.toLowerCase();
    if (mapping.table_name.toLowerCase() !== input.table || mapping.field_type !== 'enum' || mapping.subfield !== '') return [];
    const current = input.definitions?.find((field) => field.field_code === mapping.field_key);
    const labels = [...new Set((current?.options ?? []).map((option) => option.label))];
    if (!present.has(column) || labels.length === 0) return [];
    return [{ kind: 'accepted_values', column, severity: 'warn', values: labels }];
  });
}

function relationshipTests(input: TableTestsInput, types: ReadonlyMap<string, string>): GeneratedTest[] {
  return relationsOf(input.table, input.mappings).flatMap((relation): GeneratedTest[] => {
    const target = input.tables.get(relation.toTable);
    const fromType = types.get(relation.column);
    const toType = target?.find((column) => column.name.toLowerCase() === relation.toColumn)?.type;
    if (!target || input.unloadedTables.has(relation.toTable) || fromType === undefined || fromType !== toType) return [];
    const to = { model: modelName(input.sourceName, relation.toTable), table: relation.toTable, column: relation.toColumn };
    return [{ kind: 'relationships', column: relation.column, severity: relation.severity, to }];
  });
}

/** Every test of the table's model, in column order then kind order. */
export function testsForTable(input: TableTestsInput): GeneratedTest[] {
  const types = new Map(input.columns.map((column) => [column.name.toLowerCase(), column.type as string]));
  const present = new Set(types.keys());
  const keyTests = input.primaryKey
    .filter((column) => present.has(column))
    .flatMap((column): GeneratedTest[] =>
      input.primaryKey.length === 1
        ? [
            { kind: 'unique', column, severity: 'error' },
            { kind: 'not_null', column, severity: 'error' },
          ]
        : [{ kind: 'not_null', column, severity: 'error' }],
    );
  return [...keyTests, ...enumTests(input, present), ...relationshipTests(input, types)];
}

/**
 * dbt renders every string test argument with Jinja, and first wraps one that looks like a call
 * of env_var, ref, var, source or doc in `{{ }}`, so a label "var(x)" would be evaluated. Labels
 * come from Pipedrive users: both cases are kept literal with `{% raw %}`.
 */
const LOOKS_LIKE_DBT_CALL = /^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$/;

export function literalArgument(text: string): string {
  const escaped = escapeJinja(text);
  return escaped === text && LOOKS_LIKE_DBT_CALL.test(text) ? `{% raw %}${text}{% endraw %}` : escaped;
}

/** One test as a YAML list item. */
export function testYaml(test: GeneratedTest, rules: QuotingRules, form: TestArguments): YamlValue {
  let args: YamlMap;
  if (test.kind === 'accepted_values') {
    args = { values: (test.values ?? []).map((value) => literalArgument(stringLiteralBody(value, rules))) };
  } else if (test.kind === 'relationships' && test.to) {
    args = { to: `ref('${test.to.model}')`, field: test.to.column };
  } else {
    return test.kind;
  }
  const config: YamlMap | undefined = test.severity === 'warn' ? { severity: 'warn' } : undefined;
  const body: YamlMap = form === 'nested' ? { arguments: args } : { ...args };
  if (config) body['config'] = config;
  return { [test.kind]: body };
}
