/**
 * History mode's command line: the flag and the profile key, refusals before anything is written
 * (exit 2), and `plan` showing the history tables a load would create.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';

let sandbox: Sandbox;
let dir: string;

function cli(args: readonly string[], cwd = dir) {
  return spawnCli([...args, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000'], {
    cwd,
    env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: cwd, DBT_PROFILES_DIR: undefined },
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, deals: 50 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-history-cli-'));
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('history mode on the command line', () => {
  it('refuses an unknown or undated stream before anything is opened (exit 2)', async () => {
    const unknown = await cli(['load', '--schema', 'h_cli', '--history', 'deals,dealz']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--history: unknown stream(s) dealz');
    const undated = await cli(['load', '--schema', 'h_cli', '--history', 'call_logs']);
    expect(undated.code).toBe(2);
    expect(undated.stderr).toContain('call_logs cannot keep a history');
    expect(existsSync(join(dir, 'pipedrive.duckdb'))).toBe(false);
    expect(sandbox.stats.snapshot().requests).toBe(0);
  });

  it('plan shows the history tables; the profile key turns history on, and a run without it says so', async () => {
    const plan = await cli(['plan', '--schema', 'h_cli', '--streams', 'persons', '--history', 'persons']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/CREATE TABLE IF NOT EXISTS "pipedrive_loader"\."h_cli"\."persons_history" \(/);
    expect(plan.stdout).toMatch(/"_valid_from" TIMESTAMPTZ,\n\s+"_valid_to" TIMESTAMPTZ,\n\s+"_is_current" BOOLEAN,\n\s+"_version_hash" VARCHAR,\n\s+PRIMARY KEY \("id", "_valid_from"\)/);

    const withProfile = mkdtempSync(join(tmpdir(), 'pdl-history-profile-'));
    try {
      const profile = (history: unknown) =>
        writeFileSync(join(withProfile, 'profiles.yml'), stringify({ pipedrive: { target: 'dev', outputs: { dev: { type: 'duckdb', path: './p.duckdb', history } } } }));
      profile('nope');
      const refused = await cli(['load', '--schema', 'h_profile', '--streams', 'persons'], withProfile);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('history in profiles.yml: unknown stream(s) nope');
      profile(['persons']);
      const loaded = await cli(['load', '--schema', 'h_profile', '--streams', 'persons'], withProfile);
      expect(loaded.stderr).toBe('');
      expect(loaded.code).toBe(0);
      expect(loaded.stdout).toContain('persons: history mode on; persons_history keeps every version read from now on.');
      // Loaded again without history: the gap is said, not silent.
      profile(undefined);
      const off = await cli(['load', '--schema', 'h_profile', '--streams', 'persons'], withProfile);
      expect(off.code).toBe(0);
      expect(`${off.stdout}${off.stderr}`).toMatch(/persons: history mode has been on since \S+, but this run keeps no history/);
    } finally {
      rmSync(withProfile, { recursive: true, force: true });
    }
  });
});
