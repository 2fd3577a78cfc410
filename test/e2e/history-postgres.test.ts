/** History mode end to end into PostgreSQL (the scenario: history-scenario.ts). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';
import { runHistoryScenario, type HistoryTarget } from './history-scenario.js';

let db: PostgresTestDatabase;
let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sandbox = await startSandbox({ seed: 22, deals: 300 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-history-pg-'));
  writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...db.settings } } } }));
});

afterAll(async () => {
  await sandbox?.close();
  await db?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('history mode into PostgreSQL', () => {
  it('keeps exactly the versions served at run boundaries through updates, deletes, crashes, a full refresh and a key scan', async () => {
    const target: HistoryTarget = {
      load: (schema, flags, env = {}) =>
        spawnCli(['load', '--schema', schema, '--target', 'pg', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', ...flags], {
          cwd: dir,
          env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined, ...env },
        }),
      query: (sql) => db.sql(sql),
      iso: (column) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
    };
    await runHistoryScenario(target, sandbox, 'history_e2e');
  }, 400_000);
});
