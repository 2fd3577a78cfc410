import { describe, expect, it } from 'vitest';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import { assignCustomColumns, type ColumnMapping } from '../../../src/schema/column-map.js';
import { BUILTIN_COLUMNS } from '../../../src/schema/builtins.js';
import { isValidIdentifier } from '../../../src/schema/naming.js';
import { SYSTEM_COLUMNS } from '../../../src/schema/types.js';

const NOW = '2026-01-01T00:00:00Z';
const LATER = '2026-02-01T00:00:00Z';

function key(seed: number): string {
  return seed.toString(16).padStart(2, '0').repeat(20);
}

function field(code: string, name: string, type = 'varchar'): FieldDefinition {
  return { field_code: code, field_name: name, field_type: type, options: null, subfields: null, is_custom_field: true };
}

const DEAL_RESERVED = new Set([...(BUILTIN_COLUMNS.deals ?? []).map((c) => c.name), ...SYSTEM_COLUMNS.map((c) => c.name)]);

function assign(fields: FieldDefinition[], persisted: ColumnMapping[] = [], now = NOW): ColumnMapping[] {
  return assignCustomColumns({ table: 'deals', fields, persisted, reserved: DEAL_RESERVED, now }).mappings;
}

function columnsByKey(mappings: readonly ColumnMapping[]): Map<string, string> {
  return new Map(mappings.map((m) => [`${m.field_key}/${m.subfield}`, m.column_name]));
}

