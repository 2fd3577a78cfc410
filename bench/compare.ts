/**
 * The loader against the minimal reference (bench/reference-child.mjs), alternately within one
 * invocation, on the same sandbox pages (served by a process of their own) into the same table:
 * rows/s, each process's own CPU per row, peak RSS (VmHWM), the loader ÷ reference ratio of CPU
 * per row, and beside them the sandbox's and the database's CPU per row. Then `EXCEPT ALL` both
 * ways between the two tables.
 *
 * - first load: N deals with 40 custom fields, `--streams deals`, each run into a fresh target;
 * - incremental: after one first load of each, 1% of the deals change; every run starts from
 *   that same state (restored from a snapshot) and reads the changes since the first load's bookmark.
 */
import { startRemoteSandbox, type RemoteSandbox } from './remote-sandbox.js';
import { integer, loadAverage, perRow, runLoader, runReference, spread, type RunResult } from './measure.js';
import { duckdbTarget, LOADER_SCHEMA, postgresTarget, REFERENCE_SCHEMA, type BenchTarget } from './targets.js';
import { describeWarmUp, warmDeals } from './warm.js';

/** Alternating runs of each side (BENCH_RUNS, default 3). */
export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

interface Side {
  readonly rows: number;
  readonly run: RunResult;
  readonly sandboxSeconds: number | undefined;
  readonly serverSeconds: number | undefined;
}

async function measured(sandbox: RemoteSandbox, target: BenchTarget, work: () => Promise<RunResult>): Promise<{ run: RunResult; sandboxSeconds: number | undefined; serverSeconds: number | undefined }> {
  const before = sandbox.cpuSeconds();
  const { result: run, seconds } = await target.serverCpu(work);
  const after = sandbox.cpuSeconds();
  return { run, sandboxSeconds: before === undefined || after === undefined ? undefined : after - before, serverSeconds: run.dbCpuSeconds ?? seconds };
}

function line(label: string, side: Side): string {
  const { rows, run } = side;
  return (
    `  ${label.padEnd(10)} ${integer(rows / run.seconds).padStart(7)} rows/s (${run.seconds.toFixed(1)} s), ` +
    `own CPU ${perRow(run.cpuSeconds, rows).padStart(7)}/row` +
    (run.mainThreadCpuSeconds === undefined ? '' : ` (main thread ${perRow(run.mainThreadCpuSeconds, rows)})`) +
    `, peak RSS ${run.peakRssMb.toFixed(0)} MB; ` +
    `sandbox ${perRow(side.sandboxSeconds, rows)}/row, database ${side.serverSeconds === undefined ? 'in-process' : `${perRow(side.serverSeconds, rows)}/row`}` +
    (run.exitCode !== undefined && run.exitCode !== 0 ? `, EXIT ${run.exitCode}` : '')
  );
}

function summary(loader: readonly Side[], reference: readonly Side[]): void {
  const us = (value: number) => `${Math.round(value)} µs`;
  const cpu = (sides: readonly Side[]) => sides.map((side) => (side.run.cpuSeconds * 1e6) / side.rows);
  const rate = (sides: readonly Side[]) => sides.map((side) => side.rows / side.run.seconds);
  const rss = (sides: readonly Side[]) => sides.map((side) => side.run.peakRssMb);
  const ratios = loader.map((side, index) => {
    const other = reference[index];
    return other === undefined ? Number.NaN : (side.run.cpuSeconds / side.rows) / (other.run.cpuSeconds / other.rows);
  });
  console.log(`  min / median / max over ${loader.length} alternating runs:`);
  console.log(`    loader     ${spread(rate(loader), integer)} rows/s, CPU ${spread(cpu(loader), us)}/row, peak RSS ${spread(rss(loader), (v) => `${v.toFixed(0)} MB`)}`);
  console.log(`    reference  ${spread(rate(reference), integer)} rows/s, CPU ${spread(cpu(reference), us)}/row, peak RSS ${spread(rss(reference), (v) => `${v.toFixed(0)} MB`)}`);
  console.log(`    loader ÷ reference, CPU per row (run by run): ${spread(ratios, (v) => v.toFixed(2))} (target ≤ 1.3)`);
}

async function printDifference(target: BenchTarget): Promise<void> {
  const difference = await target.difference('deals');
  const verdict = difference.loaderOnly === 0 && difference.referenceOnly === 0 ? 'identical' : 'DIFFERENT';
  console.log(
    `  contents: ${verdict}: ${LOADER_SCHEMA}.deals EXCEPT ALL ${REFERENCE_SCHEMA}.deals = ${difference.loaderOnly} rows, ` +
      `the reverse = ${difference.referenceOnly} rows (${difference.columns} columns; _loaded_at and _load_id left out)`,
  );
}

/** `BENCH_LOADER_ARGS`: flags added to the loader's command line in these scenarios (e.g. `--batch-rows 500`), to try a setting side by side with the reference. */
const EXTRA_LOADER_ARGS = (process.env.BENCH_LOADER_ARGS ?? '').split(' ').filter((arg) => arg !== '');

