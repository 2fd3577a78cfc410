/**
 * The README's main command as written: not `npx pipedrive-loader` (which, in a clone, re-installs
 * the package into npm's cache for half a minute and, in between the user and the loader, turned
 * Ctrl-C on `--every` into exit 130), but the built launcher itself, whose exit codes are the
 * loader's own. And no instruction to install the unpublished package from the registry by name.
 *
 * The launcher runs dist/, which `npm install` builds (the `prepare` script), as .ci/run does.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** "npm install pipedrive-loader", "npm i -D pipedrive-loader" …: by name, from the registry. */
const INSTALL_BY_NAME = /npm (install|i)( --save-dev| -D)? pipedrive-loader(?![-\w./])/;

function twoCommands(): string[] {
  const section = README.split('\n## The two commands\n')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/```sh\n([^`]+?)\n```/g)].map((match) => (match[1] ?? '').trim());
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdl-readme-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the README's two commands", () => {
  it('the main command runs the launcher npm links as the bin, not npx', () => {
    const [test, main] = twoCommands();
    expect(test).toBe('npm install && npm test');
    expect(main).toBe('node bin/pipedrive-loader.js load --sandbox');
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(manifest.bin['pipedrive-loader']).toBe('bin/pipedrive-loader.js');
  });

  it('never tells users to install the unpublished package by name', () => {
    expect(README).not.toMatch(INSTALL_BY_NAME);
  });

  it('through the main command, Ctrl-C on load --every exits 0 as documented', async () => {
    expect(existsSync(join(ROOT, 'dist', 'src', 'cli', 'run.js')), 'dist/ is missing: run npm install (or npm run build)').toBe(true);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, NO_COLOR: '1' };
    delete env['DBT_PROFILES_DIR'];
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'pipedrive-loader.js'), 'load', '--sandbox', '--sandbox-deals', '10', '--every', '1m', '--every-minimum', '1s'],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The signal goes once the loop has announced itself: its handlers are installed by then.
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Loading every')) resolve();
      });
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(0);
    expect(stdout).toMatch(/Stopped after \d+ run\(s\)\./);
  }, 240_000);
});
