/**
 * `state show` and `state reset` as a user runs them: the real CLI in its own process, against a
 * schema loaded from the sandbox. Also: a run left `running` by a dead process is closed by the
 * next load, and secrets from DBT_ENV_SECRET_* never reach the output, even inside a warehouse's
 * own error message.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ABANDONED_RUN_ERROR } from '../../src/state/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';
import { JSON_LOG_KEYS } from '../../src/cli/output.js';

const INTEGRATION = 'State Test';
const SCHEMA = 'state_test';
let sandbox: Sandbox;
let dir: string;

function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return spawnCli([...args, '--pipedrive-url', sandbox.url], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined, ...env },
  });
}

type Line = Record<string, unknown> & { event: string };

function json(result: CliResult): Line[] {
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
}

function query(sql: string): Promise<Record<string, unknown>[]> {
  return queryDuckDBFile(join(dir, 'pipedrive.duckdb'), sql);
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11, deals: 300 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-state-'));
  const load = await cli(['load', '--integration', INTEGRATION, '--requests-per-2s', '1000']);
  expect(load.code, load.stderr).toBe(0);
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('state show', () => {
  it('prints the bookmarks, the last runs and the column map', async () => {
    const result = await cli(['state', 'show', '--integration', INTEGRATION]);
    expect(result.code, result.stderr).toBe(0);
    const [deals] = await query(`SELECT bookmark FROM ${SCHEMA}._loader_state WHERE stream = 'deals'`);
    const [run] = await query(`SELECT load_id FROM ${SCHEMA}._loader_runs`);
    const [columns] = await query(`SELECT count(*) AS n FROM ${SCHEMA}._loader_columns`);
    expect(result.stdout).toContain(`State of schema ${SCHEMA} in DuckDB file ./pipedrive.duckdb`);
    expect(result.stdout).toMatch(new RegExp(`^deals +incremental +${String(deals?.['bookmark'])} `, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^${String(run?.['load_id'])} +\\S+ +succeeded `, 'm'));
    expect(result.stdout).toContain(`Column map (${Number(columns?.['n'])})`);
    expect(result.stdout).toMatch(/^deals +\S+ +Société Générale Ünïcödé /m);
    // Deletes markers are not streams: listed apart.
    expect(result.stdout).not.toMatch(/^\S+#\S+ +(incremental|full|newest_first)/m);
  });

  it('prints one JSON object per line with the stable keys in --log-format json', async () => {
    const result = await cli(['state', 'show', '--integration', INTEGRATION, '--log-format', 'json']);
    expect(result.code).toBe(0);
    const lines = json(result);
    for (const line of lines) {
      expect(Object.keys(line).slice(0, JSON_LOG_KEYS.length)).toEqual([...JSON_LOG_KEYS]);
    }
    const [deals] = await query(`SELECT bookmark, load_id FROM ${SCHEMA}._loader_state WHERE stream = 'deals'`);
    expect(lines.find((line) => line.event === 'state_bookmark' && line['stream'] === 'deals')).toMatchObject({
      bookmark: deals?.['bookmark'],
      load_id: deals?.['load_id'],
      replication: 'incremental',
    });
    const runs = lines.filter((line) => line.event === 'state_run');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', records: expect.any(Number), requests: expect.any(Number), tokens: expect.any(Number) });
    const [columns] = await query(`SELECT count(*) AS n FROM ${SCHEMA}._loader_columns`);
    expect(lines.filter((line) => line.event === 'state_column')).toHaveLength(Number(columns?.['n']));
  });

  it('says plainly when the schema holds no loader state', async () => {
    const result = await cli(['state', 'show', '--integration', 'Never Loaded']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Schema never_loaded in DuckDB file \.\/pipedrive\.duckdb holds no loader state/);
  });
});

describe('state reset', () => {
  it('forgets one stream’s bookmark, so the next load re-reads that stream only', async () => {
    const reset = await cli(['state', 'reset', 'deals', '--integration', INTEGRATION]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/^deals: bookmark \S+ removed; the next load re-reads deals from the start\.$/m);
    expect(reset.stdout).toMatch(/deals_archived also writes deals and keeps its bookmark/);
    expect(await query(`SELECT * FROM ${SCHEMA}._loader_state WHERE stream = 'deals'`)).toEqual([]);
    expect(await query(`SELECT * FROM ${SCHEMA}._loader_state WHERE stream = 'persons'`)).toHaveLength(1);

    const load = await cli(['load', '--integration', INTEGRATION, '--log-format', 'json', '--requests-per-2s', '1000']);
    expect(load.code, load.stderr).toBe(0);
    const started = json(load).filter((line) => line.event === 'stream_started');
    expect(started.find((line) => line['stream'] === 'deals')?.['message']).toBe('deals: reading everything');
    expect(started.find((line) => line['stream'] === 'persons')?.['message']).toMatch(/^persons: reading changes since /);
    expect(await query(`SELECT * FROM ${SCHEMA}._loader_state WHERE stream = 'deals'`)).toHaveLength(1);
  });

  it('explains streams without a bookmark and refuses unknown ones', async () => {
    const full = await cli(['state', 'reset', 'stages', '--integration', INTEGRATION]);
    expect(full.code).toBe(0);
    expect(full.stdout).toContain('stages is re-read in full on every load; it has no bookmark to reset.');
    const unknown = await cli(['state', 'reset', 'dealz', '--integration', INTEGRATION]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown stream\(s\): dealz\. Streams with a bookmark: .*deals/);
    const missing = await cli(['state', 'reset', '--integration', INTEGRATION]);
    expect(missing.code).toBe(2);
  });
});

describe('a run left running by a dead process', () => {
  it('is closed as interrupted by the next load', async () => {
    // What a SIGKILLed load leaves behind: its run row, still `running`.
    const instance = await DuckDBInstance.create(join(dir, 'pipedrive.duckdb'));
    const connection = await instance.connect();
    await connection.run(
      `INSERT INTO ${SCHEMA}._loader_runs (load_id, started_at, status) VALUES ('20260101T000000Z-dead00', '2026-01-01T00:00:00Z', 'running')`,
    );
    connection.closeSync();
    instance.closeSync();

    const load = await cli(['load', '--integration', INTEGRATION, '--requests-per-2s', '1000']);
    expect(load.code, load.stderr).toBe(0);
    // Not a terminal: plain lines, no progress redrawn in place, no colours.
    // eslint-disable-next-line no-control-regex
    expect(load.stdout + load.stderr).not.toMatch(/\r|\x1b\[/);
    const show = await cli(['state', 'show', '--integration', INTEGRATION, '--log-format', 'json']);
    const runs = json(show).filter((line) => line.event === 'state_run');
    expect(runs.find((run) => run['load_id'] === '20260101T000000Z-dead00')).toMatchObject({
      status: 'interrupted',
      error: ABANDONED_RUN_ERROR,
      finished_at: expect.any(String),
    });
    expect(runs.filter((run) => run['status'] === 'running')).toEqual([]);
  });
});

describe('secrets from DBT_ENV_SECRET_*', () => {
  it('are redacted by the CLI from any message that quotes them', async () => {
    const profilesDir = mkdtempSync(join(tmpdir(), 'pdl-secret-profile-'));
    try {
      writeFileSync(
        join(profilesDir, 'profiles.yml'),
        "pipedrive:\n  target: d\n  outputs:\n    d:\n      type: duckdb\n      path: \"{{ env_var('DBT_ENV_SECRET_PATH') }}\"\n",
      );
      // A directory where the DuckDB file should be: DuckDB's error quotes the path.
      const secretPath = join(profilesDir, 'warehouse_s3cret.duckdb');
      mkdirSync(secretPath);
      const result = await cli(['state', 'show', '--integration', INTEGRATION, '--profiles-dir', profilesDir], {
        DBT_ENV_SECRET_PATH: secretPath,
      });
      expect(result.code).toBe(6);
      expect(result.stdout + result.stderr).not.toContain('warehouse_s3cret');
      expect(result.stderr).toMatch(/Could not read from file "\[REDACTED\]"/);
    } finally {
      rmSync(profilesDir, { recursive: true, force: true });
    }
  });

  it('never appear in the output, not even inside the warehouse’s own error', async () => {
    const db: PostgresTestDatabase = await createTestDatabase();
    const secret = `no_such_db_${Date.now().toString(36)}_s3cret`;
    const profilesDir = mkdtempSync(join(tmpdir(), 'pdl-secret-profile-'));
    try {
      writeFileSync(
        join(profilesDir, 'profiles.yml'),
        [
          'pipedrive:',
          '  target: pg',
          '  outputs:',
          '    pg:',
          '      type: postgres',
          `      host: ${db.server.host}`,
          `      port: ${db.server.port}`,
          `      user: ${db.server.user}`,
          `      password: "${db.server.password ?? ''}"`,
          // A secret where PostgreSQL will quote it back: "database ... does not exist".
          "      dbname: \"{{ env_var('DBT_ENV_SECRET_DBNAME') }}\"",
          '      sslmode: disable',
        ].join('\n'),
      );
      const result = await cli(['state', 'show', '--integration', INTEGRATION, '--profiles-dir', profilesDir], {
        DBT_ENV_SECRET_DBNAME: secret,
      });
      expect(result.code).toBe(6);
      expect(result.stdout + result.stderr).not.toContain(secret);
      // The adapter redacts it before the Reporter would; either way it is gone.
      expect(result.stderr).toMatch(/database "\[REDACTED\]" does not exist/);
    } finally {
      rmSync(profilesDir, { recursive: true, force: true });
      await db.dispose();
    }
  });
});