function loaderArgs(sandbox: RemoteSandbox, target: BenchTarget, extra: readonly string[] = []): string[] {
  return ['load', '--schema', LOADER_SCHEMA, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--streams', 'deals', ...target.loaderArgs, ...extra, ...EXTRA_LOADER_ARGS];
}

async function targetFor(name: 'pg' | 'duckdb', dir: string): Promise<BenchTarget | undefined> {
  return name === 'pg' ? postgresTarget(dir) : duckdbTarget(dir);
}

/** `deals` with 40 custom fields, first loads; 100k warms the sandbox's cache first (bench/warm.ts). */
export async function firstLoadScenario(dir: string, targetName: 'pg' | 'duckdb', deals: number): Promise<void> {
  console.log(`\n## ${targetName === 'pg' ? 'postgres' : 'duckdb'}: ${integer(deals)} deals, 40 custom fields, first load, loader vs reference (load average ${await loadAverage()})`);
  const target = await targetFor(targetName, dir);
  if (!target) return;
  const sandbox = await startRemoteSandbox({ seed: 42, deals, dealCustomFields: 40 });
  try {
    // A million wide deals (3.8 GB of JSON) exceed the sandbox's 512 MB cache: served cold, to both alike.
    console.log(`  ${deals <= 200_000 ? describeWarmUp(await warmDeals(sandbox)) : 'sandbox cold (its cache cannot hold them): it generates every page, for both sides alike'}`);
    const loader: Side[] = [];
    const reference: Side[] = [];
    for (let run = 1; run <= RUNS; run++) {
      await target.resetLoader();
      const ours = await measured(sandbox, target, () => runLoader(dir, loaderArgs(sandbox, target), sandbox.adminToken));
      loader.push({ ...ours, rows: await target.count() });
      console.log(line(`loader ${run}`, loader.at(-1) as Side));
      const theirs = await measured(sandbox, target, () =>
        runReference({ ...target.reference, sandboxUrl: sandbox.url, token: sandbox.adminToken, loaderSchema: LOADER_SCHEMA, schema: REFERENCE_SCHEMA }));
      reference.push({ ...theirs, rows: theirs.run.rows ?? 0 });
      console.log(line(`reference ${run}`, reference.at(-1) as Side));
    }
    summary(loader, reference);
    await printDifference(target);
  } finally {
    await sandbox.close();
    await target.dispose();
  }
}

/** 1% of `deals` changed since a first load: each run reads those changes into the same starting state. */
export async function incrementalScenario(dir: string, targetName: 'pg' | 'duckdb', deals: number): Promise<void> {
  console.log(`\n## ${targetName === 'pg' ? 'postgres' : 'duckdb'}: incremental, 1% of ${integer(deals)} deals changed, loader vs reference (load average ${await loadAverage()})`);
  const target = await targetFor(targetName, dir);
  if (!target) return;
  const sandbox = await startRemoteSandbox({ seed: 42, deals, dealCustomFields: 40 });
  try {
    await warmDeals(sandbox);
    const first = await runLoader(dir, loaderArgs(sandbox, target), sandbox.adminToken);
    const bookmark = await target.bookmark('deals');
    if (first.exitCode !== 0 || bookmark === undefined) throw new Error(`the first load failed (exit ${first.exitCode})`);
    await runReference({ ...target.reference, sandboxUrl: sandbox.url, token: sandbox.adminToken, loaderSchema: LOADER_SCHEMA, schema: REFERENCE_SCHEMA });
    await sandbox.advanceClock(600);
    const changed = Math.round(deals / 100);
    // Every 100th deal: spread over the whole id range, as real edits are.
    for (let id = 1; id <= changed; id++) await sandbox.mutate({ op: 'update', entity: 'deals', id: id * 100, patch: { title: `Changed ${id * 100}` } });
    await target.snapshot();
    console.log(`  first load done (bookmark ${bookmark}); ${integer(changed)} deals changed 600 s later; every run starts from this state`);
    const loader: Side[] = [];
    const reference: Side[] = [];
    for (let run = 1; run <= RUNS; run++) {
      await target.restore();
      const ours = await measured(sandbox, target, () => runLoader(dir, loaderArgs(sandbox, target, ['--reconcile-deletes', 'never']), sandbox.adminToken));
      await target.restore();
      const theirs = await measured(sandbox, target, () =>
        runReference({ ...target.reference, sandboxUrl: sandbox.url, token: sandbox.adminToken, loaderSchema: LOADER_SCHEMA, schema: REFERENCE_SCHEMA, since: bookmark }));
      const rows = theirs.run.rows ?? 0;
      loader.push({ ...ours, rows });
      reference.push({ ...theirs, rows });
      console.log(line(`loader ${run}`, loader.at(-1) as Side));
      console.log(line(`reference ${run}`, reference.at(-1) as Side));
    }
    // The last reference run restored the loader's table as of before its run: run the loader once more to compare.
    await runLoader(dir, loaderArgs(sandbox, target, ['--reconcile-deletes', 'never']), sandbox.adminToken);
    console.log(`  per row = per record read (${integer(reference[0]?.rows ?? 0)}: the changed deals and the bookmark's second); both pay their process start, the loader its field metadata and state`);
    summary(loader, reference);
    await printDifference(target);
  } finally {
    await sandbox.close();
    await target.dispose();
  }
}
