import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { primaryKeysFromCatalog, renderSourcesYaml, orderColumns } from '../../../src/dbt/sources.js';
import { MAX_LISTED_OPTIONS } from '../../../src/dbt/descriptions.js';
import { ConfigurationError } from '../../../src/errors.js';
import type { FieldEntity } from '../../../src/pipedrive/catalog.js';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import { STREAMS } from '../../../src/pipedrive/catalog.js';
import { dbtSourcesValidator } from './dbt-schema.js';
import { customField, dealFields, DELETED_KEY, LEAD_SOURCE_KEY, loadedSchema, sourcesInput } from './fixtures.js';

interface Column {
  name: string;
  description: string;
  data_tests?: unknown[];
  tests?: unknown[];
}
interface Table {
  name: string;
  description: string;
  freshness?: unknown;
  config?: Record<string, unknown>;
  columns: Column[];
}
interface Source {
  name: string;
  schema: string;
  database?: string;
  loaded_at_field?: string;
  freshness?: unknown;
  config?: Record<string, unknown>;
  tables: Table[];
}
interface SourcesFile {
  version: number;
  sources: Source[];
}

const validate = dbtSourcesValidator();

function render(overrides: Parameters<typeof sourcesInput>[0] = {}): { text: string; file: SourcesFile; source: Source } {
  const text = renderSourcesYaml(sourcesInput(overrides));
  const file = parse(text) as SourcesFile;
  const source = file.sources[0];
  if (!source) throw new Error('no source');
  return { text, file, source };
}

function table(source: Source, name: string): Table {
  const found = source.tables.find((t) => t.name === name);
  if (!found) throw new Error(`no table ${name}`);
  return found;
}

