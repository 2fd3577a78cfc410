/**
 * `pipedrive-loader dbt-sources`: a dbt `sources.yml` (version 2) describing the loaded schema.
 *
 * What is generated:
 * - One source (`sourceName`, usually `pipedrive`) with `schema`, `database` when given,
 *   `loader: pipedrive-loader`, `loaded_at_field: _loaded_at` and freshness thresholds (see
 *   freshness.ts for the rule). `freshnessPlacement: 'config'` writes both under `config:`
 *   instead, the form dbt ≥ 1.10 prefers; the default top-level form works on every dbt 1.x.
 * - Every table of the schema except the loader's own `_loader_*` tables, whose layout is internal
 *   (`pipedrive-loader state show` prints them). A table without `_loaded_at` gets
 *   `freshness: null`, because dbt's freshness query would fail on it.
 * - Every column with a description (descriptions.ts): custom fields with their Pipedrive name and
 *   type, enum and set fields with their options; built-ins from Pipedrive's own field definitions
 *   or a short fixed text; the system columns explained, `_deleted_at` per table: how that
 *   table's deletes are detected (a full read every run, a key scan on the cadence, per parent).
 * - `unique` and `not_null` on a single-column primary key, under `data_tests` (dbt ≥ 1.8; pass
 *   `testsKey: 'tests'` for older dbt). A composite key gets `not_null` on each column only: its
 *   uniqueness is a property of the combination, which core dbt cannot test on a column.
 *
 * Deterministic order, so that regenerating changes only what changed: tables by name; columns
 * primary key first, then built-ins in the loader's catalog order, then every other column by
 * name, then `_loaded_at`, `_load_id`, `_deleted_at`. Names are written in lower case (the
 * loader's names are lower case; Snowflake reports them upper case, and dbt folds unquoted names).
 * With `existing`, the previous file's user additions are kept: the exact rules are in merge.ts.
 */
import { parse, stringify } from 'yaml';
import { ConfigurationError } from '../errors.js';
import { STREAMS, type FieldEntity, type MetadataEntity } from '../pipedrive/catalog.js';
import type { FieldDefinition } from '../pipedrive/fields.js';
import { builtinColumnsOf } from '../schema/builtins.js';
import type { ColumnMapping } from '../schema/column-map.js';
import { SYSTEM_COLUMNS, type ColumnSpec } from '../schema/types.js';
import {
  builtinColumnDescription,
  customColumnDescription,
  deletedAtDescription,
  escapeJinja,
  isGeneratedDescription,
  otherColumnDescription,
  SYSTEM_COLUMN_DESCRIPTIONS,
  tableDescription,
} from './descriptions.js';
import { dbtDuration, type Freshness } from './freshness.js';
import { isYamlMap, mergeSourcesDocument, type YamlMap, type YamlValue } from './merge.js';
import { HISTORY_COLUMNS } from '../history/tables.js';
import { HISTORY_COLUMN_DESCRIPTIONS, historyBaseOf, historyTableDescription } from '../history/dbt.js';

export { freshnessFor, type Freshness } from './freshness.js';

export const LOADER_TABLE_PREFIX = '_loader_';
export const LOADED_AT_COLUMN = '_loaded_at';

export interface SourcesInput {
  /** The dbt source name, e.g. 'pipedrive': models use {{ source('pipedrive', 'deals') }}. */
  readonly sourceName: string;
  readonly schema: string;
  /** BigQuery project, Snowflake database; usually omitted for DuckDB and PostgreSQL. */
  readonly database?: string;
  /** From WarehouseClient.describeSchema. */
  readonly tables: ReadonlyMap<string, readonly ColumnSpec[]>;
  /** Rows of `_loader_columns`: which column holds which custom field. */
  readonly mappings: readonly ColumnMapping[];
  /**
   * Current field definitions per entity (option lists, built-in names, deleted fields), from the
   * `<entity>_fields` tables: deal, person … and note, lead.
   */
  readonly fields: ReadonlyMap<MetadataEntity, readonly FieldDefinition[]>;
  readonly primaryKeys: ReadonlyMap<string, readonly string[]>;
  readonly freshness: Freshness;
  /** The previous file's text: user additions in it are kept. */
  readonly existing?: string;
  readonly testsKey?: 'data_tests' | 'tests';
  readonly freshnessPlacement?: 'top-level' | 'config';
}

