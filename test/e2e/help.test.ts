/**
 * Help as people expect it: -h/--help and -v/--version everywhere; every command's help has
 * examples and names PIPEDRIVE_API_TOKEN, and lists only the options that mean something to it;
 * `sandbox --port` on a busy port is a configuration error (exit 2), not a crash.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, ROOT } from '../helpers/cli.js';

// Several CLI processes at once: on a busy 2-core machine each may take seconds to start.
const MANY = 240_000;

let dir: string;

function cli(args: readonly string[], cwd = dir) {
  return spawnCli(args, { cwd, env: { HOME: cwd, DBT_PROFILES_DIR: undefined, PIPEDRIVE_API_TOKEN: undefined } });
}

/** The example lines of a help text: those under "Examples:" that start with the program name. */
function examples(help: string): string[] {
  const section = help.split('\nExamples:\n')[1] ?? '';
  return section.split('\n').filter((line) => line.trimStart().startsWith('pipedrive-loader '));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdl-help-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('help and version', () => {
  it('-v and --version print the package version; -h and --help the commands, examples and the token variable', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const [short, long, h, help] = await Promise.all([cli(['-v']), cli(['--version']), cli(['-h']), cli(['--help'])]);
    for (const result of [short, long]) {
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(version);
    }
    for (const result of [h, help]) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/-h, --help/);
      expect(result.stdout).toMatch(/-v, --version/);
      for (const command of ['check', 'load', 'plan', 'state', 'dbt-sources', 'dbt-models', 'init-ci', 'sandbox']) {
        expect(result.stdout).toContain(`pipedrive-loader ${command}`);
      }
      expect(examples(result.stdout).length).toBeGreaterThanOrEqual(2);
      expect(result.stdout).toContain('PIPEDRIVE_API_TOKEN');
    }
  }, MANY);

  it('every command has 2–3 examples and says whether it reads PIPEDRIVE_API_TOKEN', async () => {
    const paths = [['check'], ['load'], ['plan'], ['state', 'show'], ['state', 'reset'], ['dbt-sources'], ['dbt-models'], ['init-ci'], ['sandbox']];
    const results = await Promise.all(paths.map((path) => cli([...path, '-h'])));
    results.forEach((result, index) => {
      const path = (paths[index] ?? []).join(' ');
      expect(result.code, path).toBe(0);
      const lines = examples(result.stdout);
      expect(lines.length, `${path}: ${result.stdout}`).toBeGreaterThanOrEqual(2);
      expect(lines.length, path).toBeLessThanOrEqual(3);
      for (const line of lines) expect(line.trimStart().startsWith(`pipedrive-loader ${path} `), line).toBe(true);
      expect(result.stdout, path).toContain('PIPEDRIVE_API_TOKEN');
    });
  }, MANY);

  it('lists only the options that mean something: no Pipedrive-side flags for state and dbt-sources', async () => {
    const [load, show, sources] = await Promise.all([cli(['load', '--help']), cli(['state', 'show', '--help']), cli(['dbt-sources', '--help'])]);
    for (const flag of ['--sandbox-deals', '--requests-per-2s', '--pipedrive-plan', '--pipedrive-url']) {
      expect(load.stdout).toContain(flag);
      expect(show.stdout).not.toContain(flag);
      expect(sources.stdout).not.toContain(flag);
    }
    // What still matters to them is listed.
    for (const flag of ['--integration', '--schema', '--target', '--sandbox', '--log-format']) {
      expect(show.stdout).toContain(flag);
      expect(sources.stdout).toContain(flag);
    }
  }, MANY);

  it('a hidden option is still accepted where a script passes it to every command', async () => {
    const result = await cli(['state', 'show', '--sandbox', '--pipedrive-url', 'http://127.0.0.1:9']);
    // It gets as far as the warehouse, which holds nothing yet: not an unknown-flag error.
    expect(result.stderr).not.toContain('Unknown argument');
    expect(result.stderr).toContain('holds no loader state');
  });

  it('--help runs nothing: no DuckDB file appears', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pdl-help-empty-'));
    try {
      const result = await cli(['load', '--sandbox', '--help'], empty);
      expect(result.code).toBe(0);
      expect(existsSync(join(empty, 'pipedrive.duckdb'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('sandbox --port', () => {
  let busy: Server;
  let port: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const address = busy.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
  });

  it('on a busy port exits 2 with one clear line', async () => {
    const result = await cli(['sandbox', '--port', String(port), '--deals', '10']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `Error: Port ${port} on 127.0.0.1 is already in use: pick another with --port, or --port 0 for a free one.`,
    );
  });

  it('out of range exits 2', async () => {
    const result = await cli(['sandbox', '--port', '70000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port must be a whole number from 0 to 65535');
  });
});
