import { describe, expect, it } from 'vitest';
import { diff } from '../../../src/plan/diff.js';
import { createRowProjector } from '../../../src/plan/project.js';
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
