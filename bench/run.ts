/**
 * `npm run bench`: measured figures, printed, never asserted. Loopback only: the sandbox runs in
 * this process, the loader in a child process (bench/child.mjs) so its peak RSS is its own.
 *
 *   extract  requests and tokens to load a 10,000-deal sandbox with its related entities, next to
 *            the minimum possible (pages × cost per page for every stream)
 *   duckdb   end-to-end rows/s into DuckDB for 100,000 deals with 40 custom fields, and peak RSS
 *            for 100,000 and 1,000,000 deals
 *   postgres end-to-end rows/s into PostgreSQL for 100,000 deals next to a bare COPY of the same
 *            rows, their ratio, the reading floor (bench/read-child.mjs) and peak RSS (bench/postgres.ts)
 *   cloud-cost jobs/statements by kind, bytes staged, peak RSS and time for 100,000 deals loaded
 *            into the recording fakes of BigQuery and Snowflake (bench/cloud.ts)
 *
 * BENCH_SCENARIOS=extract,duckdb-100k,duckdb-1m,postgres-100k,cloud-cost selects scenarios (default: all).
 * The 100k scenarios warm the sandbox first (bench/warm.ts) and print what that cost.
 * BENCH_LOADER_NODE_ARGS passes Node flags to the loader child (profiling: '--cpu-prof').
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxEntity } from '../src/sandbox/index.js';
import { bareCopyRate, createBenchDatabase, watchBackendCpu, writePostgresProfile } from './postgres.js';
import { describeWarmUp, warmDeals } from './warm.js';
import { minimum } from './minimum.js';
import { bigqueryCost, snowflakeCost } from './cloud.js';

interface ChildResult {
  readonly exitCode: number;
  readonly seconds: number;
  /** The loader process's own CPU time (user + system), steadier than wall time on a busy machine. */
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

/** Extra Node flags for the loader child, e.g. BENCH_LOADER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const loaderNodeArgs = (process.env.BENCH_LOADER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

/**
 * Runs the loader in `dir` (where its DuckDB file lives, so later runs there are incremental).
 * `script` is the child to run (cloud-child.mjs for the cloud fakes), `env` what it adds.
 */
function runLoader(dir: string, args: readonly string[], token: string, script = 'child.mjs', env: Readonly<Record<string, string>> = {}): Promise<ChildResult> {
  // HOME is the scenario's folder, so only a profiles.yml the scenario wrote there is found.
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...loaderNodeArgs, join(import.meta.dirname, script), ...args], {
      cwd: dir,
      env: { ...process.env, ...env, PIPEDRIVE_API_TOKEN: token, HOME: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildResult);
      } catch {
        reject(new Error(`loader child printed no result: ${out}`));
      }
    });
  });
}

interface ReadResult {
  readonly records: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/** Reads every deal page and nothing more, in a child process like the loader (bench/read-child.mjs). */
function readOnly(sandbox: Sandbox): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'read-child.mjs'), sandbox.url], {
      env: { ...process.env, PIPEDRIVE_API_TOKEN: sandbox.adminToken },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim()) as ReadResult);
      } catch {
        reject(new Error(`read child exited ${code} without a result: ${out}`));
      }
    });
  });
}

async function count(sandbox: Sandbox, entity: SandboxEntity, filter?: (r: Record<string, unknown>) => boolean): Promise<number> {
  let n = 0;
  for await (const record of sandbox.records(entity)) if (!filter || filter(record)) n += 1;
  return n;
}

const loaderArgs = (sandbox: Sandbox, extra: readonly string[]): string[] => [
  'load', '--schema', 'bench', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', ...extra,
];

