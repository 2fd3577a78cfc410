/** v1 offset lists: leads (flat paging, UUIDs, ms timestamps, flat custom fields), notes, files, call logs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Row } from './http.js';
import { collect, get, readAllV1 } from './http.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ deals: 800, seed: 21 });
});
afterAll(async () => sandbox.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const V1_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

describe('GET /v1/leads', () => {
  it('pages with start/limit/more_items_in_collection directly in additional_data and no next_start', async () => {
    const body = (await get(sandbox, '/v1/leads?limit=7')).json<{ data: Row[]; additional_data: Row }>();
    expect(body.additional_data).toEqual({ start: 0, limit: 7, more_items_in_collection: true });
    expect(body.data).toHaveLength(7);
  });

  it('serves every live lead exactly once across pages, UUID ids and RFC3339-ms times, archived ones only in /leads/archived', async () => {
    const live = await readAllV1(sandbox, '/v1/leads?limit=45');
    const archived = await readAllV1(sandbox, '/v1/leads/archived?limit=500');
    const expected = await collect(sandbox.records('leads'));
    expect(live.pages).toBeGreaterThan(3);
    expect(new Set(live.rows.map((l) => l.id)).size).toBe(live.rows.length);
    expect(live.rows.every((l) => l.is_archived === false)).toBe(true);
    expect(archived.rows.length).toBeGreaterThan(0);
    expect(archived.rows.every((l) => l.is_archived === true)).toBe(true);
    expect([...live.rows, ...archived.rows].map((l) => l.id).sort()).toEqual(expected.map((l) => l.id).sort());
    for (const lead of live.rows) {
      expect(lead.id).toMatch(UUID);
      expect(lead.update_time).toMatch(RFC3339_MS);
      expect(typeof lead.visible_to).toBe('string');
      expect('custom_fields' in lead).toBe(false);
    }
  });

  it('carries deal custom fields as flat hash keys, omitting unset ones', async () => {
    const leads = (await readAllV1(sandbox, '/v1/leads?limit=500')).rows;
    const monetary = sandbox.fields('deal').find((f) => f.is_custom_field && f.field_type === 'monetary');
    const set = sandbox.fields('deal').find((f) => f.is_custom_field && f.field_type === 'set');
    if (!monetary || !set) throw new Error('fixture: deal fields');
    const withMoney = leads.filter((l) => monetary.field_code in l);
    expect(withMoney.length).toBeGreaterThan(0);
    expect(withMoney.length).toBeLessThan(leads.length); // 25 % unset → key absent, never null
    for (const lead of withMoney) {
      expect(typeof lead[monetary.field_code]).toBe('number');
      expect(typeof lead[`${monetary.field_code}_currency`]).toBe('string');
    }
    const withSet = leads.find((l) => set.field_code in l) as Row;
    expect(withSet[set.field_code]).toMatch(/^\d+(,\d+)*$/);
    expect(leads.every((l) => Object.values(l).every((v) => v !== undefined))).toBe(true);
    expect(leads.flatMap((l) => Object.keys(l).filter((k) => /^[0-9a-f]{40}$/.test(k) && l[k] === null))).toEqual([]);
  });

  it('updated_since is inclusive at millisecond precision, and sort orders by the named field', async () => {
    const all = (await readAllV1(sandbox, '/v1/leads?limit=500')).rows;
    const pivot = [...all].sort((a, b) => String(a.update_time).localeCompare(String(b.update_time)))[Math.floor(all.length / 2)] as Row;
    const since = String(pivot.update_time);
    const newer = (await readAllV1(sandbox, `/v1/leads?limit=500&sort=update_time%20ASC&updated_since=${since}`)).rows;
    expect(newer.map((l) => l.id)).toContain(pivot.id);
    expect(newer.every((l) => String(l.update_time) >= since)).toBe(true);
    expect(newer.length).toBe(all.filter((l) => String(l.update_time) >= since).length);
    const times = newer.map((l) => String(l.update_time));
    expect(times).toEqual([...times].sort());
    // One millisecond later excludes the pivot (unless another lead shares its exact time).
    const later = new Date(Date.parse(since) + 1).toISOString();
    const after = (await readAllV1(sandbox, `/v1/leads?limit=500&updated_since=${later}`)).rows;
    expect(after.map((l) => l.id)).not.toContain(pivot.id);
    const desc = (await get(sandbox, '/v1/leads?limit=50&sort=update_time%20DESC')).json<{ data: Row[] }>().data.map((l) => String(l.update_time));
    expect(desc).toEqual([...desc].sort().reverse());
  });

  it('filters by owner, person and organization', async () => {
    const all = (await readAllV1(sandbox, '/v1/leads?limit=500')).rows;
    const sample = all.find((l) => l.person_id !== null) as Row;
    const byPerson = (await readAllV1(sandbox, `/v1/leads?limit=500&person_id=${String(sample.person_id)}`)).rows;
    expect(byPerson.map((l) => l.id).sort()).toEqual(all.filter((l) => l.person_id === sample.person_id).map((l) => l.id).sort());
    const byOwner = (await readAllV1(sandbox, '/v1/leads?limit=500&owner_id=3')).rows;
    expect(byOwner.length).toBe(all.filter((l) => l.owner_id === 3).length);
  });

  it.each([
    ['limit=501', 'limit'],
    ['limit=0', 'limit'],
    ['start=-1', 'start'],
    ['sort=colour%20ASC', 'sort'],
    ['sort=update_time%20SIDEWAYS', 'sort'],
    ['updated_since=yesterday', 'updated_since'],
    ['owner_id=abc', 'owner_id'],
  ])('?%s → 400 naming %s', async (query, name) => {
    const response = await get(sandbox, `/v1/leads?${query}`);
    expect(response.status).toBe(400);
    expect(response.json().error).toContain(name);
  });
});

describe('GET /v1/notes', () => {
  it('pages with pagination.next_start, HTML content, v1 timestamps and parent names', async () => {
    const { rows, pages } = await readAllV1(sandbox, '/v1/notes?limit=300');
    expect(pages).toBeGreaterThan(1);
    expect(rows.length).toBe((await collect(sandbox.records('notes'))).length);
    expect(rows.every((n) => V1_TIME.test(String(n.update_time)) && String(n.content).startsWith('<'))).toBe(true);
    const onDeal = rows.find((n) => n.deal_id !== null) as Row;
    expect(onDeal.deal).toEqual({ title: expect.any(String) });
    expect(onDeal.user).toMatchObject({ is_you: onDeal.user_id === 1 });
  });

  it('filters by deal_id, lead_id and pinned flags; updated_since keeps records at or after it', async () => {
    const all = (await readAllV1(sandbox, '/v1/notes?limit=500')).rows;
    const dealNote = all.find((n) => n.deal_id !== null) as Row;
    const byDeal = (await readAllV1(sandbox, `/v1/notes?limit=500&deal_id=${String(dealNote.deal_id)}`)).rows;
    expect(byDeal.map((n) => n.id)).toEqual(all.filter((n) => n.deal_id === dealNote.deal_id).map((n) => n.id));
    const leadNote = all.find((n) => n.lead_id !== null) as Row;
    const byLead = (await readAllV1(sandbox, `/v1/notes?limit=500&lead_id=${String(leadNote.lead_id)}`)).rows;
    expect(byLead.every((n) => n.lead_id === leadNote.lead_id) && byLead.length > 0).toBe(true);
    const pinned = (await readAllV1(sandbox, '/v1/notes?limit=500&pinned_to_deal_flag=1')).rows;
    expect(pinned.length).toBe(all.filter((n) => n.pinned_to_deal_flag === true).length);
    const since = '2026-01-01T00:00:00Z';
    const recent = (await readAllV1(sandbox, `/v1/notes?limit=500&updated_since=${since}`)).rows;
    expect(recent.map((n) => n.id)).toEqual(all.filter((n) => String(n.update_time) >= '2026-01-01 00:00:00').map((n) => n.id));
    expect((await get(sandbox, '/v1/notes?pinned_to_deal_flag=yes')).status).toBe(400);
  });

  it('answers data: null past the end', async () => {
    const body = (await get(sandbox, '/v1/notes?start=999999')).json<{ data: unknown; additional_data: Row }>();
    expect(body.data).toBeNull();
    expect(body.additional_data.pagination).toEqual({ start: 999999, limit: 100, more_items_in_collection: false });
  });
});

describe('GET /v1/files and /v1/callLogs', () => {
  it('files allow at most 100 per page', async () => {
    expect((await get(sandbox, '/v1/files?limit=100')).status).toBe(200);
    const over = await get(sandbox, '/v1/files?limit=101');
    expect(over.status).toBe(400);
    expect(over.json().error).toContain('100');
    const { rows } = await readAllV1(sandbox, '/v1/files?limit=100');
    expect(rows.length).toBe((await collect(sandbox.records('files'))).length);
  });

  it('call logs allow at most 50 per page, have string ids, and list only the token user\'s logs', async () => {
    expect((await get(sandbox, '/v1/callLogs?limit=51')).status).toBe(400);
    const admin = (await readAllV1(sandbox, '/v1/callLogs?limit=50')).rows;
    const user = (await readAllV1(sandbox, '/v1/callLogs?limit=50', sandbox.userToken)).rows;
    expect(admin.length).toBeGreaterThan(0);
    expect(user.length).toBeGreaterThan(0);
    expect(admin.every((c) => c.user_id === 1 && typeof c.id === 'string')).toBe(true);
    expect(user.every((c) => c.user_id === 2)).toBe(true);
    expect(admin.map((c) => c.id)).toEqual((await collect(sandbox.records('callLogs'))).map((c) => c.id));
  });
});
