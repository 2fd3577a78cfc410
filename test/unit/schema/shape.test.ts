import { describe, expect, it } from 'vitest';
import { parseFieldDefinition, type FieldDefinition } from '../../../src/pipedrive/fields.js';
import { BUILTIN_COLUMNS } from '../../../src/schema/builtins.js';
import type { ColumnMapping } from '../../../src/schema/column-map.js';
import { isValidIdentifier } from '../../../src/schema/naming.js';
import { buildTableModel } from '../../../src/schema/shape.js';

const NOW = '2026-01-01T00:00:00Z';
const K = (c: string): string => c.repeat(40);

function custom(code: string, name: string, type: string, options: FieldDefinition['options'] = null): FieldDefinition {
  return { field_code: code, field_name: name, field_type: type, options, subfields: null, is_custom_field: true };
}

const FIELDS: FieldDefinition[] = [
  custom(K('a'), 'Notes text', 'text'),
  custom(K('b'), 'Score', 'double'),
  custom(K('c'), 'Budget', 'monetary'),
  custom(K('d'), 'Seats', 'int'),
  custom(K('e'), 'Kickoff', 'date'),
  custom(K('f'), 'Call time', 'time'),
  custom(K('1'), 'Campaign', 'daterange'),
  custom(K('2'), 'Office hours', 'timerange'),
  custom(K('3'), 'Account manager', 'user'),
  custom(K('4'), 'Partner org', 'org'),
  custom(K('5'), 'Champion', 'people'),
  custom(K('6'), 'Priority', 'enum', [{ id: 1, label: 'Low' }, { id: 2, label: 'High' }]),
  custom(K('7'), 'Tags', 'set', [{ id: 10, label: 'Red' }, { id: 11, label: 'Blue' }]),
  custom(K('8'), 'HQ', 'address'),
  custom(K('9'), 'Hotline', 'phone'),
  custom(K('0'), 'Hologram', 'quantum_field_2030'),
];

function dealModel(persisted: ColumnMapping[] = [], fields = FIELDS) {
  return buildTableModel({ table: 'deals', primaryKey: ['id'], fields, persisted, now: NOW });
}

describe('buildTableModel: spec', () => {
  it('lists built-ins, custom columns and system columns, all valid and unique', () => {
    const spec = dealModel().spec;
    const names = spec.columns.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(isValidIdentifier(name), name).toBe(true);
    expect(names.slice(-3)).toEqual(['_loaded_at', '_load_id', '_deleted_at']);
    expect(spec.primaryKey).toEqual(['id']);
    const types = new Map(spec.columns.map((c) => [c.name, c.type]));
    expect(types.get('value')).toBe('decimal');
    expect(types.get('update_time')).toBe('timestamp');
    expect(types.get('label_ids')).toBe('json');
    expect(types.get('is_archived')).toBe('boolean');
    expect(types.get('score')).toBe('double');
    expect(types.get('budget')).toBe('decimal');
    expect(types.get('budget_currency')).toBe('string');
    expect(types.get('seats')).toBe('bigint');
    expect(types.get('kickoff')).toBe('date');
    expect(types.get('call_time')).toBe('time');
    expect(types.get('campaign_until')).toBe('date');
    expect(types.get('office_hours_until')).toBe('time');
    expect(types.get('account_manager')).toBe('bigint');
    expect(types.get('priority')).toBe('string');
    expect(types.get('tags')).toBe('string_list');
    expect(types.get('hq_locality')).toBe('string');
    expect(types.get('hologram')).toBe('string');
  });

  it('defines the built-in tables, including the five field-metadata tables', () => {
    for (const table of ['deals', 'persons', 'organizations', 'activities', 'products', 'pipelines', 'stages', 'users']) {
      expect(BUILTIN_COLUMNS[table]?.[0]).toEqual({ name: 'id', type: 'bigint' });
    }
    for (const entity of ['deal', 'person', 'organization', 'product', 'activity']) {
      const columns = BUILTIN_COLUMNS[`${entity}_fields`] ?? [];
      expect(columns.map((c) => c.name)).toEqual(['field_code', 'field_name', 'field_type', 'description', 'options', 'subfields', 'is_custom_field', 'is_optional_response_field']);
    }
  });
});

