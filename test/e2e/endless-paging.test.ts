/**
 * A server that announces a fresh cursor on every page while serving the same records again
 * would keep the loader paging (and paying) forever. The loader notices the repeated page and
 * stops the stream with exit 5.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11, deals: 40 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-endless-'));
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('endless paging', () => {
  it('stops a stream whose server serves the same page under ever new cursors, exit 5', async () => {
    sandbox.faults.inject({ kind: 'endless-cursor', path: '/api/v2/persons', everyNth: 1 });
    sandbox.stats.reset();
    const result = await spawnCli(
      ['load', '--integration', 'Endless', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--streams', 'persons'],
      { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
    );
    sandbox.faults.clear();
    expect(result.stderr).toMatch(/\/persons \(stream persons\) served again a page of \d+ records it had already served/);
    expect(result.code).toBe(5);
    // Noticed on the second page: two list requests, not an endless stream of them.
    expect(sandbox.stats.byRoute['GET /api/v2/persons']?.requests).toBe(2);
  });
});
