/**
 * Every entity of the catalog end to end, deletes included: the CLI loads a sandbox with the
 * Projects add-on into DuckDB, the sandbox deletes, merges and edits records of every kind, and a
 * second run (with key scans forced) must leave every table equal to what Pipedrive lists, with
 * `_deleted_at` on the rows that went. The comparison is test/helpers/compare.ts's, independent of
 * the loader's shaper; deal products are fetched from the sandbox's own HTTP API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_ENTITIES } from '../../src/sandbox/generation-context.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { slotOfUuid } from '../../src/sandbox/uuid-ids.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { compareEntity, snapshotWarehouse, type WarehouseSnapshot } from '../helpers/compare.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

const SCHEMA = 'all_entities';
const SEED = 11;

/** The sandbox's mutations take a lead's internal slot, not its UUID. */
function leadSlot(uuid: string): number {
  const slot = slotOfUuid(SEED, 'leads', uuid);
  if (slot === undefined) throw new Error(`not a sandbox lead id: ${uuid}`);
  return slot;
}

let sandbox: Sandbox;
let dir: string;

function load(extra: readonly string[] = []): Promise<CliResult> {
  return spawnCli(
    ['load', '--integration', 'All Entities', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', ...extra],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
}

async function expectEveryEntity(snapshot: WarehouseSnapshot): Promise<void> {
  for (const entity of SANDBOX_ENTITIES) {
    const result = await compareEntity(snapshot, sandbox, entity);
    expect({ entity, missing: result.missing.slice(0, 5), extra: result.extra.slice(0, 5) }).toEqual({ entity, missing: [], extra: [] });
    expect({ entity, mismatches: result.mismatches.slice(0, 5) }).toEqual({ entity, mismatches: [] });
    expect(result.compared, entity).toBeGreaterThan(0);
  }
}

/** Deal products as the sandbox serves them, ≤100 deal ids per request. */
async function dealProducts(dealIds: readonly number[]): Promise<Map<string, Record<string, unknown>>> {
  const products = new Map<string, Record<string, unknown>>();
  for (let start = 0; start < dealIds.length; start += 100) {
    let cursor: string | undefined;
    do {
      const url = new URL(`${sandbox.url}/api/v2/deals/products`);
      url.searchParams.set('deal_ids', dealIds.slice(start, start + 100).join(','));
      url.searchParams.set('limit', '500');
      if (cursor) url.searchParams.set('cursor', cursor);
      const response = await fetch(url, { headers: { 'x-api-token': sandbox.adminToken } });
      const body = (await response.json()) as { data: Record<string, unknown>[]; additional_data?: { next_cursor?: string | null } };
      for (const product of body.data) products.set(String(product.id), product);
      cursor = body.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }
  return products;
}

async function expectDealProducts(snapshot: WarehouseSnapshot): Promise<void> {
  const deals = [...(snapshot.tables.get('deals')?.keys() ?? [])].map(Number);
  const expected = await dealProducts(deals);
  const rows = snapshot.tables.get('deal_products') ?? new Map<string, Record<string, unknown>>();
  expect(expected.size).toBeGreaterThan(0);
  for (const [id, product] of expected) {
    const row = rows.get(id);
    expect(row, `deal product ${id}`).toBeDefined();
    expect({ id, deal_id: row?.deal_id, quantity: row?.quantity, _deleted_at: row?._deleted_at }).toEqual({
      id,
      deal_id: product.deal_id,
      quantity: product.quantity,
      _deleted_at: null,
    });
  }
  const live = [...rows.values()].filter((row) => row._deleted_at === null);
  expect(live.length).toBe(expected.size);
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: SEED, deals: 300, projectsAddon: true });
  dir = mkdtempSync(join(tmpdir(), 'pdl-all-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('every entity, with deletes', () => {
  it('loads every entity of the catalog equal to the sandbox on the first run', async () => {
    const result = await load();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const snapshot = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    await expectEveryEntity(snapshot);
    await expectDealProducts(snapshot);
    for (const table of ['deal', 'person', 'organization', 'product', 'activity', 'note', 'lead']) {
      expect(snapshot.tables.get(`${table}_fields`)?.size, `${table}_fields`).toBeGreaterThan(0);
    }
  });

  it('reflects deletes, merges and edits of every kind after a mutation round', async () => {
    const before = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    const firstIds = (table: string, n: number): string[] => [...(before.tables.get(table)?.keys() ?? [])].slice(0, n);
    sandbox.clock.advance(3600);
    const deleted: Array<[string, string]> = [];
    for (const [entity, table] of [
      ['persons', 'persons'], ['organizations', 'organizations'], ['activities', 'activities'],
      ['products', 'products'], ['leads', 'leads'], ['notes', 'notes'], ['files', 'files'],
    ] as const) {
      const [id] = firstIds(table, 1);
      if (id === undefined) throw new Error(`no ${table}`);
      sandbox.mutate.delete(entity, entity === 'leads' ? leadSlot(id) : Number(id));
      deleted.push([table, id]);
    }
    const [winner, loser] = firstIds('persons', 3).slice(1);
    if (winner === undefined || loser === undefined) throw new Error('too few persons');
    sandbox.mutate.merge('persons', Number(loser), Number(winner));
    const [lead] = firstIds('leads', 2).slice(1);
    if (lead !== undefined) sandbox.mutate.update('leads', leadSlot(lead), { title: 'Lead, edited' });
    const [note] = firstIds('notes', 2).slice(1);
    if (note !== undefined) sandbox.mutate.update('notes', Number(note), { content: '<p>edited</p>' });
    sandbox.mutate.insert('deals', { title: 'New deal with products?' });
    const [deal] = firstIds('deals', 1);
    if (deal !== undefined) sandbox.mutate.delete('deals', Number(deal));

    const result = await load(['--reconcile-deletes', 'always']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const after = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    await expectEveryEntity(after);
    await expectDealProducts(after);
    for (const [table, id] of [...deleted, ['persons', loser] as [string, string]]) {
      expect(after.tables.get(table)?.get(id)?._deleted_at, `${table} ${id}`).not.toBeNull();
    }
    expect(after.tables.get('persons')?.get(winner)?._deleted_at).toBeNull();
  });

  it('never takes the rows of a table that one selected stream did not list for deletes', async () => {
    // Archived deals alone list no live deal; that must not mark the live deals deleted.
    const result = await load(['--streams', 'deals_archived', '--full-refresh', '--reconcile-deletes', 'always']);
    expect(result.code).toBe(0);
    const after = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    await expectEveryEntity(after);
  });

  it('brings back a row that is listed again unchanged, as after a visibility change', async () => {
    const [person] = [...((await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA)).tables.get('persons')?.entries() ?? [])].filter(
      ([, row]) => row._deleted_at === null,
    );
    if (!person) throw new Error('no live person');
    // As if an earlier scan had not seen it: hidden from the token for a while, then shown again.
    await queryDuckDBFile(join(dir, 'pipedrive.duckdb'), `UPDATE ${SCHEMA}.persons SET _deleted_at = now() WHERE id = ${Number(person[0])}`);
    const result = await load(['--reconcile-deletes', 'always']);
    expect(result.code).toBe(0);
    const after = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    expect(after.tables.get('persons')?.get(person[0])?._deleted_at).toBeNull();
    // Deals that Pipedrive reports deleted keep their mark.
    const deletedDeals = [...(after.tables.get('deals')?.values() ?? [])].filter((row) => row.is_deleted === true);
    expect(deletedDeals.length).toBeGreaterThan(0);
    for (const row of deletedDeals) expect(row._deleted_at).not.toBeNull();
    await expectEveryEntity(after);
  });

  it('skips the key scans when deletes were reconciled less than a day ago', async () => {
    sandbox.stats.reset();
    const result = await load();
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(' deletes');
  });
});
