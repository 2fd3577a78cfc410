/**
 * `--log-format json` as a CI log reader sees it, through the CLI into DuckDB: every line of
 * stdout is one JSON object with the stable keys (a timestamp and the per-stream counts), the
 * field tables report like every stream, `run_finished` carries the run's totals, a running
 * stream prints progress lines without a terminal, and `--debug` keeps every line JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_LOG_KEYS, PROGRESS_INTERVAL_ENV } from '../../src/cli/output.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';

type Line = Record<string, unknown> & { event: string };

const COUNTS = ['records', 'inserted', 'updated', 'unchanged', 'deleted', 'requests', 'tokens'] as const;

let sandbox: Sandbox;
let dir: string;

function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli([...args, '--pipedrive-url', sandbox.url, '--log-format', 'json'], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined, ...env },
  });
}

/** Every line of stdout parsed, failing on the first that is not a JSON object with the stable keys. */
function parseAll(stdout: string): Line[] {
  const lines = stdout.split('\n').filter((line) => line !== '');
  return lines.map((text) => {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      throw new Error(`not JSON: ${text}`);
    }
    expect(Object.keys(line).slice(0, JSON_LOG_KEYS.length), text).toEqual([...JSON_LOG_KEYS]);
    expect(new Date(String(line['time'])).toISOString(), text).toBe(line['time']);
    return line;
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 31, deals: 1200 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-json-logs-'));
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--log-format json', () => {
  it('prints only JSON lines with a timestamp and the counts, for every stream and the run', async () => {
    // A slow plan (4 requests per 2 s) and a 1-second progress interval: streams run long
    // enough for progress lines, as a large company's do at the real 30 seconds.
    const result = await cli(['load', '--schema', 'json_logs', '--requests-per-2s', '4'], { [PROGRESS_INTERVAL_ENV]: '1' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = parseAll(result.stdout);

    const finished = lines.filter((line) => line.event === 'stream_finished');
    for (const line of finished) {
      for (const key of COUNTS) expect(typeof line[key], `${String(line['stream'])}.${key}`).toBe('number');
    }
    // The field tables are streams like the others.
    const fields = finished.find((line) => line['stream'] === 'deal_fields');
    expect(fields).toMatchObject({ inserted: expect.any(Number), requests: 1 });
    expect(Number(fields?.['records'])).toBeGreaterThan(10);
    expect(finished.map((line) => line['stream'])).toEqual(expect.arrayContaining(['person_fields', 'lead_fields', 'deals', 'stages']));

    // run_finished: the totals of the streams' counts, and the run's requests and tokens.
    const run = lines.at(-1) as Line;
    expect(run.event).toBe('run_finished');
    for (const key of ['records', 'inserted', 'updated', 'unchanged', 'deleted'] as const) {
      expect(run[key], key).toBe(finished.reduce((sum, line) => sum + Number(line[key]), 0));
    }
    expect(Number(run['requests'])).toBeGreaterThanOrEqual(finished.reduce((sum, line) => sum + Number(line['requests']), 0));
    expect(Number(run['tokens'])).toBeGreaterThan(0);

    // Without a terminal, progress comes as lines of its own.
    const progress = lines.filter((line) => line.event === 'stream_progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line['stream'], JSON.stringify(line)).toEqual(expect.any(String));
    expect(progress.some((line) => typeof line['records'] === 'number' && line['records'] > 0)).toBe(true);
  }, 300_000);

  it('--debug gives the stack as a JSON key, every line still JSON', async () => {
    const result = await cli(['state', 'show', '--schema', 'never_loaded', '--debug']);
    expect(result.code).toBe(2);
    const lines = parseAll(result.stdout);
    expect(lines.find((line) => line.event === 'failed')).toMatchObject({ level: 'error', error: 'ConfigurationError' });
    const stack = lines.find((line) => line.event === 'stack_trace');
    expect(stack?.['stack']).toMatch(/^ConfigurationError: [^\n]+\n\s+at /);
  }, 120_000);
});
