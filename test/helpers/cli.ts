/**
 * Runs the real CLI in a child process (through tsx, so tests need no prior build), the way a
 * user or CI runs it: separate process, real environment variables, real exit codes and signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export { ROOT };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));
// An absolute loader URL, so the child may run in any working directory (e.g. a temp dir).
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** Called with the child as soon as it is spawned (e.g. to kill it mid-run). */
  readonly onSpawn?: (child: ChildProcess, output: { stdout: () => string; stderr: () => string }) => void;
}

export function spawnCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(child, { stdout: () => stdout, stderr: () => stderr });
  });
}

/**
 * The load id a run logged in its `run_started` line (`--log-format json`). Pick a run's record by
 * it: `_loader_runs.started_at` has whole seconds, so two runs can start in the same second and
 * "the latest" is then either of them.
 */
export function loadIdOf(result: CliResult): string {
  const line = result.stdout.split('\n').find((text) => text.includes('"event":"run_started"'));
  const loadId: unknown = line === undefined ? undefined : (JSON.parse(line) as { load_id?: unknown }).load_id;
  if (typeof loadId !== 'string') throw new Error(`no run_started line with a load_id in the run's output: ${result.stdout.slice(0, 500)}`);
  return loadId;
}