/** Deterministic shuffle (LCG) so the property loop is reproducible. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('assignCustomColumns', () => {
  it('names a column from the field name', () => {
    const [mapping] = assign([field(key(1), 'Customer Type')]);
    expect(mapping).toMatchObject({ table_name: 'deals', field_key: key(1), subfield: '', column_name: 'customer_type', field_name: 'Customer Type', first_seen_at: NOW, last_seen_at: NOW });
  });

  it('does not collide with built-in columns', () => {
    const [value] = assign([field(key(1), 'Value', 'double')]);
    expect(value?.column_name).not.toBe('value');
    expect(value?.column_name).toMatch(/^value_[0-9a-f]{8}$/);
  });

  it('does not collide with system columns', () => {
    const names = assign([field(key(1), '_loaded_at'), field(key(2), 'Loaded at'), field(key(3), '_deleted_at')]).map((m) => m.column_name);
    for (const name of names) {
      expect(name.startsWith('_')).toBe(false);
      expect(DEAL_RESERVED.has(name)).toBe(false);
    }
    expect(new Set(names).size).toBe(3);
  });

  it('gives two fields with the same name distinct names, the lower key winning the plain one', () => {
    const mappings = assign([field(key(9), 'Region'), field(key(3), 'Region')]);
    const byKey = columnsByKey(mappings);
    expect(byKey.get(`${key(3)}/`)).toBe('region');
    expect(byKey.get(`${key(9)}/`)).toMatch(/^region_[0-9a-f]{8}$/);
  });

  it('keeps names unique after truncation', () => {
    const prefix = 'An extremely long custom field name that goes on and on past the limit ';
    const mappings = assign([field(key(1), `${prefix}one`), field(key(2), `${prefix}two`), field(key(3), `${prefix}one`)]);
    const names = mappings.map((m) => m.column_name);
    expect(new Set(names).size).toBe(3);
    for (const name of names) expect(isValidIdentifier(name)).toBe(true);
  });

  it('uses a readable fallback for names with no letters or digits left', () => {
    const code = '9dc80c50d78a15643bfc4ca79d76156a73a1ca0e';
    const [mapping] = assign([field(code, '名前')]);
    expect(mapping?.column_name).toBe('custom_field_9dc80c50');
    const [emoji] = assign([field(code, '🚀🚀')]);
    expect(emoji?.column_name).toBe('custom_field_9dc80c50');
  });

  it('creates sub-columns as rows of the same field key', () => {
    const mappings = assign([field(key(1), 'Budget', 'monetary'), field(key(2), 'Window', 'daterange'), field(key(3), 'Call at', 'time')]);
    const byKey = columnsByKey(mappings);
    expect(byKey.get(`${key(1)}/`)).toBe('budget');
    expect(byKey.get(`${key(1)}/currency`)).toBe('budget_currency');
    expect(byKey.get(`${key(2)}/until`)).toBe('window_until');
    expect(byKey.get(`${key(3)}/timezone_name`)).toBe('call_at_timezone_name');
  });

  it('lets a main column win over another field’s sub-column of the same name', () => {
    // "Budget currency" (key 9) and the currency sub-column of "Budget" (key 1) both want budget_currency.
    const byKey = columnsByKey(assign([field(key(1), 'Budget', 'monetary'), field(key(9), 'Budget currency')]));
    expect(byKey.get(`${key(9)}/`)).toBe('budget_currency');
    expect(byKey.get(`${key(1)}/currency`)).not.toBe('budget_currency');
  });

  it('is independent of the order fields arrive in', () => {
    const fields = [
      field(key(1), 'Region'), field(key(2), 'Region'), field(key(3), 'Value'), field(key(4), 'Budget', 'monetary'),
      field(key(5), 'Budget currency'), field(key(6), '名前'), field(key(7), 'region'), field(key(8), 'x'.repeat(80)),
      field(key(9), 'x'.repeat(80)), field(key(10), 'Order'), field(key(11), 'HQ', 'address'),
    ];
    const expected = columnsByKey(assign(fields));
    for (let seed = 1; seed <= 50; seed++) expect(columnsByKey(assign(shuffled(fields, seed)))).toEqual(expected);
  });

  it('advances last_seen_at only when the field metadata was read now', () => {
    const first = assign([field(key(1), 'Budget')]);
    const read = (fieldsReadNow: boolean) =>
      assignCustomColumns({ table: 'deals', fields: [field(key(1), 'Budget'), field(key(2), 'Region')], persisted: first, reserved: DEAL_RESERVED, now: LATER, fieldsReadNow }).mappings;
    const [kept, appeared] = read(false);
    expect(kept).toEqual(first[0]);
    // A mapping not yet recorded is seen now, whatever the source of its definition.
    expect(appeared).toMatchObject({ field_key: key(2), first_seen_at: LATER, last_seen_at: LATER });
    expect(read(true)[0]).toEqual({ ...first[0], last_seen_at: LATER });
  });

  it('never renames or duplicates a column when the field is renamed', () => {
    const first = assign([field(key(1), 'Region', 'enum')]);
    const renamed = assign([field(key(1), 'Sales territory', 'enum')], first, LATER);
    expect(renamed).toHaveLength(1);
    expect(renamed[0]).toMatchObject({ column_name: 'region', field_name: 'Sales territory', first_seen_at: NOW, last_seen_at: LATER });
  });

  it('never reassigns a persisted name, even if a newcomer would sort first', () => {
    const first = assign([field(key(9), 'Region')]);
    const second = columnsByKey(assign([field(key(1), 'Region'), field(key(9), 'Region')], first, LATER));
    expect(second.get(`${key(9)}/`)).toBe('region');
    expect(second.get(`${key(1)}/`)).toMatch(/^region_[0-9a-f]{8}$/);
  });

  it('keeps names stable across repeated runs with renames (property loop)', () => {
    let persisted: ColumnMapping[] = [];
    const names = ['Region', 'Value', 'Owner', 'Region', '名前', 'Stage'];
    const original = new Map<string, string>();
    for (let run = 0; run < 6; run++) {
      const fields = names.map((name, i) => field(key(i + 1), run === 0 ? name : `${name} v${run}`));
      const mappings = assign(shuffled(fields, run + 7), persisted, `2026-01-0${run + 1}T00:00:00Z`);
      for (const m of mappings) {
        const id = `${m.field_key}/${m.subfield}`;
        if (!original.has(id)) original.set(id, m.column_name);
        expect(m.column_name).toBe(original.get(id));
      }
      persisted = mappings;
    }
  });

  it('adds sub-columns when a field changes type, keeping the main column', () => {
    const first = assign([field(key(1), 'Budget', 'double')]);
    const second = assign([field(key(1), 'Budget', 'monetary')], first, LATER);
    const byKey = columnsByKey(second);
    expect(byKey.get(`${key(1)}/`)).toBe('budget');
    expect(byKey.get(`${key(1)}/currency`)).toBe('budget_currency');
    expect(second.find((m) => m.subfield === '')?.field_type).toBe('monetary');
  });

  it('ignores built-in (non-custom) fields and other tables’ persisted rows', () => {
    const builtin: FieldDefinition = { ...field('title', 'Title'), is_custom_field: false };
    const foreign: ColumnMapping = { table_name: 'persons', field_key: key(1), subfield: '', column_name: 'somewhere', field_name: 'x', field_type: 'varchar', first_seen_at: NOW, last_seen_at: NOW };
    const mappings = assign([builtin, field(key(1), 'Region')], [foreign]);
    expect(mappings.map((m) => m.column_name)).toEqual(['region']);
  });

  it('re-assigns a persisted row whose column name is not a valid identifier', () => {
    const corrupt: ColumnMapping = { table_name: 'deals', field_key: key(1), subfield: '', column_name: 'bad"; drop', field_name: 'Region', field_type: 'varchar', first_seen_at: NOW, last_seen_at: NOW };
    expect(assign([field(key(1), 'Region')], [corrupt])[0]?.column_name).toBe('region');
  });
});
