/**
 * Drift heals by itself: a table, a column or rows dropped or deleted by hand in the warehouse
 * used to be recreated empty and filled only with later changes (exit 0, "succeeded", a fraction
 * of the deals). A table or column the loader made that is gone makes its streams read it in full;
 * the key scan for deletes upserts the records it pays for anyway, restoring deleted and edited
 * rows; a dropped `_loader_state` or `_loader_columns` is recreated instead of failing every run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

let sandbox: Sandbox;
let dir: string;
let file: string;

function load(extra: readonly string[] = []): Promise<CliResult> {
  return spawnCli(
    ['load', '--integration', 'Drift', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--streams', 'deals,persons,organizations', ...extra],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
}

async function execute(...statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    for (const sql of statements) await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function served(entity: SandboxEntity): Promise<Map<string, Record<string, unknown>>> {
  const records = new Map<string, Record<string, unknown>>();
  for await (const record of sandbox.records(entity)) records.set(String(record['id']), record);
  return records;
}

async function column(table: string, name: string): Promise<Map<string, unknown>> {
  const rows = await queryDuckDBFile(file, `SELECT id::VARCHAR AS id, ${name} AS v FROM pipedrive.drift.${table}`);
  return new Map(rows.map((row) => [String(row['id']), row['v']]));
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 31, deals: 40 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-drift-'));
  file = join(dir, 'pipedrive.duckdb');
  const first = await load();
  expect(first.code).toBe(0);
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('drift in the warehouse', () => {
  it('re-reads a dropped table or column in full, and the key scan restores deleted and edited rows', async () => {
    await execute(
      'DROP TABLE pipedrive.drift.persons',
      'ALTER TABLE pipedrive.drift.organizations DROP COLUMN name',
      'DELETE FROM pipedrive.drift.deals WHERE id IN (1, 2, 3)',
      "UPDATE pipedrive.drift.deals SET title = 'edited by hand' WHERE id = 4",
    );
    const result = await load(['--reconcile-deletes', 'always']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/persons: table persons is missing though persons had a bookmark; reading persons in full/);
    expect(result.stdout).toMatch(/organizations: column\(s\) name of organizations are missing .*reading organizations in full/);

    const persons = await served('persons');
    expect([...(await column('persons', 'name')).keys()].sort()).toEqual([...persons.keys()].sort());
    const organizations = await served('organizations');
    const names = await column('organizations', 'name');
    for (const [id, record] of organizations) expect({ id, name: names.get(id) }).toEqual({ id, name: record['name'] });
    const deals = await served('deals');
    const titles = await column('deals', 'title');
    for (const id of ['1', '2', '3', '4']) expect({ id, title: titles.get(id) }).toEqual({ id, title: deals.get(id)?.['title'] });
    const [marked] = await queryDuckDBFile(file, 'SELECT COUNT(*)::INTEGER AS n FROM pipedrive.drift.deals WHERE _deleted_at IS NOT NULL AND NOT is_deleted');
    expect(marked?.['n']).toBe(0);
  });

  it('recreates a dropped _loader_state or _loader_columns instead of failing every run', async () => {
    await execute('DROP TABLE pipedrive.drift._loader_state', 'DROP TABLE pipedrive.drift._loader_columns');
    const result = await load();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const state = await queryDuckDBFile(file, 'SELECT stream FROM pipedrive.drift._loader_state ORDER BY stream');
    expect(state.map((row) => row['stream'])).toEqual(expect.arrayContaining(['deals', 'persons', 'organizations']));
    const [columns] = await queryDuckDBFile(file, 'SELECT COUNT(*)::INTEGER AS n FROM pipedrive.drift._loader_columns');
    expect(Number(columns?.['n'])).toBeGreaterThan(0);
    const again = await load();
    expect(again.code).toBe(0);
  });
});
