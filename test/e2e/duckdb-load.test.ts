/**
 * The main job end to end: the real CLI, in its own process, reads the sandbox over HTTP and
 * loads a DuckDB file; then every row and every custom-field value is compared with the
 * sandbox's own data (see test/helpers/compare.ts for why the comparison is independent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { STREAMS } from '../../src/pipedrive/catalog.js';
import { readsOnCadence } from '../../src/load/list-cadence.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { compareEntity, snapshotWarehouse, type WarehouseSnapshot } from '../helpers/compare.js';

const SCHEMA = 'end_to_end';
const ENTITIES: SandboxEntity[] = ['deals', 'persons', 'organizations', 'activities', 'products', 'pipelines', 'stages', 'users'];

let sandbox: Sandbox;
let dir: string;

function load(extra: readonly string[] = []): Promise<CliResult> {
  return spawnCli(
    ['load', '--integration', 'End To End', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', ...extra],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
}

async function expectConverged(snapshot: WarehouseSnapshot): Promise<void> {
  for (const entity of ENTITIES) {
    const result = await compareEntity(snapshot, sandbox, entity);
    expect({ entity, missing: result.missing, extra: result.extra }).toEqual({ entity, missing: [], extra: [] });
    expect(result.mismatches.slice(0, 5)).toEqual([]);
    expect(result.compared).toBeGreaterThan(0);
  }
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, deals: 600 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-e2e-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('load into the embedded DuckDB default', () => {
  it('copies every record and custom-field value on the first run', async () => {
    const result = await load();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No profiles.yml found');
    expect(result.stdout).toMatch(/total\s+\d+/);
    expect(result.stdout + result.stderr).not.toContain(sandbox.adminToken);
    const snapshot = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    await expectConverged(snapshot);
  });

  it('gives every table and column a plain identifier of at most 63 bytes', async () => {
    const snapshot = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    const names = [...snapshot.types].flatMap(([table, columns]) => [table, ...columns.keys()]);
    expect(names.length).toBeGreaterThan(100);
    for (const name of names) {
      expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
    // Hostile custom-field names (quotes, SQL, unicode, emoji, 300 chars, collisions) all got columns.
    const dealColumns = snapshot.columnMap.get('deals');
    const customFields = sandbox.fields('deal').filter((f) => f.is_custom_field);
    for (const field of customFields) expect(dealColumns?.has(field.field_code), field.field_name).toBe(true);
    const mainColumns = customFields.map((f) => dealColumns?.get(f.field_code)?.get(''));
    expect(new Set(mainColumns).size).toBe(customFields.length);
  });

  it('converges after updates, inserts, deletes, archiving, a renamed and a new field, reading only changes', async () => {
    const before = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    const dealFields = sandbox.fields('deal').filter((f) => f.is_custom_field);
    const renamed = dealFields.find((f) => f.field_type === 'varchar');
    const enumField = dealFields.find((f) => f.field_type === 'enum' && (f.options?.length ?? 0) > 1);
    if (!renamed || !enumField) throw new Error('the sandbox should have varchar and enum deal fields');
    const renamedColumn = before.columnMap.get('deals')?.get(renamed.field_code)?.get('');

    sandbox.clock.advance(3600);
    const ids = [...(before.tables.get('deals')?.keys() ?? [])].map(Number).sort((a, b) => a - b);
    const [first, second, third, fourth] = ids;
    if (fourth === undefined || first === undefined || second === undefined || third === undefined) throw new Error('too few deals');
    sandbox.mutate.update('deals', first, {
      title: `Renewal "Q3" ; DROP TABLE deals; -- ${first}`,
      custom_fields: { [enumField.field_code]: enumField.options?.[1]?.id },
    });
    sandbox.mutate.delete('deals', second);
    sandbox.mutate.archive('deals', third);
    const insertedDeal = sandbox.mutate.insert('deals', { title: 'Brand new deal' });
    const insertedPerson = sandbox.mutate.insert('persons', { name: 'Zoë Ångström' });
    sandbox.mutate.update('persons', Number([...(before.tables.get('persons')?.keys() ?? [])][0]), { name: 'Renamed Person' });
    sandbox.mutate.renameField('deal', renamed.field_code, `${renamed.field_name} (renamed)`);
    const newField = sandbox.mutate.addField('deal', { name: 'Renewal date', field_type: 'date' });
    sandbox.mutate.update('deals', fourth, { custom_fields: { [newField]: '2027-01-31' } });

    sandbox.stats.reset();
    const result = await load();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const after = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    await expectConverged(after);

    const deals = after.tables.get('deals');
    expect(deals?.get(String(insertedDeal))?.title).toBe('Brand new deal');
    expect(after.tables.get('persons')?.get(String(insertedPerson))?.name).toBe('Zoë Ångström');
    expect(deals?.get(String(second))?._deleted_at).not.toBeNull();
    expect(deals?.get(String(third))?.is_archived).toBe(true);
    // The renamed field keeps its column; the new field gets one.
    expect(after.columnMap.get('deals')?.get(renamed.field_code)?.get('')).toBe(renamedColumn);
    const newColumn = after.columnMap.get('deals')?.get(newField)?.get('');
    expect(newColumn).toBe('renewal_date');
    expect(deals?.get(String(fourth))?.[newColumn ?? '']).toBe('2027-01-31');
    expect(after.types.get('deals')?.size).toBe((before.types.get('deals')?.size ?? 0) + 1);

    // Only what changed was read: one page per incremental or newest-first stream (deal products:
    // one request for the few changed deals). The lists Pipedrive cannot filter or sort by update
    // time, the archived leads and the field metadata wait for their cadence (list-cadence.ts),
    // except the deal fields: a deal carries the new field, so they are read again before it is
    // loaded. Projects and tasks are not asked again: the company had no Projects add-on a moment
    // ago (403), and that is rechecked daily. No key scans either: deletes are reconciled daily.
    // And the account check (/v1/users/me) every run starts with.
    const everyRun = STREAMS.filter((s) => s.requires === undefined && s.describes === undefined && !readsOnCadence(s));
    expect(sandbox.stats.requests).toBe(everyRun.length + 1 + 1);
  });

  it('re-reads everything with --full-refresh and still holds no duplicates', async () => {
    sandbox.stats.reset();
    const result = await load(['--full-refresh', '--streams', 'deals']);
    expect(result.code).toBe(0);
    expect(sandbox.stats.requests).toBeGreaterThan(2);
    const snapshot = await snapshotWarehouse(join(dir, 'pipedrive.duckdb'), SCHEMA);
    await expectConverged(snapshot);
  });
});
