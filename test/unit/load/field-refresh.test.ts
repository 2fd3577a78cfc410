/**
 * The check that decides whether a page of records needs the field metadata read again before it
 * is shaped (src/load/field-refresh.ts): a custom field or an option id the stored definitions do
 * not know, in the v2 (`custom_fields`) and v1 (flat keys, comma-separated ids) shapes.
 */
import { describe, expect, it } from 'vitest';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import { unknownFieldValues } from '../../../src/load/field-refresh.js';
import { listDue, parseRefreshLists, readsOnCadence } from '../../../src/load/list-cadence.js';
import { findStream } from '../../../src/pipedrive/catalog.js';

const RISK = 'a'.repeat(40);
const TAGS = 'b'.repeat(40);
const NOTE = 'c'.repeat(40);
const NEW = 'd'.repeat(40);

function field(code: string, type: string, options?: number[]): FieldDefinition {
  return {
    field_code: code,
    field_name: code.slice(0, 4),
    field_type: type,
    options: options?.map((id) => ({ id, label: `label ${id}` })) ?? null,
    subfields: null,
    is_custom_field: true,
  };
}

const DEFINITIONS = [field(RISK, 'enum', [1, 2]), field(TAGS, 'set', [5, 6]), field(NOTE, 'varchar')];

describe('unknownFieldValues', () => {
  it('passes records whose fields and options are all known, and empty values of unknown fields', () => {
    const records = [
      { id: 1, custom_fields: { [RISK]: 2, [TAGS]: [5, 6], [NOTE]: 'x', [NEW]: null } },
      { id: 2, custom_fields: { [RISK]: { id: 1, label: 'label 1' }, [TAGS]: null } },
      { id: 3, custom_fields: null },
    ];
    expect(unknownFieldValues(DEFINITIONS, records, 'v2')).toEqual([]);
  });

  it('finds a new field with a value and a new option of a known field (v2)', () => {
    const records = [
      { id: 1, custom_fields: { [NEW]: 'used' } },
      { id: 2, custom_fields: { [RISK]: 3 } },
      { id: 3, custom_fields: { [TAGS]: [5, 7] } },
      { id: 4, custom_fields: { [RISK]: 3, [NEW]: 'again' } },
    ];
    expect(unknownFieldValues(DEFINITIONS, records, 'v2')).toEqual([NEW, `${RISK}=3`, `${TAGS}=7`]);
  });

  it('reads v1 records: flat keys, text ids, comma lists and subfield companions', () => {
    expect(unknownFieldValues(DEFINITIONS, [{ id: 'u', [RISK]: '2', [TAGS]: '5,6', title: 'x' }], 'v1')).toEqual([]);
    expect(unknownFieldValues(DEFINITIONS, [{ id: 'u', [TAGS]: '5,8' }], 'v1')).toEqual([`${TAGS}=8`]);
    expect(unknownFieldValues(DEFINITIONS, [{ id: 'u', [`${NEW}_currency`]: 'EUR' }], 'v1')).toEqual([NEW]);
  });
});

