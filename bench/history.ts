/**
 * `history-100k` (registered in bench/run.ts): what history mode costs. 100,000 deals (or
 * BENCH_HISTORY_DEALS, for a quick figure on a busy machine) with 40
 * custom fields loaded into DuckDB with and without `--history deals`, twice each, alternating
 * (the machine is shared: alternating spreads its noise over both), each into a fresh file; then
 * an incremental run with 1% of the deals changed, with history. Prints rows/s, the loader's CPU
 * per row and its peak RSS. Measured, never asserted.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { describeWarmUp, warmDeals } from './warm.js';

interface Measured {
  readonly exitCode: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

/** The loader through bench/child.mjs, as bench/run.ts runs it. */
function load(dir: string, sandbox: Sandbox, extra: readonly string[]): Promise<Measured> {
  const args = ['load', '--schema', 'bench', '--streams', 'deals', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', ...extra];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'child.mjs'), ...args], {
      cwd: dir,
      env: { ...process.env, PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as Measured);
      } catch {
        reject(new Error(`loader child printed no result: ${out.slice(-2000)}`));
      }
    });
  });
}

const line = (label: string, rows: number, m: Measured): string =>
  `  ${label}: ${Math.round(rows / m.seconds).toLocaleString('en-US')} rows/s (${m.seconds.toFixed(1)} s), ` +
  `loader CPU ${Math.round((m.cpuSeconds * 1e6) / rows)} µs per row, peak RSS ${m.peakRssMb.toFixed(0)} MB, exit ${m.exitCode}`;

export async function historyScenario(dir: string, deals: number): Promise<void> {
  const sandbox = await startSandbox({ seed: 42, deals, dealCustomFields: 40 });
  try {
    let rows = 0;
    for await (const _ of sandbox.records('deals')) rows += 1;
    console.log(`\n## history: ${deals.toLocaleString('en-US')} deals, 40 custom fields, --streams deals into DuckDB, with and without --history deals`);
    console.log(`  ${describeWarmUp(await warmDeals(sandbox))}`);
    const runs: { readonly history: boolean; readonly result: Measured }[] = [];
    for (const [index, history] of [false, true, false, true].entries()) {
      const where = join(dir, `run-${index}`);
      mkdirSync(where);
      const result = await load(where, sandbox, history ? ['--history', 'deals'] : []);
      runs.push({ history, result });
      console.log(line(`${history ? 'with history   ' : 'without history'} (run ${index + 1})`, rows, result));
    }
    const mean = (history: boolean, pick: (m: Measured) => number): number => {
      const chosen = runs.filter((run) => run.history === history).map((run) => pick(run.result));
      return chosen.reduce((sum, value) => sum + value, 0) / chosen.length;
    };
    const cpuRatio = mean(true, (m) => m.cpuSeconds) / mean(false, (m) => m.cpuSeconds);
    const wallRatio = mean(true, (m) => m.seconds) / mean(false, (m) => m.seconds);
    console.log(`  history costs ×${wallRatio.toFixed(2)} wall time and ×${cpuRatio.toFixed(2)} loader CPU on the first load ` +
      `(DuckDB runs inside the loader process: its work on the history table is in both figures)`);
    // 1% of the deals change; the last run's folder (with history) loads them incrementally.
    sandbox.clock.advance(600);
    let changed = 0;
    for await (const deal of sandbox.records('deals')) {
      if (changed === deals / 100) break;
      if (deal.is_deleted === true) continue;
      sandbox.mutate.update('deals', Number(deal.id), { title: `Changed ${String(deal.id)}` });
      changed += 1;
    }
    const incremental = await load(join(dir, 'run-3'), sandbox, ['--history', 'deals']);
    console.log(`  incremental, ${changed.toLocaleString('en-US')} deals changed, with history: ${incremental.seconds.toFixed(1)} s, ` +
      `loader CPU ${incremental.cpuSeconds.toFixed(1)} s, peak RSS ${incremental.peakRssMb.toFixed(0)} MB, exit ${incremental.exitCode}`);
  } finally {
    await sandbox.close();
  }
}
