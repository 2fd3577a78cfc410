/**
 * Deletes of every entity (gone from their lists except deals' status=deleted), merges, offset
 * drift under deletes, the Projects add-on absent and present, and the token cost of the new routes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox, SandboxEntity } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Row } from './http.js';
import { collect, control, get, readAllV1, readAllV2 } from './http.js';

let sandbox: Sandbox;
afterEach(async () => sandbox.close());

/** The internal id (1-based position) of the first record the admin can list, and its public id. */
async function firstListed(entity: SandboxEntity): Promise<{ slot: number; id: unknown }> {
  let slot = 0;
  for await (const record of sandbox.records(entity, { includeHidden: true })) {
    slot++;
    const listed = await collect(sandbox.records(entity));
    // Archived records are not on the live lists these tests read.
    const archived = record.is_archived === true || (record.archive_time ?? null) !== null;
    if (!archived && record.status !== 'deleted' && listed.some((r) => r.id === record.id)) return { slot, id: record.id };
  }
  throw new Error(`no listed ${entity}`);
}

const LISTS: Array<[SandboxEntity, string, 'v1' | 'v2']> = [
  ['persons', '/api/v2/persons?limit=500', 'v2'],
  ['organizations', '/api/v2/organizations?limit=500', 'v2'],
  ['activities', '/api/v2/activities?limit=500', 'v2'],
  ['products', '/api/v2/products?limit=500', 'v2'],
  ['leads', '/v1/leads?limit=500', 'v1'],
  ['notes', '/v1/notes?limit=500', 'v1'],
  ['files', '/v1/files?limit=100', 'v1'],
  ['callLogs', '/v1/callLogs?limit=50', 'v1'],
  ['tasks', '/api/v2/tasks?limit=500', 'v2'],
];

describe('deletes', () => {
  it.each(LISTS)('a deleted %s disappears from its list (only reconciling ids reveals it)', async (entity, path, version) => {
    sandbox = await startSandbox({ deals: 150, seed: 3, projectsAddon: true });
    const read = async () => (version === 'v1' ? readAllV1(sandbox, path) : readAllV2(sandbox, path)).then((r) => r.rows.map((row) => row.id));
    const { slot, id } = await firstListed(entity);
    const before = await read();
    expect(before).toContain(id);
    sandbox.clock.advance(60);
    sandbox.mutate.delete(entity, slot);
    const after = await read();
    expect(after).not.toContain(id);
    expect(after).toHaveLength(before.length - 1);
    expect((await collect(sandbox.records(entity))).map((r) => r.id)).not.toContain(id);
    const hidden = (await collect(sandbox.records(entity, { includeHidden: true }))).find((r) => r.id === id) as Row;
    expect(hidden).toBeDefined();
    expect('_sandbox_deleted' in hidden).toBe(false);
  });

  it('a deleted project leaves the default lists but is listed with status=…,deleted, as v2.yml documents', async () => {
    sandbox = await startSandbox({ deals: 150, seed: 3, projectsAddon: true });
    const ids = async (path: string) => (await readAllV2(sandbox, path)).rows.map((row) => row.id);
    const { slot, id } = await firstListed('projects');
    sandbox.clock.advance(60);
    sandbox.mutate.delete('projects', slot);
    expect(await ids('/api/v2/projects?limit=500')).not.toContain(id);
    const withDeleted = (await readAllV2(sandbox, '/api/v2/projects?limit=500&status=open,completed,canceled,deleted')).rows;
    expect(withDeleted.find((p) => p.id === id)).toMatchObject({ status: 'deleted', update_time: expect.stringMatching(/^2026-06-01T00:01:00\.\d{3}Z$/) as unknown });
    expect(await ids('/api/v2/projects?limit=500&status=deleted')).toContain(id);
    // The sandbox's own view (what a complete load must hold) includes it, as deals within 30 days.
    expect((await collect(sandbox.records('projects'))).map((r) => r.id)).toContain(id);
  });

  it('a deleted activity type stays listed as inactive; a deleted lead label and filter disappear', async () => {
    sandbox = await startSandbox({ deals: 50 });
    sandbox.mutate.delete('activityTypes', 2);
    sandbox.mutate.delete('leadLabels', 1);
    sandbox.mutate.delete('filters', 1);
    const types = (await get(sandbox, '/v1/activityTypes')).json<{ data: Row[] }>().data;
    expect(types.find((t) => t.id === 2)).toMatchObject({ active_flag: false });
    expect((await get(sandbox, '/v1/leadLabels')).json<{ data: Row[] }>().data).toHaveLength(3);
    expect((await get(sandbox, '/v1/filters')).json<{ data: Row[] }>().data.map((f) => f.id)).not.toContain(1);
  });

  it('archiving a lead moves it from /v1/leads to /v1/leads/archived and bumps update_time', async () => {
    sandbox = await startSandbox({ deals: 100 });
    const { slot, id } = await firstListed('leads');
    const live = async () => (await readAllV1(sandbox, '/v1/leads?limit=500')).rows;
    expect((await live()).map((l) => l.id)).toContain(id);
    sandbox.clock.advance(30);
    expect((await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'archive', entity: 'leads', id: slot })).status).toBe(200);
    expect((await live()).map((l) => l.id)).not.toContain(id);
    const archived = (await readAllV1(sandbox, '/v1/leads/archived?limit=500')).rows.find((l) => l.id === id) as Row;
    expect(archived).toMatchObject({ is_archived: true });
    expect(String(archived.update_time)).toMatch(/^2026-06-01T00:00:30\.\d{3}Z$/);
  });
});

