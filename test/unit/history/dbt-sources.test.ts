/** dbt-sources describes history mode's tables as their current table plus the history columns. */
import { describe, expect, it } from 'vitest';
import { buildSourcesDocument } from '../../../src/dbt/sources.js';
import { HISTORY_COLUMNS } from '../../../src/history/tables.js';
import { sourcesInput } from '../dbt/fixtures.js';

type Entry = { name: string; description: string; columns: { name: string; description: string; data_tests?: string[] }[] };

function tablesOf(document: ReturnType<typeof buildSourcesDocument>): Entry[] {
  return ((document['sources'] as Record<string, unknown>[])[0]?.['tables'] ?? []) as Entry[];
}

describe('history tables in dbt-sources', () => {
  it('keep the current table’s descriptions, add the history columns, and test the key columns for not_null only', () => {
    const base = sourcesInput();
    const deals = base.tables.get('deals') ?? [];
    const tables = new Map(base.tables);
    tables.set('deals_history', [...deals, ...HISTORY_COLUMNS]);
    const [current, history] = tablesOf(buildSourcesDocument({ ...base, tables })).filter((t) => t.name.startsWith('deals'));
    expect(current?.name).toBe('deals');
    expect(history?.name).toBe('deals_history');
    expect(history?.description).toContain('Every version of deals the loader has read');
    const names = history?.columns.map((c) => c.name) ?? [];
    expect(names.slice(-4)).toEqual(['_valid_from', '_valid_to', '_is_current', '_version_hash']);
    expect(names.slice(0, -4)).toEqual(current?.columns.map((c) => c.name));
    const byName = new Map(history?.columns.map((c) => [c.name, c]));
    expect(byName.get('id')?.data_tests).toEqual(['not_null']);
    expect(byName.get('_valid_from')?.data_tests).toEqual(['not_null']);
    expect(byName.get('_valid_to')?.description).toContain("the next version's _valid_from");
    expect(byName.get('_deleted_at')?.description).toContain('Always NULL here');
    // A custom field keeps its Pipedrive name in the history too.
    const custom = current?.columns.find((c) => c.description.includes("'Deal value'"));
    expect(custom).toBeDefined();
    expect(byName.get(custom?.name ?? '')?.description).toBe(custom?.description);
  });

  it('leaves a table merely named like a history, without _valid_from, as it is', () => {
    const base = sourcesInput();
    const tables = new Map(base.tables);
    tables.set('deals_history', [{ name: 'id', type: 'bigint' }]);
    const entry = tablesOf(buildSourcesDocument({ ...base, tables })).find((t) => t.name === 'deals_history');
    expect(entry?.description).not.toContain('Every version');
  });
});
