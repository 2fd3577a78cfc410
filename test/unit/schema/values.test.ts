import { describe, expect, it } from 'vitest';
import {
  convertRaw,
  inferType,
  toBigint,
  toBoolean,
  toDate,
  toDecimal,
  toDouble,
  toJsonText,
  toText,
  toTime,
  toTimestamp,
  widenInferred,
} from '../../../src/schema/values.js';

describe('toTimestamp', () => {
  it('reads v1 timestamps as UTC', () => {
    expect(toTimestamp('2019-01-22 08:55:59')).toBe('2019-01-22T08:55:59Z');
  });

  it('keeps canonical v2 timestamps and normalises other RFC3339 forms to UTC Z', () => {
    expect(toTimestamp('2024-07-01T05:46:33Z')).toBe('2024-07-01T05:46:33Z');
    expect(toTimestamp('2024-07-01T05:46:33.000Z')).toBe('2024-07-01T05:46:33Z');
    expect(toTimestamp('2020-10-14T11:30:36.551Z')).toBe('2020-10-14T11:30:36.551Z');
    expect(toTimestamp('2024-07-01T07:46:33+02:00')).toBe('2024-07-01T05:46:33Z');
    expect(toTimestamp('2024-07-01T05:46:33')).toBe('2024-07-01T05:46:33Z');
    // No zone designator means UTC, whatever the machine's time zone.
    expect(toTimestamp('2024-07-01T05:46:33.250')).toBe('2024-07-01T05:46:33.250Z');
    expect(toTimestamp('2024-07-01 05:46')).toBe('2024-07-01T05:46:00Z');
  });

  it('turns a date into midnight UTC and junk into null', () => {
    expect(toTimestamp('2024-07-01')).toBe('2024-07-01T00:00:00Z');
    expect(toTimestamp('')).toBeNull();
    expect(toTimestamp('not a time')).toBeNull();
    expect(toTimestamp({})).toBeNull();
  });
});

describe('scalar conversions', () => {
  it('dates and times', () => {
    expect(toDate('2024-01-31')).toBe('2024-01-31');
    expect(toDate('2024-01-31 10:00:00')).toBe('2024-01-31');
    expect(toDate('31/01/2024')).toBeNull();
    expect(toTime('09:30')).toBe('09:30:00');
    expect(toTime('09:30:15')).toBe('09:30:15');
    expect(toTime('9 o’clock')).toBeNull();
  });

  it('integers and references', () => {
    expect(toBigint(42)).toBe(42);
    expect(toBigint('42')).toBe(42);
    expect(toBigint('9007199254740993')).toBe(9007199254740993n);
    expect(toBigint({ id: 7, name: 'Ann', value: 7 })).toBe(7);
    expect(toBigint({ id: 8 })).toBe(8);
    expect(toBigint(1.5)).toBeNull();
    expect(toBigint('abc')).toBeNull();
  });

  it('doubles, decimals and booleans', () => {
    expect(toDouble(0.1)).toBe(0.1);
    expect(toDouble('2.5')).toBe(2.5);
    expect(toDouble('x')).toBeNull();
    expect(toDecimal(2300)).toBe(2300);
    expect(toDecimal('12345678901234567890.12')).toBe('12345678901234567890.12');
    expect(toBoolean(1)).toBe(true);
    expect(toBoolean('0')).toBe(false);
    expect(toBoolean('maybe')).toBeNull();
  });

  it('text and JSON keep everything', () => {
    expect(toText(5)).toBe('5');
    expect(toText({ a: 1 })).toBe('{"a":1}');
    expect(toJsonText('plain')).toBe('"plain"');
    expect(toJsonText([1, 2])).toBe('[1,2]');
    expect(convertRaw([{ value: 'a@b.c', primary: true }], 'json')).toBe('[{"value":"a@b.c","primary":true}]');
    expect(convertRaw(['a', 1], 'string_list')).toEqual(['a', '1']);
  });
});

describe('inference', () => {
  it('infers from JSON values', () => {
    expect(inferType('x')).toBe('string');
    expect(inferType(3)).toBe('bigint');
    expect(inferType(3.5)).toBe('double');
    expect(inferType(true)).toBe('boolean');
    expect(inferType({})).toBe('json');
    expect(inferType([])).toBe('json');
    expect(inferType(null)).toBeNull();
  });

  it('widens to a type that holds both', () => {
    expect(widenInferred('bigint', 'double')).toBe('double');
    expect(widenInferred('double', 'bigint')).toBe('double');
    expect(widenInferred('bigint', 'string')).toBe('string');
    expect(widenInferred('json', 'string')).toBe('string');
    expect(widenInferred('bigint', 'json')).toBe('json');
    expect(widenInferred('boolean', 'bigint')).toBe('string');
  });
});
