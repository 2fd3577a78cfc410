/** Unpaginated v1 lists and the v1 lead/note field lists. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Row } from './http.js';
import { collect, get } from './http.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ deals: 100, seed: 5, dealCustomFields: 20 });
});
afterAll(async () => sandbox.close());

async function data(path: string): Promise<Row[]> {
  const response = await get(sandbox, path);
  expect(response.status, path).toBe(200);
  const body = response.json<{ data: Row[] | null; additional_data?: unknown }>();
  // Unpaginated: the whole list at once, no paging block.
  expect(body.additional_data, path).toBeUndefined();
  return body.data ?? [];
}

describe('unpaginated v1 lists', () => {
  it('lead labels have UUID ids and RFC3339-ms times; lead sources are names only', async () => {
    const labels = await data('/v1/leadLabels');
    expect(labels).toHaveLength(4);
    for (const label of labels) {
      expect(label.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(label.add_time).toMatch(/\.\d{3}Z$/);
    }
    const leads = await collect(sandbox.records('leads'));
    const labelIds = new Set(labels.map((l) => l.id));
    expect(leads.flatMap((l) => l.label_ids as string[]).every((id) => labelIds.has(id))).toBe(true);
    const sources = await data('/v1/leadSources');
    expect(sources.length).toBeGreaterThan(3);
    expect(sources.every((s) => Object.keys(s).join() === 'name')).toBe(true);
  });

  it('filters: all types, ?type= narrows, an unknown type is a 400', async () => {
    const all = await data('/v1/filters');
    const deals = await data('/v1/filters?type=deals');
    expect(deals.length).toBeGreaterThan(0);
    expect(deals).toEqual(all.filter((f) => f.type === 'deals'));
    expect((await get(sandbox, '/v1/filters?type=widgets')).status).toBe(400);
  });

  it('currencies: ?term= matches code or name', async () => {
    expect((await data('/v1/currencies')).length).toBe(9);
    expect((await data('/v1/currencies?term=eur')).map((c) => c.code)).toEqual(['EUR']);
    expect((await data('/v1/currencies?term=dinar')).map((c) => c.code)).toEqual(['BHD']);
  });

  it('activity types include every type that activities use', async () => {
    const keys = new Set((await data('/v1/activityTypes')).map((t) => t.key_string));
    const activities = await collect(sandbox.records('activities'));
    expect(activities.every((a) => keys.has(a.type))).toBe(true);
  });

  const goalsOf = async (token: string, query: string): Promise<Row[]> => {
    const response = await get(sandbox, `/v1/goals/find${query}`, token);
    expect(response.status, query).toBe(200);
    return response.json<{ data: { goals: Row[] } }>().data.goals;
  };
  const ids = (rows: readonly Row[]): string[] => rows.map((row) => String(row.id)).sort();

  it('goals sit in data.goals: without an "everyone" parameter only the token user\'s own, active by default', async () => {
    const all = await collect(sandbox.records('goals'));
    const assignees = new Set(all.map((g) => (g.assignee as { type: string }).type));
    expect([...assignees].sort()).toEqual(['company', 'person', 'team']);
    const own = (userId: number, active: boolean): Row[] =>
      all.filter((g) => g.is_active === active && (g.assignee as { type: string; id: number }).type === 'person' && (g.assignee as { id: number }).id === userId);
    expect(own(1, true).length).toBeGreaterThan(0);
    expect(ids(await goalsOf(sandbox.adminToken, ''))).toEqual(ids(own(1, true)));
    expect(ids(await goalsOf(sandbox.adminToken, '?is_active=false'))).toEqual(ids(own(1, false)));
    expect(ids(await goalsOf(sandbox.userToken, ''))).toEqual(ids(own(2, true)));
    // assignee.id picks another user's goals.
    expect(ids(await goalsOf(sandbox.adminToken, '?assignee.id=3&is_active=true'))).toEqual(ids(own(3, true)));
    expect((await get(sandbox, '/v1/goals/find?is_active=maybe')).status).toBe(400);
    expect((await get(sandbox, '/v1/goals/find?type.name=deals_lost')).status).toBe(400);
    expect((await get(sandbox, '/v1/goals/find?period.start=2020-01-01')).status).toBe(400);
  });

  it('an "everyone" parameter returns every user\'s goals: tracking_metric × is_active covers them all', async () => {
    const all = await collect(sandbox.records('goals'));
    const byMetric = await goalsOf(sandbox.userToken, '?assignee.type=team');
    expect(ids(byMetric)).toEqual(ids(all.filter((g) => g.is_active === true && (g.assignee as { type: string }).type === 'team')));
    const listed: Row[] = [];
    for (const metric of ['quantity', 'sum']) {
      for (const active of ['true', 'false']) listed.push(...(await goalsOf(sandbox.userToken, `?expected_outcome.tracking_metric=${metric}&is_active=${active}`)));
    }
    expect(ids(listed)).toEqual(ids(all));
    // type.name cannot cover them: revenue_forecast goals exist but are not a type.name value.
    expect(all.some((g) => (g.type as { name: string }).name === 'revenue_forecast')).toBe(true);
  });
});

describe('v1 lead and note fields', () => {
  it('leadFields = lead built-ins + every deal custom field, offset-paged like the other v1 field lists', async () => {
    const body = (await get(sandbox, '/v1/leadFields?limit=500')).json<{ data: Row[]; additional_data: { pagination: Row } }>();
    expect(body.additional_data.pagination.more_items_in_collection).toBe(false);
    const keys = body.data.map((f) => f.key);
    expect(keys).toContain('title');
    const dealCustom = sandbox.fields('deal').filter((f) => f.is_custom_field).map((f) => f.field_code);
    expect(dealCustom).toHaveLength(20);
    expect(dealCustom.every((k) => keys.includes(k))).toBe(true);
    expect(sandbox.fields('lead').map((f) => f.field_code)).toEqual(keys);
  });

  it('noteFields lists the note built-ins', async () => {
    const keys = (await get(sandbox, '/v1/noteFields')).json<{ data: Row[] }>().data.map((f) => f.key);
    expect(keys).toEqual(expect.arrayContaining(['content', 'deal_id', 'pinned_to_deal_flag', 'update_time']));
    expect(sandbox.fields('note').map((f) => f.field_code)).toEqual(keys);
  });
});
