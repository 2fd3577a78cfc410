/**
 * `pipedrive-loader dbt-models`: one staging model per loaded table, `stg_<source>__<table>.sql`
 * (sql.ts) with its properties file `stg_<source>__<table>.yml` (descriptions and tests). One YAML
 * file per model rather than one for all, so that a hand edit to one model's tests keeps only
 * that file out of regeneration (marker.ts).
 *
 * Descriptions are the ones `dbt-sources` writes (sources.ts: Pipedrive's field names, types and
 * options, read from the warehouse), so the two files never disagree. The source name must be the
 * one given to `dbt-sources` (default `pipedrive`).
 */
import { stringify } from 'yaml';
import { ConfigurationError } from '../../errors.js';
import { STREAMS, type FieldEntity, type MetadataEntity } from '../../pipedrive/catalog.js';
import type { FieldDefinition } from '../../pipedrive/fields.js';
import { IDENTIFIER_PATTERN } from '../../schema/naming.js';
import type { ColumnMapping } from '../../schema/column-map.js';
import type { ColumnSpec } from '../../schema/types.js';
import { unavailableKey } from '../../load/stream-loader.js';
import { isYamlMap, type YamlMap, type YamlValue } from '../merge.js';
import { buildSourcesDocument, freshnessFor, LOADER_TABLE_PREFIX, primaryKeysFromCatalog } from '../sources.js';
import { withMarker } from './marker.js';
import { needsQuoteInYaml, type QuotingRules } from './quoting.js';
import { includeDeletedVar, modelName, renderModelSql } from './sql.js';
import { testsForTable, testYaml, type GeneratedTest, type TestArguments } from './tests.js';

export interface ModelsInput {
  readonly sourceName: string;
  readonly schema: string;
  readonly tables: ReadonlyMap<string, readonly ColumnSpec[]>;
  readonly mappings: readonly ColumnMapping[];
  readonly fields: ReadonlyMap<MetadataEntity, readonly FieldDefinition[]>;
  readonly unloadedTables: ReadonlySet<string>;
  readonly rules: QuotingRules;
  readonly testsKey?: 'data_tests' | 'tests';
  readonly testArguments?: TestArguments;
}

export interface GeneratedModel {
  readonly table: string;
  readonly name: string;
  readonly sqlFile: string;
  readonly sql: string;
  readonly yamlFile: string;
  readonly yaml: string;
  readonly tests: readonly GeneratedTest[];
}

export interface GeneratedModels {
  readonly models: GeneratedModel[];
  /** Tables with no model: their name is not a plain identifier (made by hand in the schema). */
  readonly skippedTables: string[];
}

/** Whose custom fields a table carries (leads carry the deal custom fields). */
const ENTITY_OF_TABLE: ReadonlyMap<string, FieldEntity> = new Map(
  STREAMS.flatMap((stream) => (stream.fieldsOf ? [[stream.table, stream.fieldsOf] as const] : [])),
);

/** Tables whose every stream was found unavailable (an add-on the company lacks): nothing loaded. */
export function unloadedTablesFrom(stateKeys: Iterable<string>): Set<string> {
  const keys = new Set(stateKeys);
  const tables = new Set(STREAMS.map((stream) => stream.table));
  return new Set(
    [...tables].filter((table) => STREAMS.filter((s) => s.table === table).every((s) => keys.has(unavailableKey(s.name)))),
  );
}

interface Described {
  readonly description: string;
  readonly columns: ReadonlyMap<string, string>;
  /** Column names (lower case) in the order dbt-sources lists them. */
  readonly order: readonly string[];
}

