import { describe, expect, it } from 'vitest';
import { reconcileDue, reconciledKey } from '../../../src/load/deletes.js';
import { parseChildBookmark } from '../../../src/load/child-loader.js';

const now = new Date('2026-06-02T12:00:00Z');

describe('the delete reconciliation cadence', () => {
  it('scans always, never, or when the last scan is a day old or unknown', () => {
    expect(reconcileDue('always', '2026-06-02T11:59:00Z', now)).toBe(true);
    expect(reconcileDue('never', undefined, now)).toBe(false);
    expect(reconcileDue('daily', undefined, now)).toBe(true);
    expect(reconcileDue('daily', '2026-06-01T12:00:01Z', now)).toBe(false);
    expect(reconcileDue('daily', '2026-06-01T12:00:00Z', now)).toBe(true);
    expect(reconcileDue('daily', 'not a time', now)).toBe(true);
  });

  it('keeps its state under a key no stream can have', () => {
    expect(reconciledKey('persons')).toBe('persons#deletes_reconciled');
  });
});

describe('the child bookmark', () => {
  it('reads what the child loader writes, and treats anything else as "start over"', () => {
    expect(parseChildBookmark('{"update_time":"2026-06-01T00:00:00Z","ids":[3,4]}')).toEqual({
      update_time: '2026-06-01T00:00:00Z',
      ids: [3, 4],
    });
    expect(parseChildBookmark(undefined)).toBeUndefined();
    expect(parseChildBookmark('2026-06-01T00:00:00Z')).toBeUndefined();
    expect(parseChildBookmark('{"ids":[1]}')).toBeUndefined();
  });
});
