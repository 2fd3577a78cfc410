import { describe, expect, it } from 'vitest';
import { capAtClock, isAfterClock, timestampMillisOf } from '../../../src/state/bookmarks.js';

const clock = Date.UTC(2026, 5, 1, 12, 0, 0);

describe('bookmarks against the source clock', () => {
  it('reads RFC3339, v1 and warehouse timestamp text', () => {
    expect(timestampMillisOf('2026-06-01T12:00:00Z')).toBe(clock);
    expect(timestampMillisOf('2026-06-01 12:00:00')).toBe(clock);
    expect(timestampMillisOf('2026-06-01 12:00:00+00')).toBe(clock);
    expect(timestampMillisOf('2026-06-01T14:00:00+02:00')).toBe(clock);
    expect(timestampMillisOf(null)).toBeNaN();
  });

  it('calls a time future only beyond the Date header\'s whole second', () => {
    expect(isAfterClock('2026-06-01T12:00:00.999Z', clock)).toBe(false);
    expect(isAfterClock('2026-06-01T12:00:01Z', clock)).toBe(true);
    expect(isAfterClock('not a time', clock)).toBe(false);
  });

  it('caps a bookmark from the future at the clock and leaves others alone', () => {
    expect(capAtClock('2099-01-01T00:00:00Z', clock)).toBe('2026-06-01T12:00:00Z');
    expect(capAtClock('2026-05-01T00:00:00Z', clock)).toBe('2026-05-01T00:00:00Z');
    expect(capAtClock('2026-06-01T12:00:00.551Z', clock)).toBe('2026-06-01T12:00:00.551Z');
  });
});
