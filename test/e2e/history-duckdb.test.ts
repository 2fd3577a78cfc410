/** History mode end to end into DuckDB (the scenario: history-scenario.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';
import { runHistoryScenario, type HistoryTarget } from './history-scenario.js';

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 21, deals: 300 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-history-duckdb-'));
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('history mode into DuckDB', () => {
  it('keeps exactly the versions served at run boundaries through updates, deletes, crashes, a full refresh and a key scan', async () => {
    const target: HistoryTarget = {
      load: (schema, flags, env = {}) =>
        spawnCli(['load', '--schema', schema, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', ...flags], {
          cwd: dir,
          env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined, ...env },
        }),
      query: (sql) => queryDuckDBFile(join(dir, 'pipedrive.duckdb'), sql),
      iso: (column) => `strftime(timezone('UTC', ${column}), '%Y-%m-%dT%H:%M:%SZ')`,
    };
    await runHistoryScenario(target, sandbox, 'history_e2e');
  }, 400_000);
});
