import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { historyCapableTables, resolveHistory } from '../../../src/history/selection.js';

describe('which tables keep a history', () => {
  it('none unless asked', () => {
    expect(resolveHistory(undefined, undefined)).toEqual([]);
    expect(resolveHistory(undefined, '')).toEqual([]);
  });

  it('takes streams or tables from the flag, one entry per table, dated by its replication key', () => {
    expect(resolveHistory('deals,deals_archived, persons', undefined)).toEqual([
      { table: 'deals', validFrom: 'update_time' },
      { table: 'persons', validFrom: 'update_time' },
    ]);
    expect(resolveHistory('users', undefined)).toEqual([{ table: 'users', validFrom: 'modified' }]);
  });

  it('takes a list or "all" from the profile, and the flag wins over it', () => {
    expect(resolveHistory(undefined, ['persons'])).toEqual([{ table: 'persons', validFrom: 'update_time' }]);
    expect(resolveHistory('deals', ['persons']).map((c) => c.table)).toEqual(['deals']);
    const all = resolveHistory(undefined, 'all').map((c) => c.table);
    expect(all).toEqual([...historyCapableTables().keys()]);
    expect(all).toEqual(expect.arrayContaining(['deals', 'persons', 'organizations', 'activities', 'leads', 'deal_products']));
  });

  it('leaves out tables whose records carry no update time, and field metadata', () => {
    const capable = historyCapableTables();
    expect(capable.has('call_logs')).toBe(false);
    expect(capable.has('deal_fields')).toBe(false);
  });

  it('refuses unknown names, undated tables and values of the wrong shape (exit 2)', () => {
    expect(() => resolveHistory('deals,dealz', undefined)).toThrow(ConfigurationError);
    expect(() => resolveHistory('deals,dealz', undefined)).toThrow(/--history: unknown stream\(s\) dealz/);
    expect(() => resolveHistory(undefined, ['nope'])).toThrow(/history in profiles.yml: unknown stream\(s\) nope/);
    expect(() => resolveHistory('call_logs', undefined)).toThrow(/call_logs cannot keep a history/);
    expect(() => resolveHistory(undefined, { deals: true })).toThrow(/must be "all" or a list/);
    expect(() => resolveHistory(undefined, [1, 2])).toThrow(ConfigurationError);
  });
});
