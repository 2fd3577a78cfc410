/**
 * `--log-format json` never prints the API token, in any form, when the token holds `"` and `\`
 * (which JSON escapes, so a redactor that looks only for the token as written misses it):
 * - a full load whose DuckDB file name holds the token (put there so that the Reporter, not the
 *   Pipedrive client, is what redacts it), `--debug` on;
 * - a Pipedrive that quotes the token back inside JSON inside its JSON error body, so the message
 *   the CLI prints holds the token JSON-escaped.
 * Every line must stay JSON, and no form of the token may appear on stdout or stderr.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/redact.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';

/** Visible ASCII (the CLI accepts it as a token), with a quote, a backslash and a slash. */
const TOKEN = 'pd"secret\\token/0042';
const FORMS = [TOKEN, JSON.stringify(TOKEN).slice(1, -1), JSON.stringify(JSON.stringify(TOKEN)).slice(1, -1), encodeURIComponent(TOKEN)];

let sandbox: Sandbox;
let dir: string;

function cli(args: readonly string[], baseUrl: string): Promise<CliResult> {
  return spawnCli([...args, '--pipedrive-url', baseUrl, '--log-format', 'json', '--debug'], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: TOKEN, HOME: dir, DBT_PROFILES_DIR: undefined },
  });
}

function parseLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not JSON: ${line}`);
      }
    });
}

function expectNoForm(result: CliResult): void {
  for (const form of FORMS) {
    expect(result.stdout, form).not.toContain(form);
    expect(result.stderr, form).not.toContain(form);
  }
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, deals: 30, tokens: [{ token: TOKEN, userId: 1, admin: true }] });
  dir = mkdtempSync(join(tmpdir(), 'pdl-json-redaction-'));
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a token with " and \\ in JSON logs', () => {
  it('is redacted from a whole load that prints it', async () => {
    writeFileSync(
      join(dir, 'profiles.yml'),
      `pipedrive:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "{{ env_var('PIPEDRIVE_API_TOKEN') }}.duckdb"\n`,
    );
    const result = await cli(['load', '--schema', 'redaction'], sandbox.url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = parseLines(result.stdout);
    expect(lines.find((line) => line['event'] === 'run_started')?.['message']).toContain(`DuckDB file ${REDACTED}.duckdb`);
    expect(lines.at(-1)?.['event']).toBe('run_finished');
    expectNoForm(result);
  }, 180_000);

  it('is redacted when Pipedrive quotes it JSON-escaped in its error', async () => {
    const echo = http.createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, error: `Bad request ${JSON.stringify({ api_token: TOKEN })}`, error_info: `token ${TOKEN}` }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const result = await cli(['load', '--schema', 'redaction_echo'], `http://127.0.0.1:${(echo.address() as AddressInfo).port}`);
      expect(result.code).not.toBe(0);
      const lines = parseLines(result.stdout);
      const failed = lines.find((line) => line['level'] === 'error');
      expect(failed).toMatchObject({ event: 'failed', error: 'SourceTerminalError' });
      expect(String(failed?.['message'])).toContain(`{"api_token":"${REDACTED}"}`);
      expect(lines.some((line) => line['event'] === 'stack_trace')).toBe(true);
      expectNoForm(result);
    } finally {
      echo.closeAllConnections();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  }, 120_000);
});