describe('offset paging under deletes (as the real API)', () => {
  it('unchanged data pages consistently; a delete between pages shifts the next page by one', async () => {
    sandbox = await startSandbox({ deals: 200, seed: 9 });
    const all = (await readAllV1(sandbox, '/v1/notes?limit=500')).rows.map((n) => n.id as number);
    expect((await readAllV1(sandbox, '/v1/notes?limit=37')).rows.map((n) => n.id)).toEqual(all);
    const page1 = (await get(sandbox, '/v1/notes?limit=10')).json<{ data: Row[] }>().data;
    sandbox.mutate.delete('notes', page1[0]?.id as number);
    const page2 = (await get(sandbox, '/v1/notes?start=10&limit=10')).json<{ data: Row[] }>().data;
    // The row that was 11th is now 10th: page 2 starts one later, and that row is never seen.
    expect(page2[0]?.id).toBe(all[11]);
  });
});

describe('merge', () => {
  it('the losing person disappears from every list; the winner is stamped with the clock', async () => {
    sandbox = await startSandbox({ deals: 100, seed: 4 });
    const persons = (await readAllV2(sandbox, '/api/v2/persons?limit=500')).rows;
    const [winner, loser] = persons as [Row, Row];
    sandbox.clock.advance(120);
    const reply = await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'merge', entity: 'persons', loserId: loser.id, winnerId: winner.id });
    expect(reply.status).toBe(200);
    const after = (await readAllV2(sandbox, '/api/v2/persons?limit=500')).rows;
    expect(after.map((p) => p.id)).not.toContain(loser.id);
    expect(after.find((p) => p.id === winner.id)).toMatchObject({ update_time: '2026-06-01T00:02:00Z' });
    const changed = (await readAllV2(sandbox, '/api/v2/persons?updated_since=2026-06-01T00:00:00Z&limit=500')).rows;
    expect(changed.map((p) => p.id)).toEqual([winner.id]);
    expect((await get(sandbox, `/api/v2/persons?ids=${String(loser.id)}`)).json().data).toEqual([]);
  });

  it('organizations merge too; merging into itself, a deleted record or a deal is refused', async () => {
    sandbox = await startSandbox({ deals: 100, seed: 4 });
    sandbox.mutate.merge('organizations', 2, 1);
    expect((await readAllV2(sandbox, '/api/v2/organizations?limit=500')).rows.map((o) => o.id)).not.toContain(2);
    expect(() => sandbox.mutate.merge('organizations', 1, 1)).toThrow();
    expect(() => sandbox.mutate.merge('organizations', 2, 3)).toThrow(/deleted/);
    expect((await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'merge', entity: 'deals', loserId: 1, winnerId: 2 })).status).toBe(400);
  });
});