/** Primary keys of every table the catalog writes (deals → [id], deal_fields → [field_code] …). */
export function primaryKeysFromCatalog(): Map<string, string[]> {
  return new Map(STREAMS.map((stream) => [stream.table, [...stream.primaryKey]]));
}

/** Whose custom fields a table carries (leads carry the deal custom fields). */
const ENTITY_OF_TABLE: ReadonlyMap<string, FieldEntity> = new Map(
  STREAMS.flatMap((stream) => (stream.fieldsOf ? [[stream.table, stream.fieldsOf] as const] : [])),
);

function pluralOf(entity: string): string {
  return entity.endsWith('y') ? `${entity.slice(0, -1)}ies` : `${entity}s`;
}

/** Whose field metadata names a table's built-in columns: leads → lead (lead_fields), deals → deal. */
const METADATA_OF_TABLE: ReadonlyMap<string, MetadataEntity> = new Map(
  STREAMS.flatMap((stream) => (stream.describes ? [[pluralOf(stream.describes), stream.describes] as const] : [])),
);

const SYSTEM_NAMES = SYSTEM_COLUMNS.map((column) => column.name);

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The column order described at the top of this file. */
export function orderColumns(table: string, columns: readonly string[], primaryKey: readonly string[]): string[] {
  const present = new Set(columns);
  const builtins = builtinColumnsOf(table).map((column) => column.name);
  const placed = new Set([...primaryKey, ...builtins, ...SYSTEM_NAMES]);
  return [
    ...primaryKey.filter((name) => present.has(name)),
    ...builtins.filter((name) => present.has(name) && !primaryKey.includes(name)),
    ...columns.filter((name) => !placed.has(name)).sort(compareNames),
    ...SYSTEM_NAMES.filter((name) => present.has(name)),
  ];
}

interface TableContext {
  readonly table: string;
  readonly columnNames: ReadonlySet<string>;
  readonly mappingsByColumn: ReadonlyMap<string, ColumnMapping>;
  /** Definitions of the entity whose custom fields the table carries. */
  readonly definitions: readonly FieldDefinition[] | undefined;
  /** Definitions naming the table's built-in columns (its own entity's, when it has some). */
  readonly builtinDefinitions: readonly FieldDefinition[] | undefined;
}

function describeColumn(column: string, context: TableContext): string {
  if (column === '_deleted_at') return deletedAtDescription(context.table);
  const system = SYSTEM_COLUMN_DESCRIPTIONS[column];
  if (system) return system;
  const mapping = context.mappingsByColumn.get(column);
  if (mapping) {
    const current = context.definitions?.find((field) => field.field_code === mapping.field_key);
    return customColumnDescription(mapping, current, context.definitions !== undefined);
  }
  const builtin = context.builtinDefinitions?.find((field) => !field.is_custom_field && field.field_code === column);
  if (builtin || builtinColumnsOf(context.table).some((spec) => spec.name === column)) {
    return builtinColumnDescription(column, builtin);
  }
  return otherColumnDescription(column, context.columnNames);
}

function primaryKeyTests(column: string, primaryKey: readonly string[]): string[] {
  if (!primaryKey.includes(column)) return [];
  return primaryKey.length === 1 ? ['unique', 'not_null'] : ['not_null'];
}