describe('buildTableModel: shaping v2 custom values', () => {
  const model = dealModel();
  const row = model.shape({
    id: 7,
    title: 'Big deal',
    value: 2300.5,
    update_time: '2024-07-01T05:46:33Z',
    status: 'open',
    is_deleted: false,
    label_ids: [1, 2],
    expected_close_date: '2024-08-01',
    custom_fields: {
      [K('a')]: 'Some notes',
      [K('b')]: 0.1,
      [K('c')]: { value: 2300, currency: 'EUR' },
      [K('d')]: 25,
      [K('e')]: '2024-01-01',
      [K('f')]: { value: '09:00:00', timezone_id: 318, timezone_name: 'Europe/London' },
      [K('1')]: { value: '2024-01-01', until: '2024-02-01' },
      [K('2')]: { value: '09:00', until: '17:30:00', timezone_id: 1, timezone_name: 'Europe/Tallinn' },
      [K('3')]: 12,
      [K('4')]: { id: 44, name: 'Acme' },
      [K('5')]: { value: 55, name: 'Ann' },
      [K('6')]: 2,
      [K('7')]: [10, 11],
      [K('8')]: { value: 'Main St 1', route: 'Main St', street_number: '1', locality: 'Tartu', country: 'Estonia', formatted_address: 'Main St 1, Tartu, Estonia' },
      [K('9')]: '+372 5555 5555',
      [K('0')]: { hologram: true },
    },
  });

  it('keeps built-ins under their API names with their types', () => {
    expect(row).toMatchObject({ id: 7, title: 'Big deal', value: 2300.5, update_time: '2024-07-01T05:46:33Z', label_ids: '[1,2]', expected_close_date: '2024-08-01' });
  });

  it('shapes each field type', () => {
    expect(row).toMatchObject({
      notes_text: 'Some notes',
      score: 0.1,
      budget: 2300,
      budget_currency: 'EUR',
      seats: 25,
      kickoff: '2024-01-01',
      call_time: '09:00:00',
      call_time_timezone_name: 'Europe/London',
      campaign: '2024-01-01',
      campaign_until: '2024-02-01',
      office_hours: '09:00:00',
      office_hours_until: '17:30:00',
      office_hours_timezone_name: 'Europe/Tallinn',
      account_manager: 12,
      partner_org: 44,
      champion: 55,
      priority: 'High',
      tags: ['Red', 'Blue'],
      hq: 'Main St 1',
      hq_value: 'Main St 1',
      hq_formatted_address: 'Main St 1, Tartu, Estonia',
      hq_route: 'Main St',
      hq_locality: 'Tartu',
      hq_country: 'Estonia',
      hq_postal_code: null,
      hotline: '+372 5555 5555',
      hologram: '{"hologram":true}',
    });
  });

  it('marks live records as not deleted', () => {
    expect(row._deleted_at).toBeNull();
  });
});

describe('buildTableModel: option ids and labels', () => {
  const model = dealModel();

  it('keeps unknown (deleted) option ids as text instead of null', () => {
    const row = model.shape({ id: 1, custom_fields: { [K('6')]: 99, [K('7')]: [10, 99] } });
    expect(row.priority).toBe('99');
    expect(row.tags).toEqual(['Red', '99']);
  });

  it('accepts {id,label} shapes, preferring the current label', () => {
    const row = model.shape({ id: 1, custom_fields: { [K('6')]: { id: 1, label: 'Old label' }, [K('7')]: [{ id: 11, label: 'x' }, { id: 77, label: 'Gone' }] } });
    expect(row.priority).toBe('Low');
    expect(row.tags).toEqual(['Blue', 'Gone']);
  });

  it('clears every column of a field set to null', () => {
    const row = model.shape({ id: 1, custom_fields: { [K('c')]: null, [K('7')]: null } });
    expect(row.budget).toBeNull();
    expect(row.budget_currency).toBeNull();
    expect(row.tags).toBeNull();
  });
});