describe('Projects add-on', () => {
  it('without it, projects and tasks answer a 403 JSON envelope (and still cost tokens)', async () => {
    sandbox = await startSandbox({ deals: 100 });
    for (const path of ['/api/v2/projects', '/api/v2/tasks']) {
      const response = await get(sandbox, path);
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.json()).toMatchObject({ success: false, errorCode: 403, error: expect.stringContaining('add-on') });
    }
    expect(await collect(sandbox.records('projects'))).toEqual([]);
    expect(sandbox.stats.byRoute['GET /api/v2/projects']).toEqual({ requests: 1, tokens: 10 });
  });

  it('with it, projects and tasks page by cursor and filter', async () => {
    sandbox = await startSandbox({ deals: 500, projectsAddon: true });
    // As the loader reads them: deleted projects too (status 'deleted').
    const projects = await readAllV2(sandbox, '/api/v2/projects?limit=2&status=open,completed,canceled,deleted');
    const archived = await readAllV2(sandbox, '/api/v2/projects/archived?limit=2&status=open,completed,canceled,deleted');
    const all = await collect(sandbox.records('projects'));
    // Archived projects are listed by /projects/archived only, and every project by one of the two.
    expect(projects.rows.every((p) => p.archive_time === null)).toBe(true);
    expect(archived.rows.length).toBeGreaterThan(0);
    expect(archived.rows.every((p) => typeof p.archive_time === 'string' && p.status !== 'open')).toBe(true);
    expect([...projects.rows, ...archived.rows].map((p) => p.id).sort()).toEqual(all.map((p) => p.id).sort());
    expect(projects.pages).toBeGreaterThan(2);
    const open = (await readAllV2(sandbox, '/api/v2/projects?status=open')).rows;
    expect(open.every((p) => p.status === 'open')).toBe(true);
    expect((await get(sandbox, '/api/v2/projects?status=paused')).status).toBe(400);
    const tasks = (await readAllV2(sandbox, '/api/v2/tasks?project_id=2&is_done=false')).rows;
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => t.project_id === 2 && t.is_done === false)).toBe(true);
    expect((await get(sandbox, '/api/v2/tasks?is_done=maybe')).status).toBe(400);
    expect((await get(sandbox, '/api/v2/tasks?limit=501')).status).toBe(400);
    expect((await get(sandbox, '/api/v2/tasks?cursor=!!')).status).toBe(400);
  });
});

describe('token costs of the new routes (src/pipedrive/costs.ts)', () => {
  it('charges each list its documented cost per request', async () => {
    sandbox = await startSandbox({ deals: 50, projectsAddon: true });
    const expected: Record<string, number> = {
      '/v1/leads': 20, '/v1/leads/archived': 40, '/v1/leadFields': 20, '/v1/leadLabels': 10, '/v1/leadSources': 2,
      '/v1/notes': 20, '/v1/noteFields': 20, '/v1/files': 20, '/v1/filters': 20, '/v1/currencies': 20,
      '/v1/activityTypes': 20, '/v1/callLogs': 20, '/v1/goals/find': 20, '/api/v2/projects': 10, '/api/v2/projects/archived': 10, '/api/v2/tasks': 10,
    };
    for (const path of Object.keys(expected)) expect((await get(sandbox, path)).status, path).toBe(200);
    const byRoute = sandbox.stats.byRoute;
    for (const [path, cost] of Object.entries(expected)) {
      expect(byRoute[`GET ${path.startsWith('/api/') ? path : `/api${path}`}`], path).toEqual({ requests: 1, tokens: cost });
    }
  });
});

describe('lead mutations', () => {
  it('update sets deal custom fields (served flat), insert adds a UUID lead; both land in the next incremental window', async () => {
    sandbox = await startSandbox({ deals: 100, seed: 2 });
    const { slot, id } = await firstListed('leads');
    const monetary = sandbox.fields('deal').find((f) => f.is_custom_field && f.field_type === 'monetary')?.field_code as string;
    sandbox.clock.advance(5);
    sandbox.mutate.update('leads', slot, { title: 'Renamed lead', custom_fields: { [monetary]: { value: 12.5, currency: 'EUR' } } });
    const newSlot = sandbox.mutate.insert('leads', { title: 'Fresh lead' });
    const changed = (await readAllV1(sandbox, '/v1/leads?limit=500&updated_since=2026-06-01T00:00:05Z')).rows;
    expect(changed.map((l) => l.title).sort()).toEqual(['Fresh lead', 'Renamed lead']);
    const renamed = changed.find((l) => l.id === id) as Row;
    expect(renamed).toMatchObject({ [monetary]: 12.5, [`${monetary}_currency`]: 'EUR' });
    const fresh = changed.find((l) => l.title === 'Fresh lead') as Row;
    expect(fresh.id).toMatch(new RegExp(`-${newSlot.toString(16).padStart(12, '0')}$`));
    // A new lead has every custom field unset: none of the 40-hex keys is present.
    expect(Object.keys(fresh).filter((k) => /^[0-9a-f]{40}/.test(k))).toEqual([]);
  });
});
