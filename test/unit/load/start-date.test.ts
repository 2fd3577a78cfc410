import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { parseStartDate, resolveStartDate } from '../../../src/load/start-date.js';

const NOW = new Date('2026-12-02T12:00:00Z');

describe('the start date of a first backfill', () => {
  it('reads a date as midnight UTC and a date-time in any offset as UTC', () => {
    expect(parseStartDate('2024-01-01', '--since', NOW)).toBe('2024-01-01T00:00:00Z');
    expect(parseStartDate('2024-02-29T10:30:00Z', '--since', NOW)).toBe('2024-02-29T10:30:00Z');
    expect(parseStartDate('2024-06-01T02:00:00+02:00', '--since', NOW)).toBe('2024-06-01T00:00:00Z');
    expect(parseStartDate('2024-06-01 08:15', '--since', NOW)).toBe('2024-06-01T08:15:00Z');
  });

  it.each(['yesterday', '2024-13-01', '2023-02-29', '2024-02-30T00:00:00Z', '2024-01-01T25:00:00Z', '', '20240101'])(
    'refuses %j with a configuration error (exit 2)',
    (text) => {
      expect(() => parseStartDate(text, '--since', NOW)).toThrow(ConfigurationError);
    },
  );

  it('refuses a date in the future, which would load nothing and report success', () => {
    expect(() => parseStartDate('2027-01-01', '--since', NOW)).toThrow(/in the future/);
  });

  it('takes --since over the profile, and names where a bad value came from', () => {
    expect(resolveStartDate('2024-01-01', '2020-01-01', NOW)).toBe('2024-01-01T00:00:00Z');
    expect(resolveStartDate(undefined, '2020-01-01', NOW)).toBe('2020-01-01T00:00:00Z');
    expect(resolveStartDate(undefined, undefined, NOW)).toBeUndefined();
    expect(() => resolveStartDate(undefined, 20200101, NOW)).toThrow(/start_date in profiles.yml/);
    expect(() => resolveStartDate(undefined, 'soon', NOW)).toThrow(/start_date in profiles.yml/);
  });
});
