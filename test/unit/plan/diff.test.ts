import { describe, expect, it } from 'vitest';
import { canHold, convertCell } from '../../../src/plan/conversion.js';
import { diff, isNoop, siblingName } from '../../../src/plan/diff.js';
import { createRowProjector } from '../../../src/plan/project.js';
import { isValidIdentifier } from '../../../src/schema/naming.js';
import { LOGICAL_TYPES, type ColumnSpec, type TableSpec } from '../../../src/schema/types.js';

const DEALS: TableSpec = {
  name: 'deals',
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'title', type: 'string' },
    { name: 'priority', type: 'string' },
  ],
};

function actual(entries: Record<string, ColumnSpec[]>): Map<string, ColumnSpec[]> {
  return new Map(Object.entries(entries));
}

describe('diff', () => {
  it('creates the schema and every table when nothing exists', () => {
    const plan = diff([DEALS], new Map(), { schemaExists: false });
    expect(plan.createSchema).toBe(true);
    expect(plan.tables[0]?.create).toEqual(DEALS);
    expect(plan.tables[0]?.addColumns).toEqual([]);
    expect(isNoop(plan)).toBe(false);
  });

  it('creates missing tables in an existing schema', () => {
    const plan = diff([DEALS], actual({ persons: [{ name: 'id', type: 'bigint' }] }), { schemaExists: true });
    expect(plan.createSchema).toBe(false);
    expect(plan.tables[0]?.create).toEqual(DEALS);
  });

  it('adds only missing columns and never drops extra ones', () => {
    const plan = diff([DEALS], actual({ deals: [{ name: 'id', type: 'bigint' }, { name: 'legacy', type: 'string' }] }), { schemaExists: true });
    const table = plan.tables[0];
    expect(table?.create).toBeNull();
    expect(table?.addColumns).toEqual([{ name: 'title', type: 'string' }, { name: 'priority', type: 'string' }]);
    expect(table?.targets.map((t) => t.target.name)).toEqual(['id', 'title', 'priority']);
  });

  it('is a no-op when the warehouse already matches', () => {
    const plan = diff([DEALS], actual({ deals: [...DEALS.columns] }), { schemaExists: true });
    expect(isNoop(plan)).toBe(true);
    expect(plan.tables[0]?.conflicts).toEqual([]);
    expect(plan.tables[0]?.targets.every((t) => t.source.name === t.target.name && t.source.type === t.target.type)).toBe(true);
  });

  it('matches upper-cased catalog names (Snowflake) to lower-case specs', () => {
    const plan = diff([DEALS], actual({ DEALS: DEALS.columns.map((c) => ({ ...c, name: c.name.toUpperCase() })) }), { schemaExists: true });
    expect(isNoop(plan)).toBe(true);
  });

  it('keeps writing into an existing column that holds the new type losslessly', () => {
    // priority was text; the field became a number: text holds numbers.
    const desired: TableSpec = { ...DEALS, columns: [DEALS.columns[0]!, { name: 'priority', type: 'bigint' }] };
    const plan = diff([desired], actual({ deals: [{ name: 'id', type: 'bigint' }, { name: 'priority', type: 'string' }] }), { schemaExists: true });
    const table = plan.tables[0]!;
    expect(table.addColumns).toEqual([]);
    expect(table.conflicts).toEqual([{ column: 'priority', existing: 'string', desired: 'bigint', resolution: 'convert', writtenTo: 'priority' }]);
    const projector = createRowProjector(table);
    expect(projector.project({ id: 1, priority: 3 })).toEqual({ id: 1, priority: '3' });
  });

  it('adds a typed sibling when the existing column cannot hold the new type', () => {
    // priority was a number; the field became text: a bigint column cannot hold "High".
    const plan = diff([DEALS], actual({ deals: [{ name: 'id', type: 'bigint' }, { name: 'title', type: 'string' }, { name: 'priority', type: 'bigint' }] }), { schemaExists: true });
    const table = plan.tables[0]!;
    expect(table.addColumns).toEqual([{ name: 'priority__string', type: 'string' }]);
    expect(table.conflicts[0]).toMatchObject({ resolution: 'sibling', writtenTo: 'priority__string' });
    const projector = createRowProjector(table);
    expect(projector.columns.map((c) => c.name)).toEqual(['id', 'title', 'priority__string']);
    expect(projector.project({ id: 1, title: 't', priority: 'High' })).toEqual({ id: 1, title: 't', priority__string: 'High' });
  });

  it('finds the sibling again on the next run instead of adding another', () => {
    const existing = [{ name: 'id', type: 'bigint' }, { name: 'title', type: 'string' }, { name: 'priority', type: 'bigint' }, { name: 'priority__string', type: 'string' }] as const;
    const plan = diff([DEALS], actual({ deals: [...existing] }), { schemaExists: true });
    expect(isNoop(plan)).toBe(true);
    expect(plan.tables[0]?.targets[2]?.target).toEqual({ name: 'priority__string', type: 'string' });
  });

  it('skips a hand-made sibling of the wrong type, stably', () => {
    const base: ColumnSpec[] = [{ name: 'id', type: 'bigint' }, { name: 'title', type: 'string' }, { name: 'priority', type: 'bigint' }, { name: 'priority__string', type: 'boolean' }];
    const first = diff([DEALS], actual({ deals: base }), { schemaExists: true }).tables[0]!;
    const sibling = first.addColumns[0]!;
    expect(sibling.name).toMatch(/^priority__string_[0-9a-f]{8}$/);
    const second = diff([DEALS], actual({ deals: [...base, sibling] }), { schemaExists: true });
    expect(isNoop(second)).toBe(true);
    expect(second.tables[0]?.targets[2]?.target.name).toBe(sibling.name);
  });

  it('keeps sibling names valid for 63-byte columns', () => {
    const long = 'x'.repeat(63);
    const name = siblingName(long, 'string_list');
    expect(isValidIdentifier(name)).toBe(true);
    expect(name.endsWith('__string_list')).toBe(true);
  });

  it('resolves every type pair without failing or losing values (property loop)', () => {
    for (const existing of LOGICAL_TYPES) {
      for (const desired of LOGICAL_TYPES) {
        const spec: TableSpec = { name: 't', primaryKey: ['id'], columns: [{ name: 'id', type: 'bigint' }, { name: 'c', type: desired }] };
        const plan = diff([spec], actual({ t: [{ name: 'id', type: 'bigint' }, { name: 'c', type: existing }] }), { schemaExists: true });
        const target = plan.tables[0]!.targets[1]!.target;
        expect(canHold(target.type, desired), `${existing} <- ${desired}`).toBe(true);
        expect(target.name === 'c' || plan.tables[0]!.addColumns.some((c) => c.name === target.name)).toBe(true);
      }
    }
  });
});

describe('convertCell', () => {
  it('converts losslessly into wider columns', () => {
    expect(convertCell(5, 'bigint', 'double')).toBe(5);
    expect(convertCell(5, 'bigint', 'decimal')).toBe(5);
    expect(convertCell('2024-01-01', 'date', 'timestamp')).toBe('2024-01-01T00:00:00Z');
    expect(convertCell('High', 'string', 'string_list')).toEqual(['High']);
    expect(convertCell(['a', 'b'], 'string_list', 'string')).toBe('["a","b"]');
    expect(convertCell('{"a":1}', 'json', 'string')).toBe('{"a":1}');
    expect(convertCell('plain', 'string', 'json')).toBe('"plain"');
    expect(convertCell('{"a":1}', 'json', 'json')).toBe('{"a":1}');
    expect(convertCell(true, 'boolean', 'string')).toBe('true');
    expect(convertCell(null, 'string', 'bigint')).toBeNull();
  });

  it('normalises cells of inferred columns widened mid-batch', () => {
    expect(convertCell(7, 'string', 'string')).toBe('7');
    expect(convertCell(7, 'json', 'json')).toBe('7');
  });
});
