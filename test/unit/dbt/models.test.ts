import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bigqueryDialect } from '../../../adapters/bigquery/dialect.js';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { snowflakeDialect } from '../../../adapters/snowflake/dialect.js';
import type { Dialect } from '../../../adapters/types.js';
import { generateModels, unloadedTablesFrom, type ModelsInput } from '../../../src/dbt/models/generate.js';
import { checksum, decideFile, withMarker } from '../../../src/dbt/models/marker.js';
import { quotingRulesFor, stringLiteralBody } from '../../../src/dbt/models/quoting.js';
import type { ColumnMapping } from '../../../src/schema/column-map.js';
import type { ColumnSpec } from '../../../src/schema/types.js';
import { customField, DEAL_BUILTINS, LEAD_SOURCE_KEY, sourcesInput } from './fixtures.js';
import { compileTests, renderModel } from './models-compile.js';
import { dbtModelsValidator } from './models-schema.js';

const ODD = 'Net "revenue" order';

function input(dialect: Dialect = postgresDialect, overrides: Partial<ModelsInput> = {}): ModelsInput {
  const sources = sourcesInput();
  const tables = new Map(sources.tables);
  const deals = tables.get('deals') ?? [];
  // A column made by hand in the warehouse, whose name needs quotes everywhere.
  tables.set('deals', [...deals, { name: ODD, type: 'string' }]);
  return {
    sourceName: 'pipedrive',
    schema: sources.schema,
    tables,
    mappings: sources.mappings,
    fields: sources.fields,
    unloadedTables: new Set(),
    rules: quotingRulesFor(dialect),
    ...overrides,
  };
}

function model(generated: ReturnType<typeof generateModels>, table: string) {
  const found = generated.models.find((m) => m.table === table);
  if (!found) throw new Error(`no model for ${table}`);
  return found;
}

interface ColumnYaml {
  name: string;
  quote?: boolean;
  data_tests?: unknown[];
  tests?: unknown[];
}
function columns(yaml: string): ColumnYaml[] {
  return (parse(yaml) as { models: { columns: ColumnYaml[] }[] }).models[0]?.columns ?? [];
}

