import { describe, expect, it } from 'vitest';
import { isoDate, isoSeconds, parseStrictTimestamp, v1Timestamp } from '../../src/sandbox/time.js';

describe('sandbox time formats', () => {
  it('formats whole seconds like Date.toISOString without the fraction, before and after 1970', () => {
    for (const seconds of [0, 59, 86_399, 86_400, 1_719_812_793, 1_780_272_000, -1, -86_401, 4_102_444_799]) {
      expect(isoSeconds(seconds)).toBe(new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'));
    }
    expect(v1Timestamp(1_719_812_793)).toBe('2024-07-01 05:46:33');
    expect(isoDate(1_719_812_793)).toBe('2024-07-01');
  });

  it('parses only YYYY-MM-DDTHH:MM:SSZ, and only real dates', () => {
    expect(parseStrictTimestamp('2024-07-01T05:46:33Z')).toBe(1_719_812_793);
    for (const bad of ['2024-07-01T05:46:33.000Z', '2024-07-01 05:46:33', '2024-07-01T05:46:33+00:00', '2024-02-30T00:00:00Z', '2024-07-01T24:00:00Z', '']) {
      expect(parseStrictTimestamp(bad), bad).toBeUndefined();
    }
  });
});
