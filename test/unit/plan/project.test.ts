import { describe, expect, it } from 'vitest';
import { diff } from '../../../src/plan/diff.js';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import { createRowProjector } from '../../../src/plan/project.js';
import { buildTableModel } from '../../../src/schema/shape.js';
import type { ColumnSpec, Row, TableSpec } from '../../../src/schema/types.js';

const DEALS: TableSpec = {
  name: 'deals',
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'title', type: 'string' },
    { name: 'value', type: 'double' },
    { name: 'extra', type: 'json' },
    { name: 'labels', type: 'string_list' },
  ],
};

function planFor(existing: ColumnSpec[] | undefined) {
  const actual = new Map(existing ? [['deals', existing]] : []);
  const table = diff([DEALS], actual, { schemaExists: existing !== undefined }).tables[0];
  if (!table) throw new Error('no plan');
  return table;
}

describe('createRowProjector', () => {
  it('keeps the row itself when every column maps onto itself', () => {
    const projector = createRowProjector(planFor(undefined));
    const labels = ['a', 'b'];
    const row: Row = { id: 1, title: 'Deal', value: 2.5, extra: '{"a":1}', labels };
    const projected = projector.project(row);
    expect(projected).toBe(row);
    expect(projected).toEqual({ id: 1, title: 'Deal', value: 2.5, extra: '{"a":1}', labels: ['a', 'b'] });
    expect(projected.labels).toBe(labels);
    expect(projector.columns).toEqual(DEALS.columns);
  });

  it('normalises text and JSON cells shaped before an inferred column widened, in place', () => {
    const projector = createRowProjector(planFor([...DEALS.columns]));
    // A number shaped while `title` was still inferred as bigint, an object while `extra` was not JSON yet.
    const row = { id: 1, title: 42, extra: true, value: null } as unknown as Row;
    expect(projector.project(row)).toEqual({ id: 1, title: '42', extra: 'true', value: null });
  });

  it('leaves missing columns missing and NULLs as NULL', () => {
    const projector = createRowProjector(planFor(undefined));
    const projected = projector.project({ id: 7, title: null });
    expect(projected).toEqual({ id: 7, title: null });
    expect('value' in projected).toBe(false);
  });

  it('copies into a new row, converting, when a conflict maps a column elsewhere', () => {
    // `value` exists as text (holds doubles: converted); `labels` exists as bigint (cannot hold a list: sibling).
    const existing: ColumnSpec[] = [
      { name: 'id', type: 'bigint' },
      { name: 'title', type: 'string' },
      { name: 'value', type: 'string' },
      { name: 'extra', type: 'json' },
      { name: 'labels', type: 'bigint' },
    ];
    const projector = createRowProjector(planFor(existing));
    expect(projector.columns.map((c) => c.name)).toEqual(['id', 'title', 'value', 'extra', 'labels__string_list']);
    const row: Row = { id: 1, title: 'Deal', value: 2.5, labels: ['x'] };
    const projected = projector.project(row);
    expect(projected).not.toBe(row);
    expect(projected).toEqual({ id: 1, title: 'Deal', value: '2.5', labels__string_list: ['x'] });
    expect(row).toEqual({ id: 1, title: 'Deal', value: 2.5, labels: ['x'] });
  });
});

/**
 * With the table model's inferred columns (what schema-sync passes), the in-place projection
 * visits only those: every other column's cells are shaped with the column's own type.
 */
