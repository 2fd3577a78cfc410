/**
 * Turns what `dbt-models` writes into the SQL dbt would run, so tests can run it on real DuckDB
 * and PostgreSQL without dbt (dbt is Python; these tests run in Node only):
 * - a model: `{{ source(s, t) }}` and the `{% if not var(…, false) %} … {% endif %}` block, the only
 *   Jinja the generator writes (anything else left over fails the test);
 * - a data test: the query of dbt's generic test (unique, not_null, accepted_values,
 *   relationships), written here from dbt's documented behaviour (the default__test_* macros of
 *   dbt-adapters' global project), inside dbt's failure count (get_test_sql). `quote: true` on a
 *   column quotes its name, as dbt does; `ref('m')` in `to:` names the model's relation.
 */
import { parse } from 'yaml';

export interface RenderContext {
  /** The relation of a source table, e.g. `dbt_test.deals`. */
  readonly source: (sourceName: string, table: string) => string;
  /** The relation a model was built as. */
  readonly ref: (model: string) => string;
  readonly quote: (name: string) => string;
  /** The value of `var(<source>_include_deleted)`. */
  readonly includeDeleted?: boolean;
}

export function renderModel(sql: string, context: RenderContext): string {
  const rendered = sql
    .replace(/\{\{ source\('([A-Za-z0-9_]+)', '([a-z0-9_]+)'\) \}\}/g, (_, source: string, table: string) =>
      context.source(source, table),
    )
    .replace(/\{% if not var\('[A-Za-z0-9_]+', false\) %\}\n([\s\S]*?)\{% endif %\}\n?/g, (_, inner: string) =>
      context.includeDeleted ? '' : inner,
    );
  if (/\{[{%#]/.test(rendered)) throw new Error(`Jinja left in the model:\n${rendered}`);
  return rendered;
}

export interface CompiledTest {
  readonly model: string;
  readonly column: string;
  readonly kind: string;
  readonly severity: 'error' | 'warn';
  /** relationships: the referenced model. */
  readonly to?: string;
  /** The test's own query: the rows it finds are its failures. */
  readonly main: string;
  /** Returns one row: failures (the count of rows the test query found). */
  readonly sql: string;
}

type Map_ = Record<string, unknown>;

function unraw(text: string): string {
  return text.replace(/^\{% raw %\}([\s\S]*)\{% endraw %\}$/, '$1');
}

function testQuery(kind: string, model: string, column: string, args: Map_, context: RenderContext): string {
  switch (kind) {
    case 'unique':
      return `select ${column} as unique_field, count(*) as n_records from ${model} where ${column} is not null group by ${column} having count(*) > 1`;
    case 'not_null':
      return `select ${column} from ${model} where ${column} is null`;
    case 'accepted_values': {
      const values = (args['values'] as string[]).map((value) => `'${unraw(value)}'`).join(',');
      return (
        `with all_values as (select ${column} as value_field, count(*) as n_records from ${model} group by ${column}) ` +
        `select * from all_values where value_field not in (${values})`
      );
    }
    case 'relationships': {
      const to = /^ref\('([A-Za-z0-9_]+)'\)$/.exec(String(args['to']))?.[1];
      if (to === undefined) throw new Error(`relationships to ${String(args['to'])}`);
      return (
        `with child as (select ${column} as from_field from ${model} where ${column} is not null), ` +
        `parent as (select ${String(args['field'])} as to_field from ${context.ref(to)}) ` +
        'select from_field from child left join parent on child.from_field = parent.to_field where parent.to_field is null'
      );
    }
    default:
      throw new Error(`unknown test ${kind}`);
  }
}

/** Every data test of a generated properties file, compiled. */
export function compileTests(yamlText: string, context: RenderContext): CompiledTest[] {
  const document = parse(yamlText) as { models: { name: string; columns: Map_[] }[] };
  const compiled: CompiledTest[] = [];
  for (const model of document.models) {
    for (const column of model.columns) {
      const name = String(column['name']);
      const reference = column['quote'] === true ? context.quote(name) : name;
      const tests = (column['data_tests'] ?? column['tests'] ?? []) as (string | Map_)[];
      for (const test of tests) {
        const kind = typeof test === 'string' ? test : (Object.keys(test)[0] ?? '');
        const body = typeof test === 'string' ? {} : ((test[kind] ?? {}) as Map_);
        const args = (body['arguments'] ?? body) as Map_;
        const severity = (body['config'] as Map_ | undefined)?.['severity'] === 'warn' ? 'warn' : 'error';
        const main = testQuery(kind, context.ref(model.name), reference, args, context);
        const sql = `select count(*) as failures from (${main}) dbt_internal_test`;
        const to = kind === 'relationships' ? /^ref\('([A-Za-z0-9_]+)'\)$/.exec(String(args['to']))?.[1] : undefined;
        compiled.push({ model: model.name, column: name, kind, severity, ...(to ? { to } : {}), main, sql });
      }
    }
  }
  return compiled;
}
