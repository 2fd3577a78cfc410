import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { Row } from './http.js';
import { get, readAllV2 } from './http.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ deals: 1500, seed: 9 });
});
afterAll(async () => sandbox.close());

describe('authentication', () => {
  it('answers 401 with the JSON envelope for an unknown or missing token, without echoing it', async () => {
    const secret = 'not-a-real-token-5f3a9c';
    for (const token of [secret, null]) {
      const response = await get(sandbox, '/api/v2/deals', token);
      expect(response.status).toBe(401);
      expect(response.json()).toMatchObject({ success: false, error: 'unauthorized access', errorCode: 401 });
      expect(typeof response.json().error_info).toBe('string');
      expect(response.text).not.toContain(secret);
      expect([...response.headers.values()].join(' ')).not.toContain(secret);
    }
  });

  it('accepts the legacy ?api_token= parameter', async () => {
    const response = await get(sandbox, `/api/v2/pipelines?api_token=${sandbox.adminToken}`, null);
    expect(response.status).toBe(200);
  });

  it('serves v1 under both /v1 and /api/v1, and v2 only under /api/v2', async () => {
    expect((await get(sandbox, '/v1/users/me')).status).toBe(200);
    expect((await get(sandbox, '/api/v1/users/me')).status).toBe(200);
    expect((await get(sandbox, '/v2/deals')).status).toBe(404);
  });
});

describe('users', () => {
  it('users/me tells the admin token apart by its access array, with the company domain', async () => {
    const admin = (await get(sandbox, '/v1/users/me')).json<{ data: Row }>().data;
    expect(admin).toMatchObject({ id: 1, is_you: true, company_domain: 'sandbox-s9-d1500', company_id: 90_001_500 });
    expect(admin.access).toContainEqual(expect.objectContaining({ app: 'global', admin: true }));
    const user = (await get(sandbox, '/v1/users/me', sandbox.userToken)).json<{ data: Row }>().data;
    expect(user).toMatchObject({ id: 2, is_you: true });
    expect(user.access).not.toContainEqual(expect.objectContaining({ app: 'global', admin: true }));
    expect(typeof user.timezone_name).toBe('string');
  });

  it('users/me names one company per seed and size, the same for every token of the sandbox', async () => {
    const companyOf = async (local: Sandbox, token?: string): Promise<unknown[]> => {
      const me = (await get(local, '/v1/users/me', token)).json<{ data: Row }>().data;
      return [me.company_id, me.company_domain];
    };
    expect(await companyOf(sandbox, sandbox.userToken)).toEqual(await companyOf(sandbox));
    const others = [await startSandbox({ deals: 1500, seed: 10 }), await startSandbox({ deals: 1501, seed: 9 })];
    try {
      const ids = [await companyOf(sandbox), ...(await Promise.all(others.map((other) => companyOf(other))))];
      expect(new Set(ids.map((id) => id[0])).size).toBe(3);
      expect(new Set(ids.map((id) => id[1])).size).toBe(3);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });

  it('GET /v1/users returns every user unpaginated, modified in v1 timestamp format', async () => {
    const body = (await get(sandbox, '/v1/users')).json<{ data: Row[]; additional_data?: unknown }>();
    expect(body.data.map((u) => u.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(body.data.filter((u) => u.is_you).map((u) => u.id)).toEqual([1]);
    expect(body.data.every((u) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(String(u.modified)))).toBe(true);
  });
});

describe('visibility', () => {
  it.each(['deals', 'persons', 'organizations', 'products'])('the non-admin token sees a strict subset of %s: shared or its own', async (entity) => {
    const adminRows = (await readAllV2(sandbox, `/api/v2/${entity}?limit=500`)).rows;
    const userRows = (await readAllV2(sandbox, `/api/v2/${entity}?limit=500`, sandbox.userToken)).rows;
    const adminIds = new Set(adminRows.map((r) => r.id));
    expect(userRows.length).toBeLessThan(adminRows.length);
    expect(userRows.every((r) => adminIds.has(r.id))).toBe(true);
    expect(userRows.every((r) => [3, 5, 7].includes(r.visible_to as number) || r.owner_id === 2)).toBe(true);
    // Exactly those: nothing shared or owned is hidden.
    const expected = adminRows.filter((r) => [3, 5, 7].includes(r.visible_to as number) || r.owner_id === 2).map((r) => r.id);
    expect(userRows.map((r) => r.id)).toEqual(expected);
  });

  it('private records owned by the non-admin user are visible to it', async () => {
    const userRows = (await readAllV2(sandbox, '/api/v2/deals?limit=500', sandbox.userToken)).rows;
    expect(userRows.some((r) => r.visible_to === 1 && r.owner_id === 2)).toBe(true);
  });
});

describe('visibility follows mutations', () => {
  it('a deal made private to another owner disappears for the non-admin token; handed to it, it reappears', async () => {
    const local = await startSandbox({ deals: 100, seed: 4 });
    try {
      const shared = (await readAllV2(local, '/api/v2/deals?limit=500', local.userToken)).rows.find((d) => d.visible_to === 3 && d.owner_id !== 2) as Row;
      const id = shared.id as number;
      const visibleIds = async () => (await readAllV2(local, '/api/v2/deals?limit=500', local.userToken)).rows.map((d) => d.id);
      local.mutate.update('deals', id, { visible_to: 1 });
      expect(await visibleIds()).not.toContain(id);
      local.mutate.update('deals', id, { owner_id: 2 });
      expect(await visibleIds()).toContain(id);
    } finally {
      await local.close();
    }
  });
});
