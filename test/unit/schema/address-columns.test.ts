/**
 * Address custom fields keep both forms (issue 13): `<col>` holds the address as typed (`value`),
 * `<col>_formatted_address` Google's rendering, in v2 objects and v1 flat keys (leads) alike, and
 * a table created before the sub-column existed gains it through the column map.
 */
import { describe, expect, it } from 'vitest';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import type { ColumnMapping } from '../../../src/schema/column-map.js';
import { isValidIdentifier } from '../../../src/schema/naming.js';
import { buildTableModel } from '../../../src/schema/shape.js';

const NOW = '2026-01-01T00:00:00Z';
const K = (c: string): string => c.repeat(40);

function custom(code: string, name: string, type: string): FieldDefinition {
  return { field_code: code, field_name: name, field_type: type, options: null, subfields: null, is_custom_field: true };
}

const HQ = custom(K('8'), 'HQ', 'address');
const TYPED = 'Main St 1';
const FORMATTED = 'Main Street 1, 50090 Tartu, Estonia';

function model(table: string, fields: FieldDefinition[] = [HQ], persisted: ColumnMapping[] = []) {
  return buildTableModel({ table, primaryKey: ['id'], fields, persisted, now: NOW });
}

describe('address custom fields keep the typed value and the formatted address', () => {
  it('v2 object: value in the main column, formatted_address beside the other components', () => {
    const row = model('organizations').shape({
      id: 1,
      custom_fields: { [K('8')]: { value: TYPED, route: 'Main Street', locality: 'Tartu', formatted_address: FORMATTED } },
    });
    expect(row).toMatchObject({ hq: TYPED, hq_value: TYPED, hq_formatted_address: FORMATTED, hq_route: 'Main Street', hq_locality: 'Tartu' });
    const types = new Map(model('organizations').spec.columns.map((c) => [c.name, c.type]));
    expect(types.get('hq_formatted_address')).toBe('string');
  });

  it('v1 flat keys (leads): the same columns whatever order the keys come in', () => {
    const typedFirst = model('leads').shape({ id: 'a', [K('8')]: TYPED, [`${K('8')}_formatted_address`]: FORMATTED });
    const formattedFirst = model('leads').shape({ id: 'a', [`${K('8')}_formatted_address`]: FORMATTED, [K('8')]: TYPED });
    for (const row of [typedFirst, formattedFirst]) expect(row).toMatchObject({ hq: TYPED, hq_formatted_address: FORMATTED });
  });

  it('a cleared address clears every column, formatted_address included', () => {
    const row = model('deals').shape({ id: 2, custom_fields: { [K('8')]: null } });
    expect(row).toMatchObject({ hq: null, hq_value: null, hq_formatted_address: null });
  });

  it('an existing table gains the sub-column: a new mapping beside the persisted ones, names kept', () => {
    const persisted = ['', 'value', 'route', 'locality'].map(
      (subfield): ColumnMapping => ({
        table_name: 'deals',
        field_key: K('8'),
        subfield,
        column_name: subfield === '' ? 'head_office' : `head_office_${subfield}`,
        field_name: 'HQ',
        field_type: 'address',
        first_seen_at: NOW,
        last_seen_at: NOW,
      }),
    );
    const deals = model('deals', [HQ], persisted);
    const added = deals.mappings.find((m) => m.subfield === 'formatted_address');
    expect(added).toMatchObject({ field_key: K('8'), column_name: 'head_office_formatted_address', first_seen_at: NOW });
    expect(deals.mappings.find((m) => m.subfield === '')?.column_name).toBe('head_office');
    expect(deals.shape({ id: 3, custom_fields: { [K('8')]: { value: TYPED, formatted_address: FORMATTED } } })).toMatchObject({
      head_office: TYPED,
      head_office_formatted_address: FORMATTED,
    });
  });

  it('the sub-column name is length-limited and never takes another field\'s column', () => {
    const long = custom(K('9'), 'Registered office address of the legal entity for invoices', 'address');
    const twin = custom(K('1'), 'HQ formatted address', 'varchar');
    const deals = model('deals', [HQ, long, twin]);
    const names = deals.spec.columns.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(isValidIdentifier(name) && Buffer.byteLength(name) <= 63, name).toBe(true);
    // The other field's main column keeps its name; the sub-column gets the field key's hash.
    expect(deals.mappings.find((m) => m.field_key === K('1'))?.column_name).toBe('hq_formatted_address');
    const hqFormatted = deals.mappings.find((m) => m.field_key === K('8') && m.subfield === 'formatted_address')?.column_name;
    expect(hqFormatted).toMatch(/^hq_formatted_address_[0-9a-f]{8}$/);
    const longFormatted = deals.mappings.find((m) => m.field_key === K('9') && m.subfield === 'formatted_address')?.column_name ?? '';
    expect(longFormatted.endsWith('_formatted_address')).toBe(true);
    expect(Buffer.byteLength(longFormatted)).toBeLessThanOrEqual(63);
  });
});