describe('unknownFieldValues: each form of a value', () => {
  const v2 = (values: Record<string, unknown>): string[] => unknownFieldValues(DEFINITIONS, [{ id: 1, custom_fields: values }], 'v2');
  const v1 = (values: Record<string, unknown>): string[] => unknownFieldValues(DEFINITIONS, [{ id: 'u', ...values }], 'v1');

  it('reads a v2 id and a v2 id list, reporting unknown ids in the order the value lists them', () => {
    expect(v2({ [RISK]: 1 })).toEqual([]);
    expect(v2({ [RISK]: 4 })).toEqual([`${RISK}=4`]);
    expect(v2({ [TAGS]: [6, 5] })).toEqual([]);
    expect(v2({ [TAGS]: [5, 9, 6, 8] })).toEqual([`${TAGS}=9`, `${TAGS}=8`]);
    expect(v2({ [TAGS]: [5, [6, 7]] })).toEqual([`${TAGS}=7`]);
  });

  it('reads v1 id text and comma lists, trimming spaces and skipping blank parts', () => {
    expect(v1({ [RISK]: '1' })).toEqual([]);
    expect(v1({ [RISK]: '3' })).toEqual([`${RISK}=3`]);
    expect(v1({ [TAGS]: ' 5 , ,6,' })).toEqual([]);
    expect(v1({ [TAGS]: '9, 5 ,8' })).toEqual([`${TAGS}=9`, `${TAGS}=8`]);
    expect(v1({ [TAGS]: ' , ' })).toEqual([]);
    expect(v2({ [TAGS]: ['5', '6,7'] })).toEqual([`${TAGS}=7`]);
  });

  it('reads `{ id }` objects, alone or in a list; an object without an id names no option', () => {
    expect(v2({ [RISK]: { id: 2, label: 'label 2' } })).toEqual([]);
    expect(v2({ [RISK]: { id: 3, label: 'new' } })).toEqual([`${RISK}=3`]);
    expect(v2({ [TAGS]: [{ id: 5 }, { id: 7, label: 'x' }, { id: null }] })).toEqual([`${TAGS}=7`]);
    expect(v2({ [RISK]: { label: 'no id' }, [TAGS]: { id: null } })).toEqual([]);
    // An object's id is one id, whatever text it is.
    expect(v2({ [TAGS]: { id: '5,6' } })).toEqual([`${TAGS}=5,6`]);
  });

  it('needs nothing for empty values, known or not; an empty list names no option', () => {
    for (const value of [null, undefined, '']) {
      expect(v2({ [RISK]: value, [TAGS]: value, [NEW]: value })).toEqual([]);
      expect(v1({ [RISK]: value, [TAGS]: value, [NEW]: value, [`${NEW}_currency`]: value })).toEqual([]);
    }
    expect(v2({ [TAGS]: [] })).toEqual([]);
    expect(v1({ [TAGS]: [] })).toEqual([]);
  });

  it('reports an unknown field by its key, whatever its value, and any value of a field without options is known', () => {
    expect(v2({ [NEW]: 0 })).toEqual([NEW]);
    expect(v2({ [NEW]: [1] })).toEqual([NEW]);
    expect(v1({ [NEW]: '1,2' })).toEqual([NEW]);
    expect(v2({ [NOTE]: { id: 99 }, [RISK]: 1 })).toEqual([]);
  });

  it('finds what the per-value id lists of the first version found, in the same order', () => {
    // The check as it was: every option id of a value as a list, then the unknown ones.
    const idsOf = (value: unknown): string[] => {
      if (value === null || value === undefined || value === '') return [];
      if (Array.isArray(value)) return value.flatMap(idsOf);
      if (typeof value === 'object') {
        const id = (value as Record<string, unknown>).id;
        return id === null || id === undefined ? [] : [String(id)];
      }
      if (typeof value === 'string') return value.split(',').map((part) => part.trim()).filter((part) => part !== '');
      return [String(value)];
    };
    const known = new Set(['5', '6']);
    const values: unknown[] = [
      5, 7, 5.5, true, '5', '7', '5,7', ',,', ' 6 ,5 ', '6,,7,8', [5, 6], [6, 7, 8], [], [[5], [8]], ['5,6', 7],
      { id: 5 }, { id: 7 }, { id: '5' }, { id: '5,6' }, { id: null }, {}, [{ id: 6 }, { id: 9 }], [null, '', 7], '\u00a05\t',
    ];
    for (const value of values) {
      // Each unknown id once, in order: the check runs again after marking the one it found known.
      const expected = [...new Set(idsOf(value).filter((id) => !known.has(id)))].map((id) => `${TAGS}=${id}`);
      expect(v2({ [TAGS]: value }), JSON.stringify(value)).toEqual(expected);
    }
  });
});

describe('the list cadence', () => {
  it('parses --refresh-lists and decides when a list is due', () => {
    expect(parseRefreshLists('always')).toBe(0);
    expect(parseRefreshLists('6h')).toBe(6 * 3_600_000);
    expect(parseRefreshLists('30m')).toBe(1_800_000);
    expect(parseRefreshLists('1d')).toBe(86_400_000);
    expect(() => parseRefreshLists('often')).toThrow(/--refresh-lists/);
    const now = new Date('2026-01-01T12:00:00Z');
    expect(listDue(6 * 3_600_000, undefined, now)).toBe(true);
    expect(listDue(6 * 3_600_000, '2026-01-01T07:00:00Z', now)).toBe(false);
    expect(listDue(6 * 3_600_000, '2026-01-01T06:00:00Z', now)).toBe(true);
    expect(listDue(0, '2026-01-01T11:59:59Z', now)).toBe(true);
    // A time after now cannot be right (an edited state): read again.
    expect(listDue(6 * 3_600_000, '2026-01-02T00:00:00Z', now)).toBe(true);
  });

  it('puts full lists and the archived leads on the cadence, never an incremental stream', () => {
    const on = (name: string): boolean => readsOnCadence(findStream(name) ?? { name } as never);
    expect(['pipelines', 'stages', 'users', 'currencies', 'goals_sum', 'call_logs', 'leads_archived'].map(on)).toEqual(Array(7).fill(true));
    expect(['deals', 'deals_archived', 'leads', 'notes', 'files', 'products', 'deal_products', 'deal_fields'].map(on)).toEqual(Array(8).fill(false));
  });
});
