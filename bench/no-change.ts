/**
 * A run with nothing changed, of every stream, on the default sandbox (1,000 deals): what a
 * scheduled run costs when nothing happened. After one first load (not timed), each run is timed:
 * wall time, the loader's CPU, peak RSS, requests and tokens.
 */
import { integer, loadAverage, runLoader, spread } from './measure.js';
import { RUNS } from './compare.js';
import { startRemoteSandbox } from './remote-sandbox.js';
import { LOADER_SCHEMA, duckdbTarget, postgresTarget } from './targets.js';

export async function noChangeScenario(dir: string, targetName: 'pg' | 'duckdb'): Promise<void> {
  console.log(`\n## ${targetName === 'pg' ? 'postgres' : 'duckdb'}: a run of every stream with nothing changed, default sandbox (load average ${await loadAverage()})`);
  const target = targetName === 'pg' ? await postgresTarget(dir) : duckdbTarget(dir);
  if (!target) return;
  const sandbox = await startRemoteSandbox({ seed: 42 });
  try {
    const args = ['load', '--schema', LOADER_SCHEMA, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', ...target.loaderArgs];
    const first = await runLoader(dir, args, sandbox.adminToken);
    console.log(`  first load (not timed): ${first.seconds.toFixed(1)} s, exit ${first.exitCode}`);
    const runs = [];
    for (let run = 1; run <= RUNS; run++) {
      await sandbox.resetStats();
      const result = await runLoader(dir, args, sandbox.adminToken);
      const spent = await sandbox.stats();
      runs.push({ ...result, ...spent });
      console.log(`  run ${run}: ${result.seconds.toFixed(2)} s wall, ${result.cpuSeconds.toFixed(2)} s CPU, peak RSS ${result.peakRssMb.toFixed(0)} MB, ` +
        `${spent.requests} requests, ${spent.tokens} tokens, exit ${result.exitCode}`);
    }
    const seconds = (v: number) => `${v.toFixed(2)} s`;
    console.log(`  min / median / max: wall ${spread(runs.map((r) => r.seconds), seconds)} (target < 5 s), CPU ${spread(runs.map((r) => r.cpuSeconds), seconds)} (target ~1 s), ` +
      `tokens ${spread(runs.map((r) => r.tokens), integer)}`);
  } finally {
    await sandbox.close();
    await target.dispose();
  }
}