function tableEntry(table: string, specs: readonly ColumnSpec[], input: SourcesInput, testsKey: string): YamlMap {
  const names = specs.map((spec) => spec.name.toLowerCase());
  // A history table (history mode) is described as its current table, plus the history columns.
  const historyOf = historyBaseOf(table, new Set(names));
  const base = historyOf ?? table;
  const baseKey = (input.primaryKeys.get(base) ?? []).map((name) => name.toLowerCase());
  const primaryKey = historyOf === undefined ? baseKey : [...baseKey, '_valid_from'];
  const entity = ENTITY_OF_TABLE.get(base);
  const builtinEntity = METADATA_OF_TABLE.get(base) ?? entity;
  const context: TableContext = {
    table: base,
    columnNames: new Set(names),
    mappingsByColumn: new Map(
      input.mappings.filter((m) => m.table_name.toLowerCase() === base).map((m) => [m.column_name.toLowerCase(), m]),
    ),
    definitions: entity ? input.fields.get(entity) : undefined,
    builtinDefinitions: builtinEntity ? input.fields.get(builtinEntity) : undefined,
  };
  const historyNames = HISTORY_COLUMNS.map((column) => column.name);
  const ordered =
    historyOf === undefined
      ? orderColumns(table, names, primaryKey)
      : [...orderColumns(base, names.filter((name) => !historyNames.includes(name)), baseKey), ...historyNames.filter((name) => names.includes(name))];
  const columns = ordered.map((name): YamlMap => {
    // In a history table the key is (primary key, _valid_from): not unique column by column.
    const tests = historyOf === undefined ? primaryKeyTests(name, primaryKey) : primaryKey.includes(name) ? ['not_null'] : [];
    const historyDescription = historyOf === undefined ? undefined : HISTORY_COLUMN_DESCRIPTIONS[name];
    let description = historyDescription ?? describeColumn(name, context);
    if (tests.length > 0 && !description.includes('primary key')) description += historyOf === undefined ? ' Primary key.' : ' Part of the key, with _valid_from.';
    return { name, description, ...(tests.length > 0 ? { [testsKey]: tests } : {}) };
  });
  const entry: YamlMap = { name: table, description: historyOf === undefined ? tableDescription(table) : historyTableDescription(historyOf) };
  if (!names.includes(LOADED_AT_COLUMN)) {
    if (input.freshnessPlacement === 'config') entry['config'] = { freshness: null };
    else entry['freshness'] = null;
  }
  entry['columns'] = columns;
  return entry;
}

function freshnessEntry(freshness: Freshness): YamlMap {
  const warn = dbtDuration(freshness.warnAfterMinutes);
  const error = dbtDuration(freshness.errorAfterMinutes);
  return {
    warn_after: { count: warn.count, period: warn.period },
    error_after: { count: error.count, period: error.period },
  };
}

/** The generated document, before any merge with a previous file. */
export function buildSourcesDocument(input: SourcesInput): YamlMap {
  if (input.sourceName.trim() === '') throw new ConfigurationError('The dbt source needs a name.');
  const testsKey = input.testsKey ?? 'data_tests';
  const tables = [...input.tables.entries()]
    .map(([name, specs]) => [name.toLowerCase(), specs] as const)
    .filter(([name]) => !name.startsWith(LOADER_TABLE_PREFIX))
    .sort(([a], [b]) => compareNames(a, b))
    .map(([name, specs]) => tableEntry(name, specs, input, testsKey));

  const source: YamlMap = {
    name: input.sourceName,
    description: escapeJinja(
      `Pipedrive CRM data loaded by pipedrive-loader into ${input.schema}. The loader's own _loader_* tables are not listed.`,
    ),
  };
  if (input.database !== undefined && input.database !== '') source['database'] = input.database;
  source['schema'] = input.schema;
  source['loader'] = 'pipedrive-loader';
  const freshness = freshnessEntry(input.freshness);
  if (input.freshnessPlacement === 'config') {
    source['config'] = { loaded_at_field: LOADED_AT_COLUMN, freshness };
  } else {
    source['loaded_at_field'] = LOADED_AT_COLUMN;
    source['freshness'] = freshness;
  }
  source['tables'] = tables;
  return { version: 2, sources: [source] };
}

function parseExisting(text: string): YamlMap | undefined {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigurationError(`The existing sources file is not valid YAML (${reason}); fix it or move it away.`);
  }
  if (parsed === null || parsed === undefined) return undefined;
  if (!isYamlMap(parsed)) throw new ConfigurationError('The existing sources file is not a dbt properties file (a mapping).');
  return parsed as YamlMap;
}

export function sourcesHeader(schema: string): string {
  return (
    `# Generated by \`pipedrive-loader dbt-sources\` from the schema ${schema}.\n` +
    '# Regenerate it after loads that add tables or columns. Descriptions, tests, meta and other keys\n' +
    '# you add are kept when it is regenerated; YAML comments are not.\n'
  );
}

/** The sources.yml text (see the rules at the top of this file and in merge.ts). */
export function renderSourcesYaml(input: SourcesInput): string {
  const generated = buildSourcesDocument(input);
  const existing = input.existing === undefined ? undefined : parseExisting(input.existing);
  const document: YamlValue = existing
    ? mergeSourcesDocument(generated, existing, { isGeneratedDescription })
    : generated;
  return sourcesHeader(input.schema) + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
