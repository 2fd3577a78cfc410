import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Row } from './http.js';
import { collect, control, get, readAllV2 } from './http.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ deals: 300, seed: 13 });
});
afterEach(async () => sandbox.close());

const NOW = '2026-06-01T00:00:00Z';

async function deal(id: number, query = ''): Promise<Row | undefined> {
  const body = (await get(sandbox, `/api/v2/deals?ids=${id}&status=open,won,lost,deleted${query}`)).json();
  return (body.data as Row[])[0];
}

function customKey(name: string, entity: 'deal' | 'person' = 'deal'): string {
  const field = sandbox.fields(entity).find((f) => f.field_name === name);
  if (!field) throw new Error(`no field ${name}`);
  return field.field_code;
}

describe('update', () => {
  it('patches fields and custom_fields, bumps update_time to the clock, and leaves other records alone', async () => {
    const before = await collect(sandbox.records('deals'));
    const target = before.find((d) => d.status === 'open' && !d.is_archived) as Row;
    const key = customKey('"quoted" name');
    sandbox.clock.advance(90);
    sandbox.mutate.update('deals', target.id as number, { title: 'Renamed deal', custom_fields: { [key]: 42.5 } });
    const served = await deal(target.id as number);
    expect(served).toMatchObject({ id: target.id, title: 'Renamed deal', update_time: '2026-06-01T00:01:30Z' });
    expect((served?.custom_fields as Row)[key]).toBe(42.5);
    const after = await collect(sandbox.records('deals'));
    expect(after.filter((d) => d.id !== target.id)).toEqual(before.filter((d) => d.id !== target.id));
  });

  it('an updated record shows up in the next incremental window', async () => {
    sandbox.clock.advance(3600);
    sandbox.mutate.update('persons', 7, { name: 'Zoë Mutated' });
    const { rows } = await readAllV2(sandbox, '/api/v2/persons?updated_since=2026-06-01T00:30:00Z&sort_by=update_time');
    expect(rows.map((r) => [r.id, r.name])).toEqual([[7, 'Zoë Mutated']]);
  });

  it('rejects unknown records and unknown custom field keys', () => {
    expect(() => sandbox.mutate.update('deals', 999_999, { title: 'x' })).toThrow(/does not exist/);
    expect(() => sandbox.mutate.update('deals', 1, { custom_fields: { ['f'.repeat(40)]: 1 } })).toThrow(/does not exist/);
  });
});

describe('insert, delete, archive', () => {
  it('insert returns the next id, stamped with the clock, custom fields unset unless given', async () => {
    const key = customKey('select');
    const id = sandbox.mutate.insert('deals', { title: 'Brand new', value: 10, custom_fields: { [key]: { value: '10:00:00', timezone_id: 318, timezone_name: 'Europe/London' } } });
    expect(id).toBe(301);
    const served = await deal(id);
    expect(served).toMatchObject({ id, title: 'Brand new', add_time: NOW, update_time: NOW, status: 'open', is_deleted: false });
    const custom = served?.custom_fields as Row;
    expect(Object.values(custom).filter((v) => v !== null)).toHaveLength(1);
    expect(custom[key]).toMatchObject({ value: '10:00:00' });
  });

  it('a deleted deal leaves the default list and is listed with status=deleted', async () => {
    const target = (await collect(sandbox.records('deals'))).find((d) => d.status === 'won' && !d.is_archived) as Row;
    sandbox.clock.advance(5);
    sandbox.mutate.delete('deals', target.id as number);
    const listed = (await readAllV2(sandbox, '/api/v2/deals?limit=500')).rows;
    expect(listed.some((d) => d.id === target.id)).toBe(false);
    expect(await deal(target.id as number)).toMatchObject({ status: 'deleted', is_deleted: true, update_time: '2026-06-01T00:00:05Z' });
  });

  it('a deleted deal is purged from status=deleted lists 30 days after its deletion', async () => {
    sandbox.mutate.delete('deals', 12);
    sandbox.clock.advance(30 * 86_400);
    expect(await deal(12)).toMatchObject({ id: 12, status: 'deleted' });
    sandbox.clock.advance(1);
    expect(await deal(12)).toBeUndefined();
    expect((await collect(sandbox.records('deals'))).some((d) => d.id === 12)).toBe(false);
    const hidden = await collect(sandbox.records('deals', { includeHidden: true }));
    expect(hidden.find((d) => d.id === 12)).toMatchObject({ is_deleted: true });
  });

  it('a deleted person disappears from /persons and records(); includeHidden still yields it', async () => {
    sandbox.mutate.delete('persons', 3);
    const listed = (await readAllV2(sandbox, '/api/v2/persons?limit=500')).rows;
    expect(listed.some((p) => p.id === 3)).toBe(false);
    expect((await collect(sandbox.records('persons'))).map((p) => p.id)).toEqual(listed.map((p) => p.id));
    const all = await collect(sandbox.records('persons', { includeHidden: true }));
    expect(all.find((p) => p.id === 3)).toMatchObject({ is_deleted: true, update_time: NOW });
  });

  it('an archived deal moves from /deals to /deals/archived', async () => {
    const target = (await collect(sandbox.records('deals'))).find((d) => d.status === 'open' && !d.is_archived) as Row;
    sandbox.mutate.archive('deals', target.id as number);
    expect((await readAllV2(sandbox, '/api/v2/deals?limit=500')).rows.some((d) => d.id === target.id)).toBe(false);
    const archived = (await readAllV2(sandbox, '/api/v2/deals/archived?limit=500')).rows;
    expect(archived.find((d) => d.id === target.id)).toMatchObject({ is_archived: true, archive_time: NOW, update_time: NOW });
  });
});