describe('buildTableModel: v1 flat records', () => {
  it('reads flat custom keys, companions, comma sets and string enum ids', () => {
    const row = dealModel().shape({
      id: 3,
      update_time: '2024-01-22 08:55:59',
      [K('c')]: 2300,
      [`${K('c')}_currency`]: 'USD',
      [K('1')]: '2024-01-01',
      [`${K('1')}_until`]: '2024-03-01',
      [K('6')]: '1',
      [K('7')]: '10,99',
      [K('8')]: 'Main St 1',
      [`${K('8')}_locality`]: 'Tartu',
      [`${K('8')}_formatted_address`]: 'Main St 1, Tartu',
      person_id: { value: 5, name: 'Ann' },
    });
    expect(row).toMatchObject({
      update_time: '2024-01-22T08:55:59Z',
      budget: 2300,
      budget_currency: 'USD',
      campaign: '2024-01-01',
      campaign_until: '2024-03-01',
      priority: 'Low',
      tags: ['Red', '99'],
      hq: 'Main St 1',
      hq_formatted_address: 'Main St 1, Tartu',
      hq_locality: 'Tartu',
      person_id: 5,
    });
  });

  it('shapes v1 users with created/modified as UTC timestamps', () => {
    const users = buildTableModel({ table: 'users', primaryKey: ['id'], fields: [], persisted: [], now: NOW });
    const row = users.shape({ id: 1, name: 'John', created: '2018-11-13 09:16:26', modified: '2019-11-21 08:45:56', is_deleted: true, access: [{ app: 'global', admin: true }], active_flag: true });
    expect(row).toMatchObject({ id: 1, created: '2018-11-13T09:16:26Z', modified: '2019-11-21T08:45:56Z', access: '[{"app":"global","admin":true}]', active_flag: true });
    expect(row._deleted_at).toBe('2019-11-21T08:45:56Z');
  });
});

describe('buildTableModel: deletes', () => {
  it('sets _deleted_at from update_time for is_deleted or status deleted', () => {
    const model = dealModel();
    expect(model.shape({ id: 1, is_deleted: true, update_time: '2024-05-01T00:00:00Z' })._deleted_at).toBe('2024-05-01T00:00:00Z');
    expect(model.shape({ id: 1, status: 'deleted', update_time: '2024-05-02 10:00:00' })._deleted_at).toBe('2024-05-02T10:00:00Z');
    expect(model.shape({ id: 1, status: 'won', update_time: '2024-05-02T10:00:00Z' })._deleted_at).toBeNull();
  });
});

describe('buildTableModel: row layout', () => {
  it('gives every row every column of the spec, in spec order, NULL where the record has no value', () => {
    const model = dealModel();
    const names = model.spec.columns.map((c) => c.name);
    const sparse = model.shape({ id: 1 });
    const full = model.shape({ id: 2, title: 'x', custom_fields: { [K('c')]: { value: 5, currency: 'EUR' } } });
    expect(Object.keys(sparse)).toEqual(names);
    expect(Object.keys(full)).toEqual(names);
    expect(sparse.title).toBeNull();
    expect(full).toMatchObject({ id: 2, title: 'x', budget: 5, budget_currency: 'EUR' });
  });

  it('adds a column first seen mid-stream to that row and every later one', () => {
    const model = dealModel();
    const before = model.shape({ id: 1 });
    const first = model.shape({ id: 2, late_key: 'x' });
    const after = model.shape({ id: 3 });
    expect(before.late_key).toBeUndefined(); // a missing key means NULL (src/schema/types.ts)
    expect(first.late_key).toBe('x');
    expect(Object.keys(after)).toEqual(model.spec.columns.map((c) => c.name));
    expect(after.late_key).toBeNull();
  });
});