describe('dbt-models SQL', () => {
  it('lists every column, reads the source, and hides deleted rows unless the variable is set', () => {
    const deals = model(generateModels(input()), 'deals');
    expect(deals.name).toBe('stg_pipedrive__deals');
    expect(deals.sql).not.toMatch(/select\s+\*/i);
    expect(deals.sql).toContain("from {{ source('pipedrive', 'deals') }}");
    expect(deals.sql).toContain("{% if not var('pipedrive_include_deleted', false) %}\nwhere _deleted_at is null\n{% endif %}");
    const context = { source: (_: string, t: string) => `s.${t}`, ref: (m: string) => m, quote: (n: string) => `"${n}"` };
    expect(renderModel(deals.sql, context)).toMatch(/\nfrom s\.deals\nwhere _deleted_at is null\n$/);
    expect(renderModel(deals.sql, { ...context, includeDeleted: true })).toMatch(/\nfrom s\.deals\n$/);
    for (const column of input().tables.get('deals') ?? []) expect(deals.sql).toContain(column.name.replace(/"/g, '""'));
  });

  it('writes loader names bare on DuckDB, PostgreSQL and BigQuery, and quotes a hand-made odd name with the target rule', () => {
    for (const [dialect, quoted] of [
      [postgresDialect, '"Net ""revenue"" order"'],
      [duckdbDialect, '"Net ""revenue"" order"'],
      [bigqueryDialect, '`Net "revenue" order`'],
    ] as const) {
      const deals = model(generateModels(input(dialect)), 'deals');
      expect(deals.sql, dialect.name).toContain('\n    id,\n    title,\n');
      expect(deals.sql, dialect.name).toContain(`\n    ${quoted},\n`);
      expect(columns(deals.yaml).find((c) => c.name === ODD)?.quote, dialect.name).toBe(true);
      expect(columns(deals.yaml).find((c) => c.name === 'id')?.quote, dialect.name).toBeUndefined();
    }
  });

  it('on Snowflake reads the lower-case quoted columns and aliases them to ordinary names', () => {
    const deals = model(generateModels(input(snowflakeDialect)), 'deals');
    expect(deals.sql).toContain('\n    "id" as id,\n    "title" as title,\n');
    expect(deals.sql).toContain('\n    "Net ""revenue"" order",\n');
    expect(deals.sql).toContain('where "_deleted_at" is null');
  });
});

describe('dbt-models tests', () => {
  it('tests keys, custom enums (current labels, warn) and loaded foreign keys', () => {
    const generated = generateModels(input());
    const deals = model(generated, 'deals').tests.map((t) => `${t.column} ${t.kind} ${t.severity}${t.to ? ` → ${t.to.model}` : ''}`);
    expect(deals).toEqual(
      expect.arrayContaining([
        'id unique error',
        'id not_null error',
        'lead_source accepted_values warn',
        'owner_id relationships error → stg_pipedrive__users',
        'stage_id relationships error → stg_pipedrive__stages',
        'person_id relationships warn → stg_pipedrive__persons',
        'org_id relationships warn → stg_pipedrive__organizations',
      ]),
    );
    expect(model(generated, 'deals').tests.find((t) => t.kind === 'accepted_values')?.values).toEqual(['Web', 'Referral', 'Partner']);
  });

  it('skips a relationship whose target is not loaded, absent, or of another type', () => {
    const base = input();
    const kinds = (overrides: Partial<ModelsInput>) =>
      model(generateModels({ ...base, ...overrides }), 'deals')
        .tests.filter((t) => t.kind === 'relationships')
        .map((t) => t.column);
    expect(kinds({})).toContain('person_id');
    expect(kinds({ unloadedTables: new Set(['persons']) })).not.toContain('person_id');
    const withoutPersons = new Map(base.tables);
    withoutPersons.delete('persons');
    expect(kinds({ tables: withoutPersons })).not.toContain('person_id');
    const stringIds = new Map(base.tables);
    stringIds.set('persons', (base.tables.get('persons') ?? []).map((c): ColumnSpec => (c.name === 'id' ? { name: 'id', type: 'string' } : c)));
    expect(kinds({ tables: stringIds })).not.toContain('person_id');
  });

  it('relates custom reference fields (user, org, people …) to their tables, as warnings', () => {
    const fields = [...DEAL_BUILTINS, customField('6'.repeat(40), 'Account manager', 'user')];
    const mapping: ColumnMapping = {
      table_name: 'deals',
      field_key: '6'.repeat(40),
      subfield: '',
      column_name: 'account_manager',
      field_name: 'Account manager',
      field_type: 'user',
      first_seen_at: '2026-11-28T00:00:00Z',
      last_seen_at: '2026-11-28T00:00:00Z',
    };
    const base = input();
    const tables = new Map(base.tables);
    tables.set('deals', [...(tables.get('deals') ?? []), { name: 'account_manager', type: 'bigint' }]);
    const deals = model(
      generateModels({ ...base, tables, mappings: [...base.mappings, mapping], fields: new Map([['deal', fields]]) }),
      'deals',
    );
    expect(deals.tests.find((t) => t.column === 'account_manager')).toMatchObject({ kind: 'relationships', severity: 'warn', to: { table: 'users' } });
  });

  it('escapes enum labels for the target string literals, and Jinja for dbt', () => {
    const labels = ["Owner's pick", 'C:\\temp', '{{ oops }}', "var('x')"];
    const fields = [...DEAL_BUILTINS, customField(LEAD_SOURCE_KEY, 'Lead source', 'enum', labels)];
    const values = (dialect: Dialect): unknown => {
      const yaml = model(generateModels(input(dialect, { fields: new Map([['deal', fields]]) })), 'deals').yaml;
      const test = columns(yaml).find((c) => c.name === 'lead_source')?.data_tests?.[0] as { accepted_values: { arguments: { values: string[] } } };
      return test.accepted_values.arguments.values;
    };
    expect(values(postgresDialect)).toEqual(["Owner''s pick", 'C:\\temp', '{% raw %}{{ oops }}{% endraw %}', "{% raw %}var(''x''){% endraw %}"]);
    expect(values(bigqueryDialect)).toEqual(["Owner\\'s pick", 'C:\\\\temp', '{% raw %}{{ oops }}{% endraw %}', "{% raw %}var(\\'x\\'){% endraw %}"]);
    expect(stringLiteralBody("it's", quotingRulesFor(snowflakeDialect))).toBe("it\\'s");
  });

  it('writes properties dbt accepts, in both argument forms and under either tests key', () => {
    const validate = dbtModelsValidator();
    for (const overrides of [{}, { testArguments: 'top-level' as const }, { testsKey: 'tests' as const }]) {
      for (const generated of generateModels(input(postgresDialect, overrides)).models) {
        expect(validate(parse(generated.yaml)), `${generated.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
    const topLevel = model(generateModels(input(postgresDialect, { testArguments: 'top-level' })), 'deals').yaml;
    expect(columns(topLevel).find((c) => c.name === 'person_id')?.data_tests).toEqual([
      { relationships: { to: "ref('stg_pipedrive__persons')", field: 'id', config: { severity: 'warn' } } },
    ]);
    const compiled = compileTests(topLevel, { source: () => '', ref: (m) => m, quote: (n) => `"${n}"` });
    expect(compiled.find((t) => t.column === 'person_id')?.main).toContain('from stg_pipedrive__persons');
    expect(columns(model(generateModels(input(postgresDialect, { testsKey: 'tests' })), 'deals').yaml)[0]?.tests).toEqual(['unique', 'not_null']);
  });

  it('describes columns as dbt-sources does, and the model as live rows of its source table', () => {
    const deals = parse(model(generateModels(input()), 'deals').yaml) as { models: { description: string; columns: { name: string; description: string }[] }[] };
    expect(deals.models[0]?.description).toMatch(/Staging model of the source table pipedrive\.deals: every column, live rows only .*pipedrive_include_deleted/);
    expect(deals.models[0]?.columns.find((c) => c.name === 'lead_source')?.description).toBe("Custom field 'Lead source' (enum: Web, Referral, Partner).");
    expect(deals.models[0]?.columns.find((c) => c.name.startsWith('robert'))?.description).toMatch(/^\{% raw %\}Custom field 'Robert'\);/);
  });

  it('has no model for the loader tables, and a table is unloaded only when all its streams were unavailable', () => {
    const generated = generateModels(input());
    expect(generated.models.some((m) => m.table.startsWith('_loader_'))).toBe(false);
    expect(unloadedTablesFrom(['projects#unavailable_since', 'tasks#unavailable_since'])).toEqual(new Set(['tasks']));
    expect(unloadedTablesFrom(['projects#unavailable_since', 'projects_archived#unavailable_since'])).toEqual(new Set(['projects']));
  });
});

describe('dbt-models marker', () => {
  const text = withMarker('select 1\n', '--');

  it('regenerates its own untouched files and keeps edited or foreign ones', () => {
    expect(decideFile(undefined, text)).toBe('create');
    expect(decideFile(text, text)).toBe('unchanged');
    expect(decideFile(text, withMarker('select 2\n', '--'))).toBe('update');
    expect(decideFile(text.replace('select 1', 'select 42'), text)).toBe('kept_edited');
    expect(decideFile(text.split('\n').slice(1).join('\n'), text)).toBe('kept_foreign');
    expect(decideFile('select 1\n', text)).toBe('kept_foreign');
  });

  it('does not count line endings or a final newline as edits', () => {
    expect(decideFile(text.replace(/\n/g, '\r\n'), text)).toBe('unchanged');
    expect(decideFile(`${text}\n\n`, withMarker('select 2\n', '--'))).toBe('update');
    expect(checksum('select 1\n')).toBe(checksum('select 1'));
  });
});