describe('field mutations', () => {
  it('renameField changes only the name', async () => {
    const key = customKey('Société Générale Ünïcödé');
    sandbox.mutate.renameField('deal', key, 'Renamed field');
    const listed = (await get(sandbox, '/api/v2/dealFields?limit=500')).json().data as Row[];
    expect(listed.find((f) => f.field_code === key)).toMatchObject({ field_name: 'Renamed field', field_type: 'date', is_custom_field: true });
  });

  it('addField creates a 40-hex key that existing records (mutated ones too) hold as null until updated', async () => {
    sandbox.mutate.update('deals', 2, { title: 'touched before the field existed' });
    const key = sandbox.mutate.addField('deal', { name: 'Added later', field_type: 'enum', options: ['Yes', 'No'] });
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    const field = sandbox.fields('deal').find((f) => f.field_code === key);
    expect(field?.options?.map((o) => o.label)).toEqual(['Yes', 'No']);
    for (const id of [1, 2]) expect(((await deal(id)) ?.custom_fields as Row)[key]).toBeNull();
    const yes = field?.options?.[0]?.id as number;
    sandbox.mutate.update('deals', 1, { custom_fields: { [key]: yes } });
    expect(((await deal(1))?.custom_fields as Row)[key]).toBe(yes);
    expect(((await deal(1, '&include_option_labels=true'))?.custom_fields as Row)[key]).toEqual({ id: yes, label: 'Yes' });
  });

  it('deleteOption removes the option from the metadata; records keep the id, with no label', async () => {
    const key = customKey('from');
    const options = sandbox.fields('deal').find((f) => f.field_code === key)?.options ?? [];
    const victim = options[0]?.id as number;
    sandbox.mutate.update('deals', 5, { custom_fields: { [key]: [victim] } });
    sandbox.mutate.deleteOption('deal', key, victim);
    expect(sandbox.fields('deal').find((f) => f.field_code === key)?.options?.map((o) => o.id)).not.toContain(victim);
    expect(((await deal(5))?.custom_fields as Row)[key]).toEqual([victim]);
    expect(((await deal(5, '&include_option_labels=true'))?.custom_fields as Row)[key]).toEqual([{ id: victim, label: null }]);
  });
});

describe('HTTP control routes', () => {
  it('drives mutations and the clock from outside the process', async () => {
    expect((await control(sandbox, 'POST', '/_sandbox/clock', { advance: 61 })).body.data).toEqual({ now: '2026-06-01T00:01:01Z' });
    expect((await control(sandbox, 'GET', '/_sandbox/clock')).body.data).toEqual({ now: '2026-06-01T00:01:01Z' });
    await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'update', entity: 'deals', id: 4, patch: { title: 'Via HTTP' } });
    expect(await deal(4)).toMatchObject({ title: 'Via HTTP', update_time: '2026-06-01T00:01:01Z' });
    const inserted = await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'insert', entity: 'organizations', partial: { name: 'HTTP Org' } });
    expect(inserted.body.data).toEqual({ id: 61 });
    await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'delete', entity: 'deals', id: 6 });
    expect(await deal(6)).toMatchObject({ status: 'deleted' });
    await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'archive', entity: 'deals', id: 8 });
    expect((await collect(sandbox.records('deals'))).find((d) => d.id === 8)).toMatchObject({ is_archived: true });
    const added = await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'addField', entity: 'person', name: 'Via HTTP', field_type: 'varchar' });
    const key = String(added.body.data?.field_code);
    await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'renameField', entity: 'person', fieldCode: key, newName: 'Renamed via HTTP' });
    expect(sandbox.fields('person').find((f) => f.field_code === key)?.field_name).toBe('Renamed via HTTP');
    const enumKey = customKey('Region', 'person');
    const regionEnum = sandbox.fields('person').find((f) => f.field_name === 'Region' && f.field_type === 'enum');
    await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'deleteOption', entity: 'person', fieldCode: regionEnum?.field_code, optionId: regionEnum?.options?.[0]?.id });
    expect(sandbox.fields('person').find((f) => f.field_code === regionEnum?.field_code)?.options).toHaveLength(2);
    expect(enumKey).toMatch(/^[0-9a-f]{40}$/);
    const bad = await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'explode', entity: 'deals' });
    expect(bad.status).toBe(400);
    expect((await control(sandbox, 'GET', '/_sandbox/nothing')).status).toBe(404);
  });
});
