import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATABLE_CUSTOM_FIELD_TYPES } from '../../src/pipedrive/fields.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Row } from './http.js';
import { collect, get } from './http.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ deals: 1000, seed: 1, dealCustomFields: 40 });
});
afterAll(async () => sandbox.close());

const PATHS = [
  '/api/v2/deals?limit=500&sort_by=update_time&status=open,won,lost,deleted',
  '/api/v2/deals/archived?limit=500',
  '/api/v2/persons?limit=500',
  '/api/v2/organizations?limit=500',
  '/api/v2/activities?limit=500&sort_by=due_date',
  '/api/v2/products?limit=500',
  '/api/v2/stages',
  '/api/v2/dealFields?limit=500',
  '/api/v2/deals/products?deal_ids=1,2,3,4,5,6,7,8,9,10',
  '/v1/users',
  '/v1/users/me',
];

describe('determinism', () => {
  it('the same seed and options give byte-identical responses; another seed does not', async () => {
    const twin = await startSandbox({ deals: 1000, seed: 1, dealCustomFields: 40 });
    const other = await startSandbox({ deals: 1000, seed: 2, dealCustomFields: 40 });
    try {
      for (const path of PATHS) {
        const [a, b, c] = await Promise.all([get(sandbox, path), get(twin, path), get(other, path)]);
        expect(a.status, path).toBe(200);
        expect(b.text, path).toBe(a.text);
        if (!path.includes('stages') && !path.includes('users/me')) expect(c.text, path).not.toBe(a.text);
      }
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });

  it('mutations do not disturb the generation of untouched records', async () => {
    const mutated = await startSandbox({ deals: 1000, seed: 1, dealCustomFields: 40 });
    try {
      mutated.mutate.update('deals', 10, { title: 'changed' });
      mutated.mutate.insert('deals', { title: 'new' });
      mutated.mutate.addField('deal', { name: 'late field', field_type: 'double' });
      const fresh = await collect(sandbox.records('deals'));
      const changed = await collect(mutated.records('deals'));
      const lateKey = mutated.fields('deal').at(-1)?.field_code as string;
      for (const [i, record] of fresh.entries()) {
        if (record.id === 10) continue;
        const { [lateKey]: late, ...rest } = changed[i]?.custom_fields as Row;
        expect(late).toBeNull();
        expect({ ...changed[i], custom_fields: rest }).toEqual(record);
      }
    } finally {
      await mutated.close();
    }
  });
});

describe('field metadata', () => {
  it('deals and persons carry the hostile custom-field names', () => {
    for (const entity of ['deal', 'person'] as const) {
      const names = sandbox.fields(entity).filter((f) => f.is_custom_field).map((f) => f.field_name);
      for (const hostile of ["Robert'); DROP TABLE deals;--", '"quoted" name', 'a;b--c', 'Société Générale Ünïcödé', '名前', 'select', 'order', 'from', '🚀🔥', 'Value', 'Title', '_loaded_at', 'Deal Size', 'deal-size']) {
        expect(names, `${entity}: ${hostile}`).toContain(hostile);
      }
      expect(names.filter((n) => n === 'Region')).toHaveLength(2);
      expect(names.some((n) => n.length === 300)).toBe(true);
    }
  });

  it('every creatable type is a custom field on deals, persons, organizations and products; activities have none', () => {
    for (const entity of ['deal', 'person', 'organization', 'product'] as const) {
      const types = new Set(sandbox.fields(entity).filter((f) => f.is_custom_field).map((f) => f.field_type));
      expect([...types].sort(), entity).toEqual([...CREATABLE_CUSTOM_FIELD_TYPES].sort());
    }
    expect(sandbox.fields('activity').some((f) => f.is_custom_field)).toBe(false);
    expect(sandbox.fields('deal').filter((f) => f.is_custom_field)).toHaveLength(40);
  });

  it('custom keys are unique 40-hex codes; built-ins use their API names; v2 metadata fields are present', () => {
    const fields = sandbox.fields('deal');
    const custom = fields.filter((f) => f.is_custom_field);
    expect(custom.every((f) => /^[0-9a-f]{40}$/.test(f.field_code))).toBe(true);
    expect(new Set(fields.map((f) => f.field_code)).size).toBe(fields.length);
    expect(fields.find((f) => f.field_code === 'value')?.subfields?.map((s) => s.field_code)).toEqual(['value', 'currency']);
    expect(fields.some((f) => f.is_optional_response_field === true)).toBe(true);
  });
});

describe('record values', () => {
  let deals: Row[];
  beforeAll(async () => {
    deals = await collect(sandbox.records('deals'));
  });

  const SHAPES: Record<string, (v: unknown) => boolean> = {
    varchar: (v) => typeof v === 'string',
    varchar_auto: (v) => typeof v === 'string',
    text: (v) => typeof v === 'string',
    phone: (v) => typeof v === 'string' && v.startsWith('+'),
    double: (v) => typeof v === 'number',
    monetary: (v) => typeof (v as Row).value === 'number' && typeof (v as Row).currency === 'string',
    date: (v) => /^\d{4}-\d\d-\d\d$/.test(String(v)),
    daterange: (v) => /^\d{4}-\d\d-\d\d$/.test(String((v as Row).value)) && String((v as Row).until) >= String((v as Row).value),
    time: (v) => /^\d\d:\d\d:\d\d$/.test(String((v as Row).value)) && typeof (v as Row).timezone_id === 'number' && typeof (v as Row).timezone_name === 'string',
    timerange: (v) => /^\d\d:\d\d:\d\d$/.test(String((v as Row).until)) && typeof (v as Row).timezone_name === 'string',
    enum: (v) => Number.isInteger(v),
    set: (v) => Array.isArray(v) && v.length > 0 && v.every(Number.isInteger),
    user: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 10,
    org: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 200,
    people: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 500,
    address: (v) => typeof (v as Row).formatted_address === 'string' && typeof (v as Row).locality === 'string',
  };

  it('every custom value has the v2 shape of its field type, and some are unset (null)', () => {
    for (const field of sandbox.fields('deal').filter((f) => f.is_custom_field)) {
      const values = deals.map((d) => (d.custom_fields as Row)[field.field_code]);
      expect(values.every((v) => v !== undefined)).toBe(true);
      const set = values.filter((v) => v !== null);
      expect(set.length, field.field_name).toBeGreaterThan(0);
      expect(set.length, field.field_name).toBeLessThan(values.length);
      const shape = SHAPES[field.field_type] as (v: unknown) => boolean;
      expect(set.every(shape), `${field.field_name} (${field.field_type})`).toBe(true);
    }
  });

  it('an enum points at a deleted option: some records hold an id the metadata does not list', () => {
    const legacy = sandbox.fields('deal').find((f) => f.field_name === 'Lead Source (legacy)');
    const listed = new Set(legacy?.options?.map((o) => o.id));
    const orphans = deals.map((d) => (d.custom_fields as Row)[legacy?.field_code as string]).filter((v) => v !== null && !listed.has(v as number));
    expect(orphans.length).toBeGreaterThan(0);
  });

  it('looks like a real company: statuses, currencies, timestamps over years with 1-second resolution', () => {
    const statuses = new Set(deals.map((d) => d.status));
    expect([...statuses].sort()).toEqual(['deleted', 'lost', 'open', 'won']);
    const currencies = new Set(deals.map((d) => d.currency));
    for (const c of ['EUR', 'USD', 'GBP']) expect(currencies).toContain(c);
    const times = deals.map((d) => String(d.add_time));
    expect(times.every((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(t))).toBe(true);
    const years = new Set(times.map((t) => t.slice(0, 4)));
    expect(years.size).toBeGreaterThanOrEqual(5);
    expect(deals.every((d) => String(d.update_time) >= String(d.add_time) && String(d.update_time) < '2026-06-01T00:00:00Z')).toBe(true);
    expect(deals.some((d) => d.is_archived)).toBe(true);
  });

  it('persons have emails and phones in the v2 list shape', async () => {
    const persons = await collect(sandbox.records('persons'));
    const first = persons[0] as Row;
    expect(first.emails).toEqual(expect.arrayContaining([expect.objectContaining({ value: expect.stringContaining('@') as string, primary: true })]));
    expect(persons.some((p) => (p.phones as Row[]).length > 0)).toBe(true);
  });
});