async function withDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pdl-bench-'));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function extractScenario(dir: string): Promise<void> {
  const sandbox = await startSandbox({ seed: 42, deals: 10_000 });
  try {
    const floor = await minimum(sandbox);
    sandbox.stats.reset();
    const result = await runLoader(dir, loaderArgs(sandbox, []), sandbox.adminToken);
    const spent = sandbox.stats.snapshot();
    console.log('\n## extract: 10,000-deal sandbox with related entities (first full run)');
    console.log(floor.rows.join('\n'));
    console.log(`  minimum possible: ${floor.requests} requests, ${floor.tokens} tokens`);
    console.log(`  spent:            ${spent.requests} requests, ${spent.tokens} tokens` +
      `  (${(spent.tokens / floor.tokens).toFixed(3)} × minimum), exit ${result.exitCode}, ${result.seconds.toFixed(1)} s`);
    sandbox.stats.reset();
    await runLoader(dir, loaderArgs(sandbox, []), sandbox.adminToken);
    const again = sandbox.stats.snapshot();
    console.log(`  incremental run, nothing changed: ${again.requests} requests, ${again.tokens} tokens ` +
      '(one page per incremental or newest-first stream, no deal products; field metadata and full streams every run; ' +
      'projects, archived projects and tasks not asked again for a day after their 403)');
    // 1% of the deals change: one more deals page at most, and one deal-products request per 100 of them.
    sandbox.clock.advance(600);
    let changed = 0;
    for await (const deal of sandbox.records('deals')) {
      if (changed === 100) break;
      if (deal.is_deleted === true) continue;
      sandbox.mutate.update('deals', Number(deal.id), { title: `Changed ${String(deal.id)}` });
      changed += 1;
    }
    sandbox.stats.reset();
    await runLoader(dir, loaderArgs(sandbox, []), sandbox.adminToken);
    const onePercent = sandbox.stats.snapshot();
    console.log(`  incremental run, 1% of the deals changed (${changed}): ${onePercent.requests} requests, ${onePercent.tokens} tokens ` +
      `(${onePercent.tokens - again.tokens} tokens more than with nothing changed)`);
  } finally {
    await sandbox.close();
  }
}

/** `warm`: pre-serialize the deals first (bench/warm.ts); a million wide deals exceed the sandbox's cache, so not there. */
async function duckdbScenario(dir: string, deals: number, warm: boolean): Promise<void> {
  const sandbox = await startSandbox({ seed: 42, deals, dealCustomFields: 40 });
  try {
    const rows = await count(sandbox, 'deals');
    const warmUp = warm ? await warmDeals(sandbox) : undefined;
    const result = await runLoader(dir, loaderArgs(sandbox, ['--streams', 'deals']), sandbox.adminToken);
    console.log(`\n## duckdb: ${deals.toLocaleString('en-US')} deals, 40 custom fields, --streams deals`);
    console.log(`  ${warmUp ? describeWarmUp(warmUp) : 'sandbox cold: wall time includes its page generation'}`);
    console.log(`  ${rows.toLocaleString('en-US')} rows in ${result.seconds.toFixed(1)} s = ` +
      `${Math.round(rows / result.seconds).toLocaleString('en-US')} rows/s end to end (HTTP + shaping + DuckDB), ` +
      `peak RSS ${result.peakRssMb.toFixed(0)} MB, exit ${result.exitCode}`);
    console.log(`  loader CPU: ${result.cpuSeconds.toFixed(1)} s = ${Math.round(rows / result.cpuSeconds).toLocaleString('en-US')} rows per CPU-second ` +
      '(the sandbox runs in the bench process, so wall time also carries its serving)');
  } finally {
    await sandbox.close();
  }
}

const perRow = (seconds: number | undefined, rows: number): string =>
  seconds === undefined ? 'n/a' : `${Math.round((seconds * 1e6) / rows)} µs`;