function column(source: Source, tableName: string, name: string): Column {
  const found = table(source, tableName).columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${tableName}.${name}`);
  return found;
}

describe('renderSourcesYaml', () => {
  const { text, file, source } = render();

  it("matches dbt's documented sources schema", () => {
    expect(validate(file), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(file.version).toBe(2);
  });

  it('describes the source: schema, loader and freshness from the schedule (30 min → warn 1 h, error 3 h)', () => {
    expect(source).toMatchObject({
      name: 'pipedrive',
      schema: 'stitch_pipedrive',
      loader: 'pipedrive-loader',
      loaded_at_field: '_loaded_at',
      freshness: { warn_after: { count: 1, period: 'hour' }, error_after: { count: 3, period: 'hour' } },
    });
    expect(source).not.toHaveProperty('database');
    expect(render({ database: 'analytics' }).source.database).toBe('analytics');
  });

  it('lists every table by name except the loader’s own _loader_* tables', () => {
    const expected = [...new Set(STREAMS.map((s) => s.table))].sort();
    expect(source.tables.map((t) => t.name)).toEqual(expected);
    expect(text).not.toContain('_loader_state');
  });

  it('lists every column of every table, each with a description', () => {
    const { tables } = loadedSchema(dealFields());
    for (const t of source.tables) {
      expect(t.columns.map((c) => c.name).sort()).toEqual((tables.get(t.name) ?? []).map((c) => c.name).sort());
      for (const c of t.columns) expect(c.description, `${t.name}.${c.name}`).toMatch(/\S/);
      expect(t.description).toMatch(/\S/);
    }
  });

  it('describes custom fields by their Pipedrive name and type, enums and sets with their options', () => {
    expect(column(source, 'deals', 'lead_source').description).toBe(
      "Custom field 'Lead source' (enum: Web, Referral, Partner).",
    );
    expect(column(source, 'deals', 'tags').description).toBe(
      "Custom field 'Tags' (set: Hot, Cold). A list of the selected labels.",
    );
    expect(column(source, 'deals', 'deal_value').description).toBe("Custom field 'Deal value' (monetary).");
    expect(column(source, 'deals', 'deal_value_currency').description).toBe(
      "Custom field 'Deal value' (monetary): currency code.",
    );
  });

  it('keeps Jinja in Pipedrive names from being rendered by dbt', () => {
    const hostile = table(source, 'deals').columns.find((c) => c.description.includes('DROP TABLE'));
    expect(hostile?.description).toBe(
      "{% raw %}Custom field 'Robert'); DROP TABLE deals;-- {{ oops }}' (text).{% endraw %}",
    );
  });

  it('describes built-ins from Pipedrive’s definitions or a fixed text, and explains system columns', () => {
    expect(column(source, 'deals', 'title').description).toBe("Pipedrive field 'Title' (varchar): The title of the deal.");
    expect(column(source, 'deals', 'status').description).toBe(
      "Pipedrive field 'Status' (status). Values: open = Open, won = Won.",
    );
    expect(column(source, 'deals', 'owner_id').description).toBe('Id of the owning user (users.id).');
    expect(column(source, 'users', 'id').description).toBe('Pipedrive id (primary key).');
    expect(column(source, 'deals', '_loaded_at').description).toMatch(/last wrote this row.*freshness/);
    expect(column(source, 'deals', '_load_id').description).toMatch(/load \(run\)/);
    expect(column(source, 'deals', '_deleted_at').description).toMatch(/^Deals Pipedrive reports deleted .*key scan/);
    expect(column(source, 'users', '_deleted_at').description).toMatch(/Checked on every run, at no extra cost/);
  });

  it('tests unique and not_null on every primary key', () => {
    for (const [tableName, key] of primaryKeysFromCatalog()) {
      for (const name of key) expect(column(source, tableName, name).data_tests).toEqual(['unique', 'not_null']);
    }
    const tested = source.tables.flatMap((t) => t.columns.filter((c) => c.data_tests).map((c) => `${t.name}.${c.name}`));
    expect(tested).toHaveLength(primaryKeysFromCatalog().size);
  });

  it('uses `tests` for older dbt, and only not_null per column for a composite key', () => {
    const old = render({ testsKey: 'tests' }).source;
    expect(column(old, 'deals', 'id').tests).toEqual(['unique', 'not_null']);
    expect(column(old, 'deals', 'id')).not.toHaveProperty('data_tests');
    const composite = render({ primaryKeys: new Map([['deals', ['id', 'title']]]) }).source;
    expect(column(composite, 'deals', 'id').data_tests).toEqual(['not_null']);
    expect(column(composite, 'deals', 'title').data_tests).toEqual(['not_null']);
  });

  it('orders columns: key, built-ins in catalog order, the rest by name, system columns last', () => {
    const names = table(source, 'deals').columns.map((c) => c.name);
    expect(names.slice(0, 3)).toEqual(['id', 'title', 'creator_user_id']);
    expect(names.slice(-3)).toEqual(['_loaded_at', '_load_id', '_deleted_at']);
    expect(orderColumns('deals', ['zeta', '_loaded_at', 'alpha', 'title', 'id'], ['id'])).toEqual([
      'id',
      'title',
      'alpha',
      'zeta',
      '_loaded_at',
    ]);
  });

  it('is deterministic whatever order describeSchema reports tables and columns in', () => {
    const input = sourcesInput();
    const shuffled = new Map([...input.tables.entries()].reverse().map(([n, cols]) => [n, [...cols].reverse()]));
    expect(renderSourcesYaml({ ...input, tables: shuffled })).toBe(text);
  });

  it('writes lower-case names for warehouses that report upper case (Snowflake)', () => {
    const input = sourcesInput();
    const upper = new Map([...input.tables].map(([n, cols]) => [n.toUpperCase(), cols.map((c) => ({ ...c, name: c.name.toUpperCase() }))]));
    expect(renderSourcesYaml({ ...input, tables: upper })).toBe(text);
  });

  it('switches freshness off on a table without _loaded_at, and can write the dbt ≥ 1.10 config form', () => {
    const tables = new Map(sourcesInput().tables);
    tables.set('stages', [{ name: 'id', type: 'bigint' }]);
    const legacy = render({ tables });
    expect(table(legacy.source, 'stages').freshness).toBeNull();
    expect(validate(legacy.file)).toBe(true);
    const modern = render({ tables, freshnessPlacement: 'config' });
    expect(modern.source).not.toHaveProperty('freshness');
    expect(modern.source.config).toEqual({
      loaded_at_field: '_loaded_at',
      freshness: { warn_after: { count: 1, period: 'hour' }, error_after: { count: 3, period: 'hour' } },
    });
    expect(table(modern.source, 'stages').config).toEqual({ freshness: null });
    expect(validate(modern.file), JSON.stringify(validate.errors)).toBe(true);
  });

  it('notes fields deleted in Pipedrive, inferred keys and typed siblings', () => {
    const fields = dealFields();
    const { tables, mappings } = loadedSchema([...fields, customField(DELETED_KEY, 'Old score', 'double')]);
    const deals = tables.get('deals') ?? [];
    deals.push({ name: 'lead_source__bigint', type: 'bigint' }, { name: 'my_manual_column', type: 'string' });
    mappings.push({
      table_name: 'deals',
      field_key: 'legacy_flag',
      subfield: '',
      column_name: 'legacy_flag',
      field_name: 'legacy_flag',
      field_type: 'inferred',
      first_seen_at: '',
      last_seen_at: '',
    });
    deals.push({ name: 'legacy_flag', type: 'boolean' });
    const { source: s } = render({ tables, mappings, fields: new Map<FieldEntity, FieldDefinition[]>([['deal', fields]]) });
    expect(column(s, 'deals', 'old_score').description).toBe(
      "Custom field 'Old score' (double). The field no longer exists in Pipedrive; older values are kept.",
    );
    expect(column(s, 'deals', 'legacy_flag').description).toMatch(/^Pipedrive key 'legacy_flag' that no field definition/);
    expect(column(s, 'deals', 'lead_source__bigint').description).toBe(
      'Values of lead_source since its type changed to bigint in Pipedrive; earlier values stay in lead_source.',
    );
    expect(column(s, 'deals', 'my_manual_column').description).toBe('A column the loader did not create from Pipedrive metadata.');
  });

  it(`cuts option lists after ${MAX_LISTED_OPTIONS} options`, () => {
    const labels = Array.from({ length: 30 }, (_, i) => `Option ${i + 1}`);
    const fields = [...dealFields().filter((f) => f.field_code !== LEAD_SOURCE_KEY), customField(LEAD_SOURCE_KEY, 'Lead source', 'enum', labels)];
    const { source: s } = render({ fields: new Map<FieldEntity, FieldDefinition[]>([['deal', fields]]) });
    expect(column(s, 'deals', 'lead_source').description).toMatch(/Option 25, … \(5 more\)\)\.$/);
  });

  it('writes long descriptions on one line, and never YAML aliases', () => {
    expect(text).not.toMatch(/[&*]a\d/);
    // Every line is a comment, a key, or a list item: no folded continuation lines.
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^#|^\s*(- )?[a-z_]+:( .*)?$|^\s*- [a-z_]+$/);
  });

  it('refuses an empty source name and an unreadable previous file', () => {
    expect(() => render({ sourceName: ' ' })).toThrow(ConfigurationError);
    expect(() => render({ existing: 'sources: [unclosed' })).toThrow(/not valid YAML/);
    expect(() => render({ existing: '- a list' })).toThrow(/not a dbt properties file/);
  });
});
