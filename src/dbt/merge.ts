/**
 * Regenerating sources.yml over a file the user has edited: the loader's facts are refreshed,
 * the user's additions are kept. Exactly what happens (also in docs of renderSourcesYaml):
 *
 * - Other top-level keys (`models:`, …) and other sources in the file are kept as they are.
 * - In the loader's source (matched by name): `name`, `schema`, `loader`, `database` (when given),
 *   `loaded_at_field` and `freshness` (top level or under `config:`, never both) are the loader's
 *   and are rewritten; every other key (meta, tags, quoting, other config keys …) is kept.
 * - Tables and columns are matched by name, case-insensitively. Generated tables and columns come
 *   first in the generated order; tables and columns only the user listed follow, in their order.
 * - A table's keys other than `name` and `columns` are kept when the user set them (their own
 *   `freshness`, `loaded_at_field`, `meta`, `tags`, `config` …); otherwise the generated value is used.
 * - A column's keys other than `name`, `description` and its tests are kept as the user wrote them.
 *   Tests: the user's list is kept in its order, the generated `unique`/`not_null` are added when
 *   missing (a test given as `{unique: {config: …}}` counts), under whichever key the user uses
 *   (`tests` or `data_tests`: dbt refuses both on one column).
 * - Descriptions (source, table, column): a description the user wrote is kept; one the loader
 *   wrote (see isGeneratedDescription) is replaced, so renames and new enum options show up.
 * - YAML comments are not kept: the file is re-serialised.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | YamlMap;
export interface YamlMap {
  [key: string]: YamlValue;
}

export function isYamlMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TEST_KEYS = ['data_tests', 'tests'] as const;

export interface MergeRules {
  readonly isGeneratedDescription: (text: string) => boolean;
}

function nameOf(entry: YamlValue): string | undefined {
  return isYamlMap(entry) && typeof entry['name'] === 'string' ? entry['name'].toLowerCase() : undefined;
}

function keepDescription(existing: YamlValue | undefined, generated: YamlValue | undefined, rules: MergeRules): YamlValue | undefined {
  if (typeof existing === 'string' && existing.trim() !== '' && !rules.isGeneratedDescription(existing)) return existing;
  return generated;
}

/** Generated entries in order, each merged with its namesake; then the user's extra entries. */
function mergeByName(
  generated: readonly YamlValue[],
  existing: YamlValue | undefined,
  merge: (generatedEntry: YamlMap, existingEntry: YamlMap | undefined) => YamlMap,
): YamlValue[] {
  const existingEntries = Array.isArray(existing) ? existing : [];
  const byName = new Map<string, YamlMap>();
  for (const entry of existingEntries) {
    const name = nameOf(entry);
    if (name !== undefined && isYamlMap(entry) && !byName.has(name)) byName.set(name, entry);
  }
  const generatedNames = new Set(generated.map(nameOf));
  const result: YamlValue[] = generated.map((entry) =>
    isYamlMap(entry) ? merge(entry, byName.get(nameOf(entry) ?? '')) : entry,
  );
  for (const entry of existingEntries) if (!generatedNames.has(nameOf(entry))) result.push(entry);
  return result;
}

function testName(test: YamlValue): string | undefined {
  if (typeof test === 'string') return test;
  if (isYamlMap(test)) {
    const keys = Object.keys(test);
    if (keys.length === 1) return keys[0];
    if (typeof test['test_name'] === 'string') return test['test_name'];
  }
  return undefined;
}

function mergeColumn(generated: YamlMap, existing: YamlMap | undefined, rules: MergeRules): YamlMap {
  if (!existing) return generated;
  const result: YamlMap = { name: generated['name'] ?? null };
  const description = keepDescription(existing['description'], generated['description'], rules);
  if (description !== undefined) result['description'] = description;

  const generatedKey = TEST_KEYS.find((key) => key in generated);
  const userKey = TEST_KEYS.find((key) => key in existing);
  const testsKey = userKey ?? generatedKey;
  if (testsKey) {
    const userTests = Array.isArray(existing[testsKey]) ? [...(existing[testsKey] as YamlValue[])] : [];
    const present = new Set(userTests.map(testName));
    const generatedTests = generatedKey && Array.isArray(generated[generatedKey]) ? (generated[generatedKey] as YamlValue[]) : [];
    for (const test of generatedTests) if (!present.has(testName(test))) userTests.push(test);
    if (userTests.length > 0 || userKey) result[testsKey] = userTests;
  }
  for (const [key, value] of Object.entries(existing)) {
    if (!(key in result) && !(TEST_KEYS as readonly string[]).includes(key)) result[key] = value;
  }
  return result;
}

function mergeTable(generated: YamlMap, existing: YamlMap | undefined, rules: MergeRules): YamlMap {
  if (!existing) return generated;
  const result: YamlMap = {};
  for (const [key, value] of Object.entries(generated)) {
    if (key === 'columns') {
      const columns = Array.isArray(value) ? value : [];
      result[key] = mergeByName(columns, existing[key], (g, e) => mergeColumn(g, e, rules));
    } else if (key === 'description') {
      result[key] = keepDescription(existing[key], value, rules) ?? value;
    } else {
      result[key] = key !== 'name' && key in existing ? (existing[key] ?? null) : value;
    }
  }
  for (const [key, value] of Object.entries(existing)) if (!(key in result)) result[key] = value;
  return result;
}

/** Written either at the top of the source or under `config:` (dbt ≥ 1.10); never both. */
const FRESHNESS_KEYS = ['loaded_at_field', 'freshness'];

function withoutKeys(map: YamlMap, keys: readonly string[]): YamlMap {
  return Object.fromEntries(Object.entries(map).filter(([key]) => !keys.includes(key)));
}

function mergeSource(generated: YamlMap, existing: YamlMap | undefined, rules: MergeRules): YamlMap {
  if (!existing) return generated;
  const result: YamlMap = {};
  for (const [key, value] of Object.entries(generated)) {
    if (key === 'tables') {
      const tables = Array.isArray(value) ? value : [];
      result[key] = mergeByName(tables, existing[key], (g, e) => mergeTable(g, e, rules));
    } else if (key === 'description') {
      result[key] = keepDescription(existing[key], value, rules) ?? value;
    } else if (key === 'config' && isYamlMap(value)) {
      // The loader owns config.freshness and config.loaded_at_field; other config keys are the user's.
      const userConfig = isYamlMap(existing[key]) ? existing[key] : {};
      result[key] = { ...value, ...withoutKeys(userConfig, Object.keys(value)) };
    } else {
      result[key] = value;
    }
  }
  for (const [key, value] of Object.entries(existing)) {
    if (key in result || FRESHNESS_KEYS.includes(key)) continue;
    // With top-level freshness, a user config must not carry a second, stale copy of it.
    result[key] = key === 'config' && isYamlMap(value) ? withoutKeys(value, FRESHNESS_KEYS) : value;
  }
  return result;
}

/** Merges the generated sources document into the parsed previous file (see the rules above). */
export function mergeSourcesDocument(generated: YamlMap, existing: YamlMap, rules: MergeRules): YamlMap {
  const generatedSources = Array.isArray(generated['sources']) ? generated['sources'] : [];
  const result: YamlMap = { version: generated['version'] ?? 2 };
  result['sources'] = mergeByName(generatedSources, existing['sources'], (g, e) => mergeSource(g, e, rules));
  for (const [key, value] of Object.entries(existing)) if (!(key in result)) result[key] = value;
  return result;
}
