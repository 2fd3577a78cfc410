/**
 * Drift heals on PostgreSQL too (see drift.test.ts): a dropped table is read in full, rows deleted
 * by hand come back with the key scan, and dropped loader tables are recreated by the migrations
 * (DDL inside the migration's transaction there).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

let db: PostgresTestDatabase;
let sandbox: Sandbox;
let dir: string;

function load(extra: readonly string[] = []): Promise<CliResult> {
  return spawnCli(
    ['load', '--schema', 'drift', '--target', 'pg', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--streams', 'deals,persons', ...extra],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
}

async function servedIds(entity: SandboxEntity): Promise<string[]> {
  const ids: string[] = [];
  for await (const record of sandbox.records(entity)) ids.push(String(record['id']));
  return ids.sort();
}

async function loadedIds(table: string): Promise<string[]> {
  return (await db.sql<{ id: string }>(`SELECT id::text AS id FROM drift.${table}`)).map((row) => row.id).sort();
}

beforeAll(async () => {
  db = await createTestDatabase();
  sandbox = await startSandbox({ seed: 32, deals: 30 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-pg-drift-'));
  writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...db.settings } } } }));
  expect((await load()).code).toBe(0);
});
afterAll(async () => {
  await sandbox?.close();
  await db?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('drift in PostgreSQL', () => {
  it('restores a dropped table and rows deleted by hand', async () => {
    await db.sql('DROP TABLE drift.persons');
    await db.sql('DELETE FROM drift.deals WHERE id IN (1, 2, 3)');
    const result = await load(['--reconcile-deletes', 'always']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/persons: table persons is missing though persons had a bookmark/);
    expect(await loadedIds('persons')).toEqual(await servedIds('persons'));
    expect(await loadedIds('deals')).toEqual(await servedIds('deals'));
  });

  it('recreates dropped loader tables', async () => {
    await db.sql('DROP TABLE drift._loader_state');
    await db.sql('DROP TABLE drift._loader_columns');
    const result = await load();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const state = await db.sql<{ stream: string }>('SELECT stream FROM drift._loader_state');
    expect(state.map((row) => row.stream)).toEqual(expect.arrayContaining(['deals', 'persons']));
  });
});
