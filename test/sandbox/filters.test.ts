import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Row } from './http.js';
import { collect, get, readAllV2 } from './http.js';

let sandbox: Sandbox;
let deals: Row[];
beforeAll(async () => {
  sandbox = await startSandbox({ deals: 2000, seed: 5 });
  deals = await collect(sandbox.records('deals'));
});
afterAll(async () => sandbox.close());

const ids = (rows: Row[]) => rows.map((r) => r.id as number).sort((a, b) => a - b);

describe('updated_since / updated_until', () => {
  it('keeps update_time >= since and < until, on every incremental endpoint', async () => {
    const since = '2025-01-01T00:00:00Z';
    const until = '2025-09-01T12:30:00Z';
    for (const entity of ['deals', 'persons', 'organizations', 'activities'] as const) {
      const { rows } = await readAllV2(sandbox, `/api/v2/${entity}?updated_since=${since}&updated_until=${until}&sort_by=update_time&limit=500`);
      const all = await collect(sandbox.records(entity));
      const listed = all.filter((r) => (entity === 'deals' ? !r.is_archived && r.status !== 'deleted' : !r.is_deleted));
      const expected = listed.filter((r) => String(r.update_time) >= since && String(r.update_time) < until);
      expect(expected.length, entity).toBeGreaterThan(0);
      expect(ids(rows), entity).toEqual(ids(expected));
    }
  });

  it('includes a record updated exactly at updated_since (inclusive lower bound)', async () => {
    const target = deals.find((d) => d.status === 'open' && !d.is_archived) as Row;
    const at = String(target.update_time);
    const oneSecondLater = new Date(Date.parse(at) + 1000).toISOString().replace('.000Z', 'Z');
    const { rows } = await readAllV2(sandbox, `/api/v2/deals?updated_since=${at}&updated_until=${oneSecondLater}`);
    expect(rows.every((r) => r.update_time === at)).toBe(true);
    expect(rows.map((r) => r.id)).toContain(target.id);
  });

  it.each([
    '2025-01-01T00:00:00.000Z',
    '2025-01-01 00:00:00',
    '2025-01-01T00:00:00+00:00',
    '2025-01-01',
    '2025-02-30T00:00:00Z',
    'yesterday',
  ])('rejects updated_since=%s with 400', async (value) => {
    const response = await get(sandbox, `/api/v2/deals?updated_since=${encodeURIComponent(value)}`);
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ success: false, errorCode: 400 });
  });

  it.each(['pipelines', 'stages', 'products'])('rejects updated_since on /%s', async (entity) => {
    expect((await get(sandbox, `/api/v2/${entity}?updated_since=2025-01-01T00:00:00Z`)).status).toBe(400);
  });
});

describe('parameter validation', () => {
  it.each([
    '/api/v2/deals?limit=0',
    '/api/v2/deals?limit=501',
    '/api/v2/deals?limit=abc',
    '/api/v2/deals?sort_by=title',
    '/api/v2/products?sort_by=due_date',
    '/api/v2/deals?sort_direction=up',
    '/api/v2/deals?cursor=not-a-cursor',
    '/api/v2/deals?cursor=%%%',
    `/api/v2/deals?cursor=${Buffer.from('{"field":"update_time","fieldValue":1,"sortDirection":"asc","id":1}').toString('base64url')}`,
    '/api/v2/deals?status=open,closed',
    `/api/v2/deals?ids=${Array.from({ length: 101 }, (_, i) => i + 1).join(',')}`,
    '/api/v2/deals/products',
  ])('400 for %s', async (path) => {
    const response = await get(sandbox, path);
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ success: false, errorCode: 400, data: null, additional_data: null });
  });

  it('filters by ids and owner_id', async () => {
    const body = (await get(sandbox, '/api/v2/deals?ids=3,1,2,999999')).json();
    const listed = deals.filter((d) => [1, 2, 3].includes(d.id as number) && !d.is_archived && d.status !== 'deleted');
    expect(ids(body.data as Row[])).toEqual(ids(listed));
    const { rows } = await readAllV2(sandbox, '/api/v2/deals?owner_id=3&limit=500');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.owner_id === 3)).toBe(true);
  });

  it('404 with the JSON envelope for unknown endpoints', async () => {
    const response = await get(sandbox, '/api/v2/unicorns');
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ success: false, errorCode: 404 });
  });
});