/** The descriptions dbt-sources would write, per table. */
function describeTables(input: ModelsInput): Map<string, Described> {
  const document = buildSourcesDocument({
    sourceName: input.sourceName,
    schema: input.schema,
    tables: input.tables,
    mappings: input.mappings,
    fields: input.fields,
    primaryKeys: primaryKeysFromCatalog(),
    freshness: freshnessFor(30),
  });
  const sources = document['sources'];
  const source = Array.isArray(sources) && isYamlMap(sources[0]) ? sources[0] : {};
  const described = new Map<string, Described>();
  for (const table of Array.isArray(source['tables']) ? source['tables'] : []) {
    if (!isYamlMap(table) || typeof table['name'] !== 'string') continue;
    const columns = (Array.isArray(table['columns']) ? table['columns'] : []).filter(isYamlMap);
    described.set(table['name'], {
      description: typeof table['description'] === 'string' ? table['description'] : '',
      columns: new Map(columns.map((c) => [String(c['name']), typeof c['description'] === 'string' ? c['description'] : ''])),
      order: columns.map((c) => String(c['name'])),
    });
  }
  return described;
}

function modelDescription(input: ModelsInput, table: string, tableText: string, hasDeletedAt: boolean): string {
  const rows = hasDeletedAt
    ? `live rows only (_deleted_at is null; set the dbt variable ${includeDeletedVar(input.sourceName)} to true to keep deleted rows)`
    : 'every row';
  return `${tableText} Staging model of the source table ${input.sourceName}.${table}: every column, ${rows}.`;
}

function modelYaml(input: ModelsInput, model: string, description: string, columns: readonly string[], described: Described, tests: readonly GeneratedTest[]): string {
  const testsKey = input.testsKey ?? 'data_tests';
  const entries = columns.map((name): YamlMap => {
    const lower = name.toLowerCase();
    const entry: YamlMap = { name, description: described.columns.get(lower) ?? '' };
    if (needsQuoteInYaml(name)) entry['quote'] = true;
    const columnTests: YamlValue[] = tests
      .filter((test) => test.column === lower)
      .map((test) => testYaml(test, input.rules, input.testArguments ?? 'nested'));
    if (columnTests.length > 0) entry[testsKey] = columnTests;
    return entry;
  });
  const document = { version: 2, models: [{ name: model, description, columns: entries }] };
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function generateModels(input: ModelsInput): GeneratedModels {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(input.sourceName)) {
    throw new ConfigurationError(`The dbt source name '${input.sourceName}' must be a plain name (letters, digits, _).`);
  }
  const described = describeTables(input);
  const primaryKeys = primaryKeysFromCatalog();
  const models: GeneratedModel[] = [];
  const skippedTables: string[] = [];
  const lowerTables = new Map([...input.tables].map(([name, columns]) => [name.toLowerCase(), columns]));
  for (const [table, specs] of [...lowerTables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (table.startsWith(LOADER_TABLE_PREFIX)) continue;
    const about = described.get(table);
    if (!IDENTIFIER_PATTERN.test(table) || !about) {
      skippedTables.push(table);
      continue;
    }
    const byLower = new Map(specs.map((spec) => [spec.name.toLowerCase(), spec.name]));
    const columns = about.order.map((lower) => byLower.get(lower) ?? lower);
    const name = modelName(input.sourceName, table);
    const entity = ENTITY_OF_TABLE.get(table);
    const tests = testsForTable({
      sourceName: input.sourceName,
      table,
      columns: specs,
      tables: lowerTables,
      unloadedTables: input.unloadedTables,
      primaryKey: (primaryKeys.get(table) ?? []).map((column) => column.toLowerCase()),
      mappings: input.mappings,
      definitions: entity ? input.fields.get(entity) : undefined,
    });
    const sql = renderModelSql({ sourceName: input.sourceName, table, columns, rules: input.rules });
    const description = modelDescription(input, table, about.description, byLower.has('_deleted_at'));
    models.push({
      table,
      name,
      sqlFile: `${name}.sql`,
      sql: withMarker(sql, '--'),
      yamlFile: `${name}.yml`,
      yaml: withMarker(modelYaml(input, name, description, columns, about, tests), '#'),
      tests,
    });
  }
  return { models, skippedTables };
}
