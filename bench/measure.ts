/**
 * Running the loader and the reference as child processes, and summing up their runs: one JSON
 * line each at exit (bench/child.mjs, bench/reference-child.mjs), and the figures the scenarios
 * print (rows/s, own CPU per row, peak RSS, min/median/max over alternating runs).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface RunResult {
  readonly exitCode?: number;
  readonly seconds: number;
  /** The process's own CPU time (user + system), steadier than wall time on a busy machine. */
  readonly cpuSeconds: number;
  /** The main (JavaScript) thread's share of cpuSeconds, where /proc tells it (main-thread-cpu.mjs). */
  readonly mainThreadCpuSeconds?: number;
  readonly peakRssMb: number;
  /** Reference only: rows it wrote, and its PostgreSQL backend's CPU. */
  readonly rows?: number;
  readonly dbCpuSeconds?: number;
}

export interface LoaderResult extends RunResult {
  readonly exitCode: number;
}

/** Extra Node flags for the loader child, e.g. BENCH_LOADER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const loaderNodeArgs = (process.env.BENCH_LOADER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
/** The same for the reference child, so both sides of a ratio can be profiled in one run. */
const referenceNodeArgs = (process.env.BENCH_REFERENCE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

export function runChild<T extends RunResult>(script: string, args: readonly string[], options: { cwd?: string; env?: Readonly<Record<string, string>>; nodeArgs?: readonly string[] }): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(import.meta.dirname, script), ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as T);
      } catch {
        reject(new Error(`${script} exited ${code} without a result: ${out.slice(-2000)}`));
      }
    });
  });
}

/**
 * Runs the loader in `dir` (where its DuckDB file lives, so later runs there are incremental).
 * HOME is the folder, so only a profiles.yml the scenario wrote there is found. `script` is the
 * child to run (cloud-child.mjs for the cloud fakes), `env` what it adds.
 */
export function runLoader(dir: string, args: readonly string[], token: string, script = 'child.mjs', env: Readonly<Record<string, string>> = {}): Promise<LoaderResult> {
  return runChild<LoaderResult>(script, args, { cwd: dir, env: { ...env, PIPEDRIVE_API_TOKEN: token, HOME: dir }, nodeArgs: loaderNodeArgs });
}

export interface ReferenceOptions {
  readonly sandboxUrl: string;
  readonly token: string;
  readonly target: 'pg' | 'duckdb';
  readonly pgUrl?: string;
  readonly duckdbPath?: string;
  readonly loaderDuckdbPath?: string;
  /** DuckDB's memory_limit for the reference; the loader's default when absent. */
  readonly memoryLimit?: string;
  readonly loaderSchema: string;
  readonly schema: string;
  readonly since?: string;
}

export function runReference(options: ReferenceOptions): Promise<RunResult> {
  return runChild<RunResult>('reference-child.mjs', [JSON.stringify(options)], { nodeArgs: referenceNodeArgs });
}

export const perRow = (seconds: number | undefined, rows: number): string =>
  seconds === undefined || rows === 0 ? 'n/a' : `${Math.round((seconds * 1e6) / rows)} µs`;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** "min / median / max" of some runs' figure, formatted. */
export function spread(values: readonly number[], format: (value: number) => string): string {
  if (values.length === 0) return 'n/a';
  return `${format(Math.min(...values))} / ${format(median(values))} / ${format(Math.max(...values))}`;
}

export const integer = (value: number): string => Math.round(value).toLocaleString('en-US');

/** The machine's load while measuring: what makes these figures noisy. */
export async function loadAverage(): Promise<string> {
  const { loadavg } = await import('node:os');
  return loadavg().map((value) => value.toFixed(1)).join(' ');
}
