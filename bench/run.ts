/**
 * `npm run bench`: measured figures, printed, never asserted (bench/README.md). The loader runs in
 * a child process (bench/child.mjs) so its peak RSS and CPU are its own; the sandbox runs in a
 * process of its own too (bench/sandbox-child.mjs), except in `extract` and `cloud-cost`.
 *
 *   postgres-100k, duckdb-100k     first load of 100,000 deals (40 custom fields): the loader and the
 *   postgres-1m, duckdb-1m         minimal reference (bench/reference-child.mjs) alternately, rows/s,
 *                                  CPU per row, peak RSS, the ratio, EXCEPT ALL both ways (compare.ts)
 *   incremental-postgres,          1% of 100,000 deals changed, the same comparison
 *   incremental-duckdb
 *   no-change-postgres,            every stream with nothing changed: wall, CPU, requests, tokens
 *   no-change-duckdb
 *   api-paced                      Pipedrive's page latency and burst limits, one, two and four cursors (api-paced.ts)
 *   api-paced-read                 the same for reading the activities alone, in this process
 *   extract                        requests and tokens for a 10,000-deal sandbox next to the minimum possible
 *   duckdb-floor                   DuckDB alone: peak RSS for 100k and 1M wide rows at each memory_limit (duckdb-floor.ts)
 *   duckdb-wide                    500 deal custom fields (1,034 columns) into the default DuckDB file (wide.ts)
 *   cloud-cost                     jobs/statements, bytes staged, RSS and time into the BigQuery and
 *                                  Snowflake fakes (bench/cloud.ts)
 *
 * BENCH_SCENARIOS=a,b selects scenarios (default: all but the 1m ones, duckdb-floor and duckdb-wide, which take long).
 * BENCH_RUNS sets the alternating runs (default 3). BENCH_LOADER_NODE_ARGS passes Node flags to the
 * loader child (profiling: '--cpu-prof'), BENCH_REFERENCE_NODE_ARGS the same to the reference child.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxEntity } from '../src/sandbox/index.js';
import { describeWarmUp, warmDeals } from './warm.js';
import { minimum } from './minimum.js';
import { bigqueryCost, snowflakeCost } from './cloud.js';
import { firstLoadScenario, incrementalScenario } from './compare.js';
import { noChangeScenario } from './no-change.js';
import { apiPacedReadScenario, apiPacedScenario } from './api-paced.js';
import { duckdbFloorScenario } from './duckdb-floor.js';
import { duckdbWideScenario } from './wide.js';
import { loadAverage, runLoader } from './measure.js';

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

/** BENCH_DEALS shrinks the 100k scenarios for a quick try (their names keep saying 100k). */
const HUNDRED_K = Number(process.env.BENCH_DEALS ?? 100_000);
const scenarios: Record<string, (dir: string) => Promise<void>> = {
  'postgres-100k': (dir) => firstLoadScenario(dir, 'pg', HUNDRED_K),
  'duckdb-100k': (dir) => firstLoadScenario(dir, 'duckdb', HUNDRED_K),
  'postgres-1m': (dir) => firstLoadScenario(dir, 'pg', 1_000_000),
  'duckdb-1m': (dir) => firstLoadScenario(dir, 'duckdb', 1_000_000),
  'incremental-postgres': (dir) => incrementalScenario(dir, 'pg', HUNDRED_K),
  'incremental-duckdb': (dir) => incrementalScenario(dir, 'duckdb', HUNDRED_K),
  'no-change-postgres': (dir) => noChangeScenario(dir, 'pg'),
  'no-change-duckdb': (dir) => noChangeScenario(dir, 'duckdb'),
  'api-paced': apiPacedScenario,
  'api-paced-read': apiPacedReadScenario,
  extract: extractScenario,
  'cloud-cost': (dir) => cloudCostScenario(dir, Number(process.env.BENCH_CLOUD_DEALS ?? 100_000)),
  'duckdb-floor': duckdbFloorScenario,
  'duckdb-wide': duckdbWideScenario,
  'history-100k': async (dir) => (await import('./history.js')).historyScenario(dir, Number(process.env.BENCH_HISTORY_DEALS ?? 100_000)),
};
/** Opt-in: a million wide deals take many minutes a run. */
const OPT_IN = new Set(['postgres-1m', 'duckdb-1m', 'duckdb-floor', 'duckdb-wide']);
const selected = (process.env.BENCH_SCENARIOS ?? Object.keys(scenarios).filter((name) => !OPT_IN.has(name)).join(',')).split(',');
console.log(`# pipedrive-loader bench (${new Date().toISOString()}, node ${process.version}, load average ${await loadAverage()})`);
for (const name of selected) {
  const scenario = scenarios[name.trim()];
  if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  await withDir(scenario);
}
