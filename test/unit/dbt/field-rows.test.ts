import { describe, expect, it } from 'vitest';
import { fieldDefinitionsFromRows, fieldsTableOf } from '../../../src/dbt/field-rows.js';

describe('fieldDefinitionsFromRows', () => {
  it('reads field definitions back from a <entity>_fields table, options as JSON text or values', () => {
    const rows = [
      {
        field_code: 'b'.repeat(40),
        field_name: 'Lead source',
        field_type: 'enum',
        description: null,
        options: '[{"id":1,"label":"Web"},{"id":2,"label":"Referral"}]',
        subfields: null,
        is_custom_field: true,
        is_optional_response_field: false,
        _loaded_at: '2026-11-28T00:00:00Z',
      },
      {
        field_code: 'title',
        field_name: 'Title',
        field_type: 'varchar',
        description: 'The title of the deal',
        options: null,
        subfields: [],
        is_custom_field: false,
      },
    ];
    const definitions = fieldDefinitionsFromRows(rows);
    expect(definitions.map((d) => d.field_code)).toEqual(['b'.repeat(40), 'title']);
    expect(definitions[0]).toMatchObject({
      field_name: 'Lead source',
      is_custom_field: true,
      options: [
        { id: 1, label: 'Web' },
        { id: 2, label: 'Referral' },
      ],
    });
    expect(definitions[1]).toMatchObject({ description: 'The title of the deal', is_custom_field: false, options: null });
  });

  it('skips rows that do not parse instead of failing the whole file', () => {
    const rows = [{ field_name: 'no code' }, { field_code: 'x', field_type: 'varchar', options: '{not json' }];
    expect(fieldDefinitionsFromRows(rows).map((d) => [d.field_code, d.options])).toEqual([['x', null]]);
  });

  it('names the table of an entity', () => {
    expect(fieldsTableOf('activity')).toBe('activity_fields');
  });
});
