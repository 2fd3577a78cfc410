/**
 * History mode's tests mutate one record several times, between runs and while a run reads: each
 * mutation may move the sandbox clock first (`advance`), so every version gets its own update_time,
 * and the listings serve each version as the latest at its moment.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { control, readAllV2, type Row } from './http.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ deals: 50, seed: 31 });
});
afterEach(async () => sandbox.close());

const update = (id: number, title: string, advance?: number) =>
  control(sandbox, 'POST', '/_sandbox/mutations', { op: 'update', entity: 'deals', id, patch: { title }, ...(advance === undefined ? {} : { advance }) });

describe('repeated mutations of one record', () => {
  it('give each version its own update_time when the clock advances with the mutation', async () => {
    const start = sandbox.clock.now().getTime();
    const at = (seconds: number): string => new Date(start + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect((await update(7, 'first', 1)).status).toBe(200);
    const afterFirst = await readAllV2(sandbox, `/api/v2/deals?updated_since=${at(1)}&sort_by=update_time`);
    expect(afterFirst.rows.map((r: Row) => [r.id, r.title, r.update_time])).toEqual([[7, 'first', at(1)]]);

    expect((await update(7, 'second', 1)).status).toBe(200);
    expect((await update(7, 'third', 2)).status).toBe(200);
    const listed = await readAllV2(sandbox, `/api/v2/deals?updated_since=${at(1)}&sort_by=update_time`);
    // Only the latest version is served, once, at its own second.
    expect(listed.rows.map((r: Row) => [r.id, r.title, r.update_time])).toEqual([[7, 'third', at(4)]]);
    expect(sandbox.clock.now().getTime()).toBe(start + 4000);
  });

  it('without advance, mutations in one second share its update_time (the last one is served)', async () => {
    await update(9, 'a');
    await update(9, 'b');
    const listed = await readAllV2(sandbox, '/api/v2/deals?ids=9');
    expect(listed.rows.map((r: Row) => r.title)).toEqual(['b']);
  });

  it('refuses an advance that is not a number, or backwards', async () => {
    expect((await update(9, 'x', -5)).status).toBe(400);
    expect((await control(sandbox, 'POST', '/_sandbox/mutations', { op: 'update', entity: 'deals', id: 9, patch: {}, advance: 'soon' })).status).toBe(400);
  });
});