describe('createRowProjector with the inferred columns of a table model', () => {
  const NOW = '2026-01-01T00:00:00Z';
  const NOTE = 'a'.repeat(40);
  const PRIORITY = 'b'.repeat(40);
  const HQ = 'c'.repeat(40);
  const BLOB = 'd'.repeat(40);
  const ODD = 'e'.repeat(40);
  const custom = (code: string, name: string, type: string, options: FieldDefinition['options'] = null): FieldDefinition => ({
    field_code: code,
    field_name: name,
    field_type: type,
    options,
    subfields: null,
    is_custom_field: true,
  });
  const FIELDS = [
    custom(NOTE, 'Note', 'varchar'),
    custom(PRIORITY, 'Priority', 'enum', [{ id: 1, label: 'Low' }]),
    custom(HQ, 'HQ', 'address'),
    custom(BLOB, 'Blob', 'json'),
    custom(ODD, 'Odd', 'quantum_field_2030'),
  ];
  const dealModel = () => buildTableModel({ table: 'deals', primaryKey: ['id'], fields: FIELDS, persisted: [], now: NOW });
  const created = (spec: TableSpec) => {
    const table = diff([spec], new Map(), { schemaExists: false }).tables[0];
    if (!table) throw new Error('no plan');
    return table;
  };

  it('still normalises the cells an inferred column held before it widened to text or JSON', () => {
    const model = dealModel();
    const early = model.shape({ id: 1, ratio: 1, extra_info: true });
    const late = model.shape({ id: 2, ratio: 'n/a', extra_info: { a: 1 } });
    expect(early).toMatchObject({ ratio: 1, extra_info: true }); // shaped while bigint / boolean
    const types = new Map(model.spec.columns.map((c) => [c.name, c.type]));
    expect([types.get('ratio'), types.get('extra_info')]).toEqual(['string', 'json']);
    expect(model.inferredColumns).toEqual(new Set(['ratio', 'extra_info']));

    const projector = createRowProjector(created(model.spec), model.inferredColumns);
    expect(projector.project(early)).toBe(early);
    expect(early).toMatchObject({ ratio: '1', extra_info: 'true' });
    expect(projector.project(late)).toMatchObject({ ratio: 'n/a', extra_info: '{"a":1}' });
  });

  it('normalises them when a conflict makes the projection copy, too', () => {
    const model = dealModel();
    const early = model.shape({ id: 1, title: 'Deal', ratio: 1 });
    model.shape({ id: 2, ratio: 'n/a' });
    // `value` exists as text: the desired decimal is converted into it, so rows are copied.
    const existing: ColumnSpec[] = [{ name: 'id', type: 'bigint' }, { name: 'value', type: 'string' }];
    const table = diff([model.spec], new Map([['deals', existing]]), { schemaExists: true }).tables[0];
    if (!table) throw new Error('no plan');
    const projected = createRowProjector(table, model.inferredColumns).project(early);
    expect(projected).not.toBe(early);
    expect(projected).toMatchObject({ id: 1, title: 'Deal', ratio: '1' });
  });

  it('leaves the text and JSON columns the model types itself as shaped: they hold text already', () => {
    const model = dealModel();
    // Values of the wrong JSON type in every kind of declared text or JSON column.
    const records = [
      {
        id: 1,
        title: 42,
        label_ids: [1, 2],
        currency: true,
        custom_fields: {
          [NOTE]: 7.5,
          [PRIORITY]: 99,
          [HQ]: { value: 12, locality: 3, country: false, formatted_address: { a: 1 } },
          [BLOB]: { nested: [1, 'x'] },
          [ODD]: { hologram: true },
        },
      },
      { id: 2, title: null, custom_fields: { [NOTE]: { odd: 1 }, [PRIORITY]: { id: 1, label: 'Old' }, [HQ]: 5, [BLOB]: 3, [ODD]: 8 } },
      { id: 3, [NOTE]: ['v1', 2], [PRIORITY]: '1', [`${HQ}_locality`]: 9, [HQ]: 10 },
    ];
    const rows = records.map((record) => model.shape(record));
    expect(model.inferredColumns.size).toBe(0);
    const declared = model.spec.columns.filter((c) => c.type === 'string' || c.type === 'json').map((c) => c.name);
    expect(declared).toEqual(expect.arrayContaining(['title', 'label_ids', 'note', 'priority', 'hq', 'hq_locality', 'blob', 'odd']));
    for (const row of rows) {
      for (const name of declared) expect(row[name] === null || typeof row[name] === 'string', `${name}: ${String(row[name])}`).toBe(true);
    }

    // The same rows as the projection that normalises every text and JSON column gives.
    const table = created(model.spec);
    const everyColumn = createRowProjector(table);
    const inferredOnly = createRowProjector(table, model.inferredColumns);
    for (const row of rows) expect(inferredOnly.project({ ...row })).toEqual(everyColumn.project({ ...row }));
    expect(rows[0]).toMatchObject({ title: '42', label_ids: '[1,2]', note: '7.5', priority: '99', hq: '12', hq_locality: '3', blob: '{"nested":[1,"x"]}' });
  });

  it('trusts the columns outside the set: it does not visit them', () => {
    const projector = createRowProjector(planFor(undefined), new Set(['extra']));
    const row = { id: 1, title: 42, extra: 5 } as unknown as Row;
    expect(projector.project(row)).toEqual({ id: 1, title: 42, extra: '5' });
  });
});
