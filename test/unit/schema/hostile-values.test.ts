/**
 * Values that parse but that no warehouse column of their type holds. Each must become NULL in
 * the shaper (so it cannot fail its whole batch at the warehouse) and be reported as a reject;
 * their valid neighbours must pass unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import { rejectsOf } from '../../../src/schema/rejects.js';
import { buildTableModel } from '../../../src/schema/shape.js';
import type { CellValue, LogicalType } from '../../../src/schema/types.js';
import { convertRaw, isBlank } from '../../../src/schema/values.js';

const refused: ReadonlyArray<readonly [LogicalType, unknown]> = [
  ['timestamp', '2024-02-30T00:00:00Z'],
  ['timestamp', '2023-02-29T10:00:00Z'],
  ['timestamp', '1900-02-29 10:00:00'],
  ['timestamp', '0000-00-00 00:00:00'],
  ['timestamp', '0000-01-01T00:00:00Z'],
  ['timestamp', '2024-13-01T00:00:00Z'],
  ['timestamp', '2024-04-31'],
  ['timestamp', '2024-01-01T24:00:00Z'],
  ['timestamp', '2024-01-01 25:61:00'],
  ['timestamp', '2024-01-01T23:59:60Z'],
  ['timestamp', '2024-02-30T00:00:00+02:00'],
  ['timestamp', '2024-01-01T25:00+02:00'],
  ['timestamp', '+010000-01-01T00:00:00Z'],
  ['timestamp', 1e20],
  ['timestamp', 'yesterday'],
  ['date', '2024-02-30'],
  ['date', '0000-00-00'],
  ['date', '2024-00-10'],
  ['date', '2024-06-31 00:00:00'],
  ['date', 20240101],
  ['time', '25:61'],
  ['time', '24:00'],
  ['time', '12:60:00'],
  ['time', '12:00:61'],
  ['time', 'noon'],
  ['decimal', 1e29],
  ['decimal', -1e29],
  ['decimal', 1e300],
  ['decimal', '100000000000000000000000000000'],
  ['decimal', '-100000000000000000000000000000.5'],
  ['decimal', '99999999999999999999999999999.9999999995'],
  ['decimal', '1e29'],
  ['decimal', '0.1e30'],
  ['decimal', '1e99999'],
  ['decimal', 'NaN'],
  ['decimal', '12,50'],
  ['bigint', '9223372036854775808'],
  ['bigint', '-9223372036854775809'],
  ['bigint', 2 ** 63],
  ['bigint', 1e30],
  ['bigint', 2n ** 64n],
  ['bigint', 1.5],
  ['bigint', 'abc'],
  ['bigint', [1, 2]],
  ['double', 'ten'],
  ['boolean', 'yes'],
  ['boolean', 2],
];

const kept: ReadonlyArray<readonly [LogicalType, unknown, CellValue]> = [
  ['timestamp', '2024-02-29T23:59:59Z', '2024-02-29T23:59:59Z'],
  ['timestamp', '2000-02-29 00:00:00', '2000-02-29T00:00:00Z'],
  ['timestamp', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
  ['timestamp', '9999-12-31 23:59:59', '9999-12-31T23:59:59Z'],
  ['timestamp', '2024-12-31', '2024-12-31T00:00:00Z'],
  ['timestamp', '2024-03-01T01:00:00+02:00', '2024-02-29T23:00:00Z'],
  ['timestamp', '2024-03-01T01:00:00.250Z', '2024-03-01T01:00:00.250Z'],
  ['timestamp', 1_700_000_000, '2023-11-14T22:13:20Z'],
  ['date', '2024-02-29', '2024-02-29'],
  ['date', '2024-06-30 12:00:00', '2024-06-30'],
  ['time', '23:59', '23:59:00'],
  ['time', '00:00:00.5', '00:00:00'],
  ['decimal', 9.9e28, 9.9e28],
  ['decimal', '99999999999999999999999999999.999999999', '99999999999999999999999999999.999999999'],
  ['decimal', '-12.50', '-12.50'],
  ['decimal', '1.5e3', '1500'],
  ['decimal', '-2.5E-7', '-0.00000025'],
  ['decimal', '1e-400', '0'],
  ['decimal', 12n, '12'],
  ['bigint', '9223372036854775807', 9223372036854775807n],
  ['bigint', '-9223372036854775808', -9223372036854775808n],
  ['bigint', 2 ** 62, 2 ** 62],
  ['bigint', { value: 7, name: 'Ann' }, 7],
  ['boolean', '0', false],
  ['double', '1e5', 100000],
];

describe('convertRaw: impossible values become NULL', () => {
  it.each(refused)('%s %s → NULL, and is not blank', (type, value) => {
    expect(convertRaw(value, type)).toBeNull();
    expect(isBlank(value)).toBe(false);
  });

  it.each(kept)('%s %s → %s', (type, value, cell) => {
    expect(convertRaw(value, type)).toEqual(cell);
  });

  it.each(['', null, undefined, { value: null }, { id: null, name: 'x' }])('%j is blank, not a reject', (value) => {
    expect(isBlank(value)).toBe(true);
  });
});

const K = (c: string): string => c.repeat(40);
const field = (code: string, name: string, type: string): FieldDefinition => ({
  field_code: code,
  field_name: name,
  field_type: type,
  options: null,
  subfields: null,
  is_custom_field: true,
});

function dealModel() {
  return buildTableModel({
    table: 'deals',
    primaryKey: ['id'],
    fields: [field(K('c'), 'Budget', 'monetary'), field(K('1'), 'Campaign', 'daterange'), field(K('f'), 'Call time', 'time')],
    persisted: [],
    now: '2026-01-01T00:00:00Z',
  });
}

describe('TableModel.shape: rejects travel with the row', () => {
  it('a clean record carries none', () => {
    const row = dealModel().shape({ id: 1, add_time: '2024-01-01T00:00:00Z', close_time: null, expected_close_date: '' });
    expect(rejectsOf(row)).toBeUndefined();
  });

  it('records every impossible value with its column and original text, and keeps the rest', () => {
    const row = dealModel().shape({
      id: 7,
      title: 'Poisoned',
      add_time: '2024-02-30T00:00:00Z',
      expected_close_date: '0000-00-00',
      value: '1e30',
      custom_fields: {
        [K('c')]: { value: 1e29, currency: 'EUR' },
        [K('1')]: { value: '2024-01-01', until: '2024-02-30' },
        [K('f')]: '25:61',
      },
    });
    expect(row).toMatchObject({ id: 7, title: 'Poisoned', add_time: null, expected_close_date: null, value: null });
    expect(row).toMatchObject({ budget: null, budget_currency: 'EUR', campaign: '2024-01-01', campaign_until: null, call_time: null });
    expect(rejectsOf(row)).toEqual({
      recordId: '7',
      skip: false,
      values: [
        { column: 'add_time', original: '2024-02-30T00:00:00Z', reason: 'not a valid timestamp' },
        { column: 'expected_close_date', original: '0000-00-00', reason: 'not a valid date' },
        { column: 'value', original: '1e30', reason: 'not a valid decimal' },
        { column: 'budget', original: '1e+29', reason: 'not a valid decimal' },
        { column: 'campaign_until', original: '2024-02-30', reason: 'not a valid date' },
        { column: 'call_time', original: '25:61', reason: 'not a valid time' },
      ],
    });
  });

  it('marks a record without a usable id to be skipped, identified by its id text or a digest', () => {
    const model = dealModel();
    const bad = rejectsOf(model.shape({ id: 'abc', title: 'x' }));
    expect(bad).toMatchObject({ recordId: 'abc', skip: true, values: [{ column: 'id', original: 'abc' }] });
    expect(bad?.values).toHaveLength(1);
    const missing = rejectsOf(model.shape({ title: 'no id', add_time: '2024-02-30' }));
    expect(missing?.skip).toBe(true);
    expect(missing?.recordId).toMatch(/^#[0-9a-f]{16}$/);
    expect(missing?.values[0]).toMatchObject({ column: 'id', original: '{"title":"no id","add_time":"2024-02-30"}' });
    expect(missing?.values[1]).toMatchObject({ column: 'add_time' });
    // The same record read again gets the same identity, so its reject is replaced, not added.
    expect(rejectsOf(model.shape({ title: 'no id', add_time: '2024-02-30' }))?.recordId).toBe(missing?.recordId);
    expect(rejectsOf(model.shape({ id: null, title: 'x' }))?.skip).toBe(true);
  });
});

describe('DuckDB decimal staging of far-out small values', () => {
  it.each([
    ['1e-99999999', 0n],
    [`0.${'0'.repeat(500)}1`, 0n],
    ['-1e-401', 0n],
  ])('%s rounds to zero instead of failing the batch', async (text, scaled) => {
    const { scaleDecimal } = await import('../../../adapters/duckdb/values.js');
    expect(scaleDecimal(text)).toBe(scaled);
  });
});
