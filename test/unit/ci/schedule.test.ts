import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { minuteOffsetFor, parseSchedule } from '../../../src/ci/schedule.js';

describe('parseSchedule: shorthands', () => {
  it.each([
    ['30m', 0, '0,30 * * * *', 30],
    ['30m', 7, '7,37 * * * *', 30],
    ['30m', 44, '14,44 * * * *', 30],
    ['15m', 3, '3,18,33,48 * * * *', 15],
    ['5m', 0, '0,5,10,15,20,25,30,35,40,45,50,55 * * * *', 5],
    ['1h', 7, '7 * * * *', 60],
    ['6h', 7, '7 */6 * * *', 360],
    ['24h', 75, '15 0 * * *', 1440],
  ])('%s at offset %d → %s', (text, offset, cron, gap) => {
    expect(parseSchedule(text, offset)).toMatchObject({ cron, maxGapMinutes: gap });
  });

  it('describes the schedule in words for the workflow comment', () => {
    expect(parseSchedule('30m').description).toBe('every 30 minutes');
    expect(parseSchedule('1h').description).toBe('every hour');
    expect(parseSchedule('6h').description).toBe('every 6 hours');
  });

  it.each(['7m', '45m', '1m', '5h', '90m', '2d', 'hourly', '30'])('refuses %j, listing the accepted values', (text) => {
    expect(() => parseSchedule(text)).toThrow(ConfigurationError);
    expect(() => parseSchedule(text)).toThrow(/use 5m, 10m, 15m, 20m, 30m, 1h, 2h, .* or a 5-field cron line/);
  });
});

describe('parseSchedule: cron lines', () => {
  it('keeps a valid line as given and computes the longest gap over a week', () => {
    expect(parseSchedule('*/20 * * * *')).toMatchObject({ cron: '*/20 * * * *', maxGapMinutes: 20 });
    expect(parseSchedule('0 6-18 * * 1-5')).toMatchObject({ maxGapMinutes: (24 - 18 + 6) * 60 + 2 * 24 * 60 });
    expect(parseSchedule('15 */4 * * *').maxGapMinutes).toBe(240);
    expect(parseSchedule('0 8 * * MON,wed').maxGapMinutes).toBe(5 * 24 * 60);
    expect(parseSchedule('0 8 * * 7').maxGapMinutes).toBe(7 * 24 * 60);
  });

  it('normalises whitespace', () => {
    expect(parseSchedule('  0   *  * * * ').cron).toBe('0 * * * *');
  });

  it('cannot compute a gap when days of the month or months are restricted', () => {
    expect(parseSchedule('0 3 1 * *').maxGapMinutes).toBeNull();
    expect(parseSchedule('0 3 * JAN *').maxGapMinutes).toBeNull();
  });

  it.each([
    ['60 * * * *', /"60" is not a valid minute \(0–59\)/],
    ['0 24 * * *', /"24" is not a valid hour/],
    ['0 0 0 * *', /not a valid day of month/],
    ['0 0 * 13 *', /not a valid month/],
    ['0 0 * * 8', /not a valid day of week/],
    ['*/0 * * * *', /invalid step/],
    ['5-1 * * * *', /empty range/],
    ['a * * * *', /"a" is not a valid minute/],
  ])('refuses %j', (line, message) => {
    expect(() => parseSchedule(line)).toThrow(message);
  });

  it('refuses lines with the wrong number of fields', () => {
    expect(() => parseSchedule('* * * *')).toThrow(/5-field cron line/);
    expect(() => parseSchedule('0 * * * * *')).toThrow(/5-field cron line/);
  });
});

describe('minuteOffsetFor', () => {
  it('is stable and within the hour', () => {
    expect(minuteOffsetFor('Stitch Pipedrive')).toBe(minuteOffsetFor('Stitch Pipedrive'));
    for (const name of ['a', 'Acme CRM', 'Globex Sales', 'Société Générale CRM']) {
      const offset = minuteOffsetFor(name);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(60);
    }
  });

  it('spreads different companies over the hour', () => {
    const offsets = new Set(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark'].map(minuteOffsetFor));
    expect(offsets.size).toBeGreaterThan(3);
  });
});
