import { describe, expect, it } from 'vitest';
import { DuckDBDecimalValue, DuckDBListValue } from '@duckdb/node-api';
import { isoFromMicros, scaleDecimal, toStagingValue } from '../../../adapters/duckdb/values.js';

describe('scaleDecimal (exact text → DECIMAL(38,9) integer)', () => {
  it.each([
    ['0', 0n],
    ['12.5', 12_500_000_000n],
    ['-12.5', -12_500_000_000n],
    ['+.5', 500_000_000n],
    ['7.', 7_000_000_000n],
    ['1e+21', 10n ** 30n],
    ['1.5E-3', 1_500_000n],
    ['0.0000000005', 1n], // half rounds away from zero
    ['-0.0000000005', -1n],
    ['0.0000000004', 0n],
    ['12345678901234567890.123456789', 12345678901234567890123456789n],
    ['99999999999999999999999999999.999999999', 10n ** 38n - 1n],
  ])('%s', (text, scaled) => {
    expect(scaleDecimal(text)).toBe(scaled);
  });

  it.each(['', '.', 'abc', '1,5', '1e', 'NaN', 'Infinity', '100000000000000000000000000000', '1e999'])(
    'refuses %j',
    (text) => {
      expect(scaleDecimal(text)).toBeUndefined();
    },
  );
});

describe('toStagingValue', () => {
  it('converts cells per logical type', () => {
    expect(toStagingValue('bigint', 42)).toBe(42n);
    expect(toStagingValue('bigint', '9223372036854775807')).toBe(9223372036854775807n);
    expect(toStagingValue('double', 5n)).toBe(5);
    expect(toStagingValue('decimal', 0.1)).toEqual(new DuckDBDecimalValue(100_000_000n, 38, 9));
    expect(toStagingValue('string_list', ['a', 'b'])).toBeInstanceOf(DuckDBListValue);
    expect(toStagingValue('timestamp', '2024-07-01T05:46:33Z')).toBe('2024-07-01T05:46:33Z');
    expect(toStagingValue('string', 12)).toBe('12');
    expect(toStagingValue('json', undefined)).toBeNull();
  });

  it('refuses values of the wrong kind', () => {
    expect(() => toStagingValue('bigint', 1.5)).toThrow(/expected a bigint value/);
    expect(() => toStagingValue('boolean', 'true')).toThrow(/expected a boolean value/);
    expect(() => toStagingValue('decimal', 'ten')).toThrow(/expected a decimal value/);
    expect(() => toStagingValue('string_list', 'a,b')).toThrow(/expected a string_list value/);
    expect(() => toStagingValue('date', 20240101)).toThrow(/expected a date value/);
  });
});

describe('isoFromMicros', () => {
  it('prints UTC with Z, fractions only when present, before 1970 too', () => {
    expect(isoFromMicros(1_719_812_793_000_000n)).toBe('2024-07-01T05:46:33Z');
    expect(isoFromMicros(1_719_812_793_123_400n)).toBe('2024-07-01T05:46:33.1234Z');
    expect(isoFromMicros(-1n)).toBe('1969-12-31T23:59:59.999999Z');
  });
});
