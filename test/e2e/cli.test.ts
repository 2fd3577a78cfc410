/**
 * The CLI as a user meets it: check with admin and non-admin tokens, a bad token, plan, JSON logs,
 * usage errors. Each runs the real CLI in a child process against the sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';

let sandbox: Sandbox;
let dir: string;

function cli(args: readonly string[], token: string | undefined) {
  return spawnCli([...args, '--pipedrive-url', sandbox.url], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: token, HOME: dir, DBT_PROFILES_DIR: undefined },
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, deals: 50 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-cli-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('check', () => {
  it('prints the company, domain and user, and Success! for an admin token', async () => {
    const result = await cli(['check', '--integration', 'Stitch Pipedrive'], sandbox.adminToken);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Pipedrive: .+ \(.+\.pipedrive\.com\), token of .+ <.+@.+>/);
    expect(result.stdout).toContain('schema stitch_pipedrive');
    expect(result.stdout).not.toContain('not a global admin');
    expect(result.stdout.trim().split('\n').at(-1)).toBe('Success!');
  });

  it('warns plainly, then still succeeds, for a non-admin token', async () => {
    const result = await cli(['check', '--integration', 'Stitch Pipedrive'], sandbox.userToken);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Warning: .+ is not a global admin/);
    expect(result.stdout).toContain('will be missing from the warehouse');
    expect(result.stdout.trim().split('\n').at(-1)).toBe('Success!');
  });

  it('explains a bad token in one line, exits 3, and never prints it', async () => {
    const token = 'not-a-real-token-0123456789abcdef';
    const result = await cli(['check', '--integration', 'X'], token);
    expect(result.code).toBe(3);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Error: Pipedrive rejected the API token/);
    expect(result.stdout + result.stderr).not.toContain(token);
    expect(result.stderr).not.toMatch(/\s+at .+:\d+:\d+/);
  });

  it('says how to get a token when none is set', async () => {
    const result = await cli(['check', '--integration', 'X'], undefined);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/PIPEDRIVE_API_TOKEN is not set.+Personal preferences → API.+--sandbox/);
  });
});

describe('load and plan', () => {
  it('refuses to guess a schema: the integration must be named', async () => {
    const result = await cli(['load'], sandbox.adminToken);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--integration "Stitch Pipedrive"/);
  });

  it('rejects unknown streams and lists the known ones', async () => {
    const result = await cli(['load', '--integration', 'X', '--streams', 'deals,leeds'], sandbox.adminToken);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown stream\(s\): leeds\. Streams: deals, deals_archived/);
  });

  it('plan prints CREATE statements before the first load and nothing after it', async () => {
    const before = await cli(['plan', '--integration', 'Plan Test'], sandbox.adminToken);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/CREATE SCHEMA IF NOT EXISTS .*"plan_test"/);
    expect(before.stdout).toMatch(/CREATE TABLE IF NOT EXISTS .*"plan_test"\."deals"/);
    expect(before.stdout).toContain("first load also creates the loader's own tables");
    const load = await cli(['load', '--integration', 'Plan Test'], sandbox.adminToken);
    expect(load.code).toBe(0);
    const after = await cli(['plan', '--integration', 'Plan Test'], sandbox.adminToken);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('Nothing to change');
    expect(after.stdout).not.toMatch(/CREATE|ALTER/);
  });

  it('--log-format json prints one JSON object per line with stable keys', async () => {
    const result = await cli(['load', '--integration', 'Json Logs', '--log-format', 'json'], sandbox.adminToken);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).toHaveProperty('level');
      expect(line).toHaveProperty('event');
    }
    const deals = lines.find((l) => l.event === 'stream_finished' && l.stream === 'deals');
    expect(deals).toMatchObject({ level: 'info', records: expect.any(Number), requests: 1, tokens: 10 });
    expect(deals).toHaveProperty('load_id');
    expect(deals).toHaveProperty('duration');
    expect(lines.at(-1)).toMatchObject({ event: 'run_finished', status: 'succeeded' });
  });
});
