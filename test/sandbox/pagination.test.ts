import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { offsetPage } from '../../src/sandbox/routes-v1.js';
import type { Row } from './http.js';
import { collect, get, readAllV2 } from './http.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ deals: 700, seed: 3 });
});
afterAll(async () => sandbox.close());

const ids = (rows: Row[]) => rows.map((r) => r.id as number);

function expectUnique(values: number[]): void {
  expect(new Set(values).size).toBe(values.length);
}

describe('v2 cursor pagination', () => {
  it('reads every listed deal exactly once, in id order, across pages', async () => {
    const { rows, pages } = await readAllV2(sandbox, '/api/v2/deals?limit=97');
    const all = await collect(sandbox.records('deals'));
    const expected = all.filter((d) => !d.is_archived && d.status !== 'deleted').map((d) => d.id as number);
    expect(ids(rows)).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 97));
  });

  it('returns next_cursor null on the last page and a real-looking base64url JSON cursor before it', async () => {
    const first = (await get(sandbox, '/api/v2/pipelines?limit=2')).json();
    const cursor = first.additional_data?.next_cursor as string;
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString())).toEqual({ field: 'id', fieldValue: 2, sortDirection: 'asc', id: 2 });
    const last = (await get(sandbox, `/api/v2/pipelines?limit=2&cursor=${cursor}`)).json();
    expect(last.additional_data?.next_cursor).toBeNull();
    expect(ids(last.data as Row[])).toEqual([3]);
  });

  it.each([
    ['update_time', 'asc'],
    ['update_time', 'desc'],
    ['add_time', 'desc'],
    ['id', 'desc'],
  ])('sort_by=%s %s is ordered by (key, id) and complete', async (sortBy, direction) => {
    const { rows } = await readAllV2(sandbox, `/api/v2/persons?limit=50&sort_by=${sortBy}&sort_direction=${direction}`);
    const live = (await collect(sandbox.records('persons'))).filter((p) => !p.is_deleted);
    expect([...ids(rows)].sort((a, b) => a - b)).toEqual(ids(live));
    expectUnique(ids(rows));
    const keys = rows.map((r) => [String(r[sortBy]).padStart(20, '0'), r.id as number] as const);
    const sorted = [...keys].sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1));
    if (direction === 'desc') sorted.reverse();
    expect(keys).toEqual(sorted);
  });

  it('sorts products by name and stages by order_nr', async () => {
    const products = (await readAllV2(sandbox, '/api/v2/products?sort_by=name&limit=7')).rows;
    const names = products.map((p) => String(p.name));
    expect(names).toEqual([...names].sort());
    const stages = (await readAllV2(sandbox, '/api/v2/stages?sort_by=order_nr&limit=4')).rows;
    expect(stages.map((s) => s.order_nr)).toEqual([...stages.map((s) => s.order_nr as number)].sort((a, b) => a - b));
    expect(stages).toHaveLength(15);
  });

  it('serves field metadata in pages too', async () => {
    const { rows, pages } = await readAllV2(sandbox, '/api/v2/dealFields?limit=10');
    expect(rows.map((f) => f.field_code)).toEqual(sandbox.fields('deal').map((f) => f.field_code));
    expect(pages).toBeGreaterThan(1);
  });

  it('never skips a record updated mid-scan under sort_by=update_time (a duplicate is allowed)', async () => {
    const local = await startSandbox({ deals: 300, seed: 11 });
    try {
      const seen: number[] = [];
      let cursor: string | null | undefined;
      let page = 0;
      do {
        const body = (await get(local, `/api/v2/deals?limit=40&sort_by=update_time${cursor ? `&cursor=${cursor}` : ''}`)).json();
        const rows = body.data as Row[];
        seen.push(...ids(rows));
        if (page === 1) {
          // Touch a record already read and one not yet read: both must show up (again) later.
          local.mutate.update('deals', rows[0]?.id as number, { title: 'moved' });
          local.mutate.update('deals', 1, { title: 'moved too' });
        }
        // Keep editing records everywhere in the order while the scan runs, the clock ticking.
        local.clock.advance(page % 2);
        for (let k = 0; k < 5; k++) local.mutate.update('deals', 1 + ((page * 37 + k * 61) % 300), { title: `edit ${page}.${k}` });
        cursor = body.additional_data?.next_cursor;
        page++;
      } while (cursor);
      const live = (await collect(local.records('deals'))).filter((d) => !d.is_archived && d.status !== 'deleted');
      expect(new Set(seen)).toEqual(new Set(ids(live)));
      expect(seen.length).toBeGreaterThanOrEqual(live.length);
    } finally {
      await local.close();
    }
  });
});

describe('v1 offset pagination', () => {
  it('reads every v1 field exactly once with start/limit/next_start', async () => {
    const keys: string[] = [];
    let start = 0;
    let more = true;
    while (more) {
      const body = (await get(sandbox, `/v1/dealFields?start=${start}&limit=7`)).json();
      const data = body.data as Row[];
      keys.push(...data.map((f) => String(f.key)));
      const pagination = body.additional_data?.pagination;
      expect(pagination?.start).toBe(start);
      expect(pagination?.limit).toBe(7);
      more = pagination?.more_items_in_collection ?? false;
      if (more) start = pagination?.next_start as number;
      else expect(pagination?.next_start).toBeUndefined();
    }
    expect(keys).toEqual(sandbox.fields('deal').map((f) => f.field_code));
  });

  it('answers data: null past the end, and 400 for a limit above the maximum', async () => {
    const body = (await get(sandbox, '/v1/dealFields?start=100000')).json();
    expect(body.data).toBeNull();
    expect(body.additional_data?.pagination?.more_items_in_collection).toBe(false);
    expect((await get(sandbox, '/v1/dealFields?limit=501')).status).toBe(400);
  });

  it('offsetPage pages any list and honours a smaller maximum', () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    const params = new URLSearchParams({ start: '20', limit: '10' });
    expect(offsetPage(items, params)).toEqual({
      data: [20, 21, 22, 23, 24],
      additional_data: { pagination: { start: 20, limit: 10, more_items_in_collection: false } },
    });
    expect(offsetPage(items, new URLSearchParams({ limit: '10' })).additional_data.pagination).toEqual({ start: 0, limit: 10, more_items_in_collection: true, next_start: 10 });
    expect(() => offsetPage(items, new URLSearchParams({ limit: '101' }), 100)).toThrow(/between 1 and 100/);
  });
});
