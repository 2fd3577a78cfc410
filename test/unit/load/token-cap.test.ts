import { describe, expect, it } from 'vitest';
import { bookmarksMoved } from '../../../src/load/token-cap.js';

const map = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

describe('bookmarksMoved', () => {
  it('counts a new or changed stream bookmark, not an unchanged one', () => {
    expect(bookmarksMoved(map({}), map({ persons: '2026-01-01T00:00:00Z' }))).toBe(true);
    expect(bookmarksMoved(map({ persons: 'a' }), map({ persons: 'b' }))).toBe(true);
    expect(bookmarksMoved(map({ persons: 'a' }), map({ persons: 'a' }))).toBe(false);
  });

  it('ignores markers rewritten by every run: the company, an add-on missing, a table listed in full, field metadata', () => {
    expect(bookmarksMoved(map({}), map({ '#company_id': '1', 'person_fields#deletes_reconciled': 'x', 'stages#deletes_reconciled': 'x' }))).toBe(false);
    const before = map({ '#company_id': '1', 'projects#unavailable_since': '2026-01-01T00:00:00Z', 'stages#deletes_reconciled': '2026-01-01T00:00:00Z' });
    const after = map({ '#company_id': '1', 'projects#unavailable_since': '2026-01-01T05:00:00Z', 'stages#deletes_reconciled': '2026-01-01T05:00:00Z' });
    expect(bookmarksMoved(before, after)).toBe(false);
  });

  it('counts a key scan that was due (never done, or over a day ago) and finished', () => {
    expect(bookmarksMoved(map({}), map({ 'notes#deletes_reconciled': '2026-01-02T00:00:00Z' }))).toBe(true);
    expect(bookmarksMoved(map({ 'notes#deletes_reconciled': '2026-01-01T00:00:00Z' }), map({ 'notes#deletes_reconciled': '2026-01-02T00:00:01Z' }))).toBe(true);
  });
});
