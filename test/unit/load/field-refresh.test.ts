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
