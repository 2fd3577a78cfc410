/**
 * Every record and every value (issue 13), end to end through the CLI, into DuckDB and
 * PostgreSQL: the sandbox answers as Pipedrive documents it (`/v1/goals/find` lists only the
 * token user's goals unless asked for everyone's), so the warehouse must still hold every goal
 * of every assignee, active and inactive; and it serves addresses whose typed `value` differs from
 * Google's `formatted_address`, which must both be kept: custom address fields in `<col>` and
 * `<col>_formatted_address` (v2 entities and leads' flat v1 keys alike), the built-in
 * organization `address` and activity `location` as the whole object. Deleted projects, which
 * the project lists leave out unless `status` names them, are there too, marked deleted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';
import { compareEntity, snapshotWarehouse, type WarehouseSnapshot } from '../helpers/compare.js';
import { snapshotPostgres } from '../helpers/compare-postgres.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

const SCHEMA = 'every_record';
const STREAMS = 'goals,deals,persons,organizations,activities,leads,projects';
const ENTITIES: SandboxEntity[] = ['goals', 'deals', 'persons', 'organizations', 'activities', 'leads', 'projects'];
/** A project deleted before the load: the lists leave it out unless `status` asks for deleted ones. */
const DELETED_PROJECT = 2;

let sandbox: Sandbox;
let db: PostgresTestDatabase;
let dir: string;

async function load(target: 'duckdb' | 'pg'): Promise<void> {
  const result = await spawnCli(
    ['load', '--schema', SCHEMA, '--target', target, '--streams', STREAMS, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000'],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

async function expectEveryRecord(snapshot: WarehouseSnapshot): Promise<void> {
  for (const entity of ENTITIES) {
    const result = await compareEntity(snapshot, sandbox, entity);
    expect({ entity, missing: result.missing, extra: result.extra }).toEqual({ entity, missing: [], extra: [] });
    expect({ entity, mismatches: result.mismatches.slice(0, 5) }).toEqual({ entity, mismatches: [] });
  }
  // Goals of users, teams and the company, active and inactive, each one in the warehouse.
  const goals = [...(snapshot.tables.get('goals')?.values() ?? [])];
  const sourceGoals: Record<string, unknown>[] = [];
  for await (const goal of sandbox.records('goals')) sourceGoals.push(goal);
  expect(goals.map((g) => String(g.id)).sort()).toEqual(sourceGoals.map((g) => String(g.id)).sort());
  // The deleted project is there with its last state, marked deleted at its deletion time.
  const project = snapshot.tables.get('projects')?.get(String(DELETED_PROJECT));
  expect(project).toMatchObject({ status: 'deleted' });
  expect(project?._deleted_at).not.toBeNull();
  const kinds = new Set(goals.map((g) => `${String((g.assignee as { type?: string } | null)?.type)}/${String(g.is_active)}`));
  for (const kind of ['person/true', 'person/false', 'team/true', 'team/false', 'company/true', 'company/false']) expect(kinds).toContain(kind);
}

/** Rows whose custom address was typed differently from its formatted form: both must be there. */
async function expectBothAddressForms(snapshot: WarehouseSnapshot): Promise<void> {
  for (const [table, entity] of [['organizations', 'organization'], ['deals', 'deal'], ['persons', 'person'], ['leads', 'deal']] as const) {
    const addressFields = sandbox.fields(entity).filter((f) => f.is_custom_field && f.field_type === 'address');
    expect(addressFields.length, table).toBeGreaterThan(0);
    let differing = 0;
    for (const field of addressFields) {
      const columns = snapshot.columnMap.get(table)?.get(field.field_code);
      const main = columns?.get('');
      const formatted = columns?.get('formatted_address');
      expect(main, table).toBeDefined();
      expect(formatted, table).toMatch(/_formatted_address(_[0-9a-f]{8})?$/);
      for (const row of snapshot.tables.get(table)?.values() ?? []) {
        const typed = row[main ?? ''];
        if (typeof typed === 'string' && typeof row[formatted ?? ''] === 'string' && typed !== row[formatted ?? '']) differing += 1;
      }
    }
    // compareEntity has checked each value against the source; here: the two forms really differ.
    expect(differing, table).toBeGreaterThan(0);
  }
  const builtin = [
    ...[...(snapshot.tables.get('organizations')?.values() ?? [])].map((row) => row.address),
    ...[...(snapshot.tables.get('activities')?.values() ?? [])].map((row) => row.location),
  ].map((value) => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value) as { value?: string; formatted_address?: string } | null);
  const both = builtin.filter((a) => a !== null && typeof a.value === 'string' && typeof a.formatted_address === 'string' && a.value !== a.formatted_address);
  expect(both.length).toBeGreaterThan(0);
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 21, deals: 40, projectsAddon: true, projects: 12 });
  sandbox.clock.advance(60);
  sandbox.mutate.delete('projects', DELETED_PROJECT);
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pdl-every-record-'));
  writeFileSync(
    join(dir, 'profiles.yml'),
    stringify({
      pipedrive: {
        target: 'duckdb',
        outputs: { duckdb: { type: 'duckdb', path: join(dir, 'every.duckdb') }, pg: { type: 'postgres', ...db.settings } },
      },
    }),
  );
});

afterAll(async () => {
  await sandbox?.close();
  await db?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('every record and every value', () => {
  it('DuckDB holds every goal of every assignee, active and inactive, and every record of the address entities', async () => {
    await load('duckdb');
    await expectEveryRecord(await snapshotWarehouse(join(dir, 'every.duckdb'), SCHEMA));
  });

  it('DuckDB keeps both forms of an address: as typed and as Google formatted it', async () => {
    await expectBothAddressForms(await snapshotWarehouse(join(dir, 'every.duckdb'), SCHEMA));
  });

  it('PostgreSQL holds every goal of every assignee, active and inactive, and every record of the address entities', async () => {
    await load('pg');
    await expectEveryRecord(await snapshotPostgres(db, SCHEMA));
  });

  it('PostgreSQL keeps both forms of an address: as typed and as Google formatted it', async () => {
    await expectBothAddressForms(await snapshotPostgres(db, SCHEMA));
  });
});
