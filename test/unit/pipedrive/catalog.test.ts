import { describe, expect, it } from 'vitest';
import { STREAMS, fieldsStreamFor } from '../../../src/pipedrive/catalog.js';
import { parseV1FieldDefinition } from '../../../src/pipedrive/fields.js';
import { builtinColumnsOf } from '../../../src/schema/builtins.js';

describe('the stream catalog', () => {
  it('has unique stream names and never reads /v1/recents', () => {
    expect(new Set(STREAMS.map((s) => s.name)).size).toBe(STREAMS.length);
    expect(STREAMS.some((s) => s.path.startsWith('/recents'))).toBe(false);
  });

  it('declares built-in columns, including the primary key, for every table', () => {
    for (const stream of STREAMS) {
      const columns = builtinColumnsOf(stream.table).map((c) => c.name);
      expect(columns, stream.table).toContain(stream.primaryKey[0]);
      if (stream.replicationKey) expect(columns, stream.table).toContain(stream.replicationKey);
    }
  });

  it('keeps every incremental or newest-first stream ordered by a declared timestamp', () => {
    for (const stream of STREAMS.filter((s) => s.replication !== 'full')) {
      const type = builtinColumnsOf(stream.table).find((c) => c.name === stream.replicationKey)?.type;
      expect(type, stream.name).toBe('timestamp');
    }
  });

  it('reads deal products in batches of at most 100 deals, after the deal streams', () => {
    const products = STREAMS.find((s) => s.name === 'deal_products');
    expect(products?.children).toMatchObject({ parentTable: 'deals', param: 'deal_ids', batchSize: 100 });
    expect(products?.children?.after).toEqual(['deals', 'deals_archived']);
  });

  it('has a fields stream for the seven entities with field metadata, v1 for notes and leads', () => {
    for (const entity of ['deal', 'person', 'organization', 'product', 'activity'] as const) expect(fieldsStreamFor(entity).api).toBe('v2');
    for (const entity of ['note', 'lead'] as const) expect(fieldsStreamFor(entity)).toMatchObject({ api: 'v1', pagination: 'offset' });
  });

  it('marks only the Projects add-on streams as optional', () => {
    expect(STREAMS.filter((s) => s.requires).map((s) => s.name)).toEqual(['projects', 'projects_archived', 'tasks']);
  });
});

describe('v1 field definitions', () => {
  it('maps key/name/edit_flag to the v2 model and leaves subfield rows out', () => {
    expect(
      parseV1FieldDefinition({ id: 3, key: 'a'.repeat(40), name: 'Budget', field_type: 'monetary', edit_flag: true, options: null }),
    ).toEqual({
      field_code: 'a'.repeat(40),
      field_name: 'Budget',
      field_type: 'monetary',
      description: null,
      options: null,
      subfields: null,
      is_custom_field: true,
    });
    expect(parseV1FieldDefinition({ key: `${'a'.repeat(40)}_currency`, is_subfield: true, field_type: 'varchar' })).toBeNull();
    expect(() => parseV1FieldDefinition({ name: 'no key', field_type: 'varchar' })).toThrow(/key/);
  });
});