describe('buildTableModel: undeclared keys', () => {
  it('gives undeclared keys inferred columns and reports them once', () => {
    const model = dealModel();
    const row = model.shape({ id: 1, brand_new_flag: true, 'Weird Key!': 'x', nothing_yet: null });
    expect(row.brand_new_flag).toBe(true);
    expect(row.weird_key).toBe('x');
    expect(model.drainSchemaChanges()).toEqual([{ name: 'brand_new_flag', type: 'boolean' }, { name: 'weird_key', type: 'string' }]);
    expect(model.drainSchemaChanges()).toEqual([]);
    model.shape({ id: 2, brand_new_flag: false });
    expect(model.drainSchemaChanges()).toEqual([]);
    const names = model.spec.columns.map((c) => c.name);
    expect(names).toContain('brand_new_flag');
    expect(names).not.toContain('nothing_yet');
    expect(model.mappings.filter((m) => m.field_type === 'inferred').map((m) => m.column_name)).toEqual(['brand_new_flag', 'weird_key']);
  });

  it('widens an inferred column when values disagree', () => {
    const model = dealModel();
    expect(model.shape({ id: 1, ratio: 1 }).ratio).toBe(1);
    expect(model.shape({ id: 2, ratio: 1.5 }).ratio).toBe(1.5);
    expect(model.drainSchemaChanges()).toEqual([{ name: 'ratio', type: 'bigint' }, { name: 'ratio', type: 'double' }]);
    expect(model.spec.columns.find((c) => c.name === 'ratio')?.type).toBe('double');
    expect(model.shape({ id: 3, ratio: 'n/a' }).ratio).toBe('n/a');
    expect(model.spec.columns.find((c) => c.name === 'ratio')?.type).toBe('string');
  });

  it('never lets an undeclared key take a built-in, custom or system name', () => {
    const model = dealModel();
    const row = model.shape({ id: 1, Title: 'shadow', _loaded_at: 'evil', Budget: 'shadow' });
    const added = model.drainSchemaChanges().map((c) => c.name);
    expect(added).toHaveLength(3);
    for (const name of added) {
      expect(['title', 'budget', '_loaded_at']).not.toContain(name);
      expect(isValidIdentifier(name)).toBe(true);
    }
    // The system column is the caller's to fill: the record's key did not reach it.
    expect(row._loaded_at).toBeNull();
  });

  it('names an unknown custom field code custom_field_<hex8>', () => {
    const model = dealModel();
    const code = '9dc80c50d78a15643bfc4ca79d76156a73a1ca0e';
    expect(model.shape({ id: 1, custom_fields: { [code]: 'v' } }).custom_field_9dc80c50).toBe('v');
  });

  it('reuses persisted inferred columns on the next run', () => {
    const first = dealModel();
    first.shape({ id: 1, 'Weird Key!': 'x' });
    const second = dealModel([...first.mappings]);
    expect(second.spec.columns.map((c) => c.name)).not.toContain('weird_key');
    expect(second.shape({ id: 2, 'Weird Key!': 'y' }).weird_key).toBe('y');
    expect(second.drainSchemaChanges()).toEqual([{ name: 'weird_key', type: 'string' }]);
  });
});

describe('buildTableModel: persisted mappings', () => {
  it('keeps writing a renamed field into its first column', () => {
    const first = dealModel();
    const renamed = FIELDS.map((f) => (f.field_code === K('c') ? { ...f, field_name: 'Annual budget' } : f));
    const second = dealModel([...first.mappings], renamed);
    expect(second.shape({ id: 1, custom_fields: { [K('c')]: { value: 5, currency: 'EUR' } } })).toMatchObject({ budget: 5, budget_currency: 'EUR' });
    expect(second.spec.columns.map((c) => c.name)).not.toContain('annual_budget');
    expect(second.mappings.find((m) => m.field_key === K('c') && m.subfield === '')?.field_name).toBe('Annual budget');
  });

  it('still loads values of a field deleted from the metadata into its persisted column', () => {
    const first = dealModel();
    const withoutBudget = FIELDS.filter((f) => f.field_code !== K('c'));
    const second = dealModel([...first.mappings], withoutBudget);
    expect(second.shape({ id: 1, custom_fields: { [K('c')]: { value: 9, currency: 'USD' } } })).toMatchObject({ budget: 9, budget_currency: 'USD' });
  });
});

describe('buildTableModel: field metadata tables', () => {
  it('shapes v2 field definitions as rows', () => {
    const model = buildTableModel({ table: 'deal_fields', primaryKey: ['field_code'], fields: [], persisted: [], now: NOW });
    const raw = { field_code: 'value', field_name: 'Value', field_type: 'monetary', options: null, subfields: [{ field_code: 'currency', field_name: 'Currency', field_type: 'varchar' }], is_custom_field: false, is_optional_response_field: false, ui_visibility: { add_visible_flag: true } };
    expect(parseFieldDefinition(raw).field_code).toBe('value');
    const row = model.shape(raw);
    expect(row).toMatchObject({ field_code: 'value', field_type: 'monetary', options: null, subfields: '[{"field_code":"currency","field_name":"Currency","field_type":"varchar"}]', is_custom_field: false, ui_visibility: '{"add_visible_flag":true}' });
  });
});