describe('deal status, deleted and archived', () => {
  it('the default excludes deleted deals; status=deleted lists only them', async () => {
    const byDefault = (await readAllV2(sandbox, '/api/v2/deals?limit=500')).rows;
    expect(byDefault.some((d) => d.status === 'deleted' || d.is_deleted)).toBe(false);
    const deleted = (await readAllV2(sandbox, '/api/v2/deals?status=deleted&limit=500')).rows;
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.every((d) => d.status === 'deleted' && d.is_deleted === true && d.is_archived === false)).toBe(true);
    const everything = (await readAllV2(sandbox, '/api/v2/deals?status=open,won,lost,deleted&limit=500')).rows;
    expect(ids(everything)).toEqual(ids(deals.filter((d) => !d.is_archived)));
  });

  it('generated deletions are recent (listable for 30 days), and won/lost deals carry their times', () => {
    const now = Date.parse('2026-06-01T00:00:00Z');
    for (const deal of deals.filter((d) => d.is_deleted)) {
      expect(now - Date.parse(String(deal.update_time))).toBeLessThan(30 * 86_400_000);
    }
    for (const deal of deals.filter((d) => d.status === 'won')) expect(deal.won_time).not.toBeNull();
    for (const deal of deals) expect(String(deal.update_time) >= String(deal.add_time)).toBe(true);
  });

  it('archived deals never appear in /deals and are exactly /deals/archived', async () => {
    const listed = (await readAllV2(sandbox, '/api/v2/deals?status=open,won,lost,deleted&limit=500')).rows;
    expect(listed.some((d) => d.is_archived)).toBe(false);
    const archived = (await readAllV2(sandbox, '/api/v2/deals/archived?status=open,won,lost,deleted&limit=500')).rows;
    expect(archived.length).toBeGreaterThan(0);
    expect(ids(archived)).toEqual(ids(deals.filter((d) => d.is_archived)));
    expect(archived.every((d) => typeof d.archive_time === 'string')).toBe(true);
  });
});

describe('records() mirrors what an admin can list', () => {
  it.each(['deals', 'persons', 'organizations', 'activities', 'products', 'pipelines', 'stages'] as const)('%s', async (entity) => {
    const paths =
      entity === 'deals'
        ? ['/api/v2/deals?status=open,won,lost,deleted&limit=500', '/api/v2/deals/archived?status=open,won,lost,deleted&limit=500']
        : [`/api/v2/${entity}?limit=500`];
    const listed: Row[] = [];
    for (const path of paths) listed.push(...(await readAllV2(sandbox, path)).rows);
    listed.sort((a, b) => (a.id as number) - (b.id as number));
    expect(await collect(sandbox.records(entity))).toEqual(listed);
  });
});

describe('record-field filters', () => {
  it.each([
    ['deals', 'pipeline_id=2', (r: Row) => r.pipeline_id === 2],
    ['deals', 'stage_id=7&org_id=' , (r: Row) => r.stage_id === 7],
    ['activities', 'done=false', (r: Row) => r.done === false],
    ['stages', 'pipeline_id=3', (r: Row) => r.pipeline_id === 3],
  ] as const)('/%s?%s keeps exactly the matching records', async (entity, query, predicate) => {
    const { rows } = await readAllV2(sandbox, `/api/v2/${entity}?${query}&limit=500`);
    const all = (await collect(sandbox.records(entity))).filter((r) => (entity === 'deals' ? !r.is_archived && r.status !== 'deleted' : true));
    expect(rows.length).toBeGreaterThan(0);
    expect(ids(rows)).toEqual(ids(all.filter(predicate)));
  });

  it('rejects a non-integer filter value', async () => {
    expect((await get(sandbox, '/api/v2/deals?person_id=abc')).status).toBe(400);
    expect((await get(sandbox, '/api/v2/activities?done=maybe')).status).toBe(400);
  });
});