async function postgresScenario(dir: string, deals: number): Promise<void> {
  const db = await createBenchDatabase().catch((error: unknown) => {
    console.log(`\n## postgres: skipped, no PostgreSQL to create a bench database in (${String(error)}); set BENCH_DATABASE_URL`);
    return undefined;
  });
  if (!db) return;
  const sandbox = await startSandbox({ seed: 42, deals, dealCustomFields: 40 });
  try {
    writePostgresProfile(dir, db.settings);
    const rows = await count(sandbox, 'deals');
    const warm = await warmDeals(sandbox);
    const server = await watchBackendCpu(db.adminUrl, db.name);
    const sandboxCpu = process.cpuUsage();
    const result = await runLoader(dir, loaderArgs(sandbox, ['--streams', 'deals', '--target', 'pg']), sandbox.adminToken);
    const sandboxUsage = process.cpuUsage(sandboxCpu);
    const sandboxSeconds = (sandboxUsage.user + sandboxUsage.system) / 1e6;
    const serverSeconds = await server.stop();
    const bare = await bareCopyRate(db.url, 'bench', 'deals');
    const reading = await readOnly(sandbox);
    const endToEnd = rows / result.seconds;
    const copyRate = bare.rows / bare.seconds;
    console.log(`\n## postgres: ${deals.toLocaleString('en-US')} deals, 40 custom fields, --streams deals`);
    console.log(`  ${describeWarmUp(warm)}`);
    console.log(`  end to end:  ${Math.round(endToEnd).toLocaleString('en-US')} rows/s (${rows.toLocaleString('en-US')} rows in ${result.seconds.toFixed(1)} s, exit ${result.exitCode})`);
    console.log(`  bare COPY:   ${Math.round(copyRate).toLocaleString('en-US')} rows/s (the same ${bare.rows.toLocaleString('en-US')} rows into an identical table with its primary key; ` +
      `PostgreSQL CPU ${perRow(bare.serverCpuSeconds, bare.rows)} per row)`);
    console.log(`  ratio:       ${(endToEnd / copyRate).toFixed(3)} (target ≥ 0.5)`);
    const readRate = reading.records / reading.seconds;
    console.log(`  reading alone: ${Math.round(readRate).toLocaleString('en-US')} rows/s (fetch, decode and JSON.parse of the same pages, nothing shaped or written; ` +
      `${perRow(reading.cpuSeconds, reading.records)} of CPU per row): a loader reading through this client cannot exceed ratio ${(readRate / copyRate).toFixed(3)} here`);
    console.log(`  peak RSS:    ${result.peakRssMb.toFixed(0)} MB (target < 300 MB)`);
    console.log(`  CPU per row during the load: loader ${perRow(result.cpuSeconds, rows)}, PostgreSQL ${perRow(serverSeconds, rows)}, ` +
      `sandbox ${perRow(sandboxSeconds, rows)} (this process, serving from its cache)`);
    if (serverSeconds !== undefined) {
      // What the same work could reach on this machine's cores if it were spread perfectly: a bound, not a measurement.
      const cores = availableParallelism();
      const bound = rows / ((result.cpuSeconds + serverSeconds + sandboxSeconds) / cores);
      console.log(`  CPU bound:   ${Math.round(bound).toLocaleString('en-US')} rows/s if the three shared all ${cores} cores perfectly ` +
        `(ratio ${(bound / copyRate).toFixed(3)}); the loader's JavaScript runs on one thread, so its own CPU caps it near ` +
        `${Math.round(rows / result.cpuSeconds).toLocaleString('en-US')} rows/s`);
    }
  } finally {
    await sandbox.close();
    await db.dispose();
  }
}

/** 100,000 deals into the BigQuery and Snowflake fakes, each in its own folder (its own profiles.yml). */
async function cloudCostScenario(dir: string, deals: number): Promise<void> {
  const sandbox = await startSandbox({ seed: 42, deals, dealCustomFields: 40 });
  try {
    const rows = await count(sandbox, 'deals');
    console.log(`\n## cloud-cost: ${describeWarmUp(await warmDeals(sandbox))}`);
    for (const [name, measure] of [['bq', bigqueryCost], ['sf', snowflakeCost]] as const) {
      const home = join(dir, name);
      mkdirSync(home);
      await measure(home, rows, (where, env) =>
        runLoader(where, loaderArgs(sandbox, ['--streams', 'deals', '--target', name]), sandbox.adminToken, 'cloud-child.mjs', env));
    }
  } finally {
    await sandbox.close();
  }
}

const scenarios: Record<string, (dir: string) => Promise<void>> = {
  'postgres-100k': (dir) => postgresScenario(dir, 100_000),
  extract: extractScenario,
  'duckdb-100k': (dir) => duckdbScenario(dir, 100_000, true),
  'duckdb-1m': (dir) => duckdbScenario(dir, 1_000_000, false),
  'cloud-cost': (dir) => cloudCostScenario(dir, Number(process.env.BENCH_CLOUD_DEALS ?? 100_000)),
  'history-100k': async (dir) => (await import('./history.js')).historyScenario(dir, Number(process.env.BENCH_HISTORY_DEALS ?? 100_000)),
};
const selected = (process.env.BENCH_SCENARIOS ?? Object.keys(scenarios).join(',')).split(',');
console.log(`# pipedrive-loader bench (${new Date().toISOString()}, node ${process.version})`);
for (const name of selected) {
  const scenario = scenarios[name.trim()];
  if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  await withDir(scenario);
}
