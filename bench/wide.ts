/**
 * `duckdb-wide` (opt-in): a Power-plan company's deals table, 500 custom fields (1,034 columns),
 * into the embedded default with no profile: exit code, rows, time, CPU and peak RSS. Before the
 * loader fitted DuckDB's memory_limit to the table's width (adapters/duckdb/memory.ts), this run
 * stopped with exit 6 after 16,500 deals. BENCH_WIDE_FIELDS and BENCH_WIDE_DEALS change the size.
 */
import { startSandbox } from '../src/sandbox/index.js';
import { integer, runLoader } from './measure.js';

export async function duckdbWideScenario(dir: string): Promise<void> {
  const fields = Number(process.env.BENCH_WIDE_FIELDS ?? 500);
  const deals = Number(process.env.BENCH_WIDE_DEALS ?? 20_000);
  const sandbox = await startSandbox({ seed: 7, deals, dealCustomFields: fields });
  try {
    const args = ['load', '--schema', 'wide', '--streams', 'deals', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000'];
    const result = await runLoader(dir, args, sandbox.adminToken);
    console.log(`\n## duckdb-wide: ${integer(deals)} deals with ${fields} custom fields into the default DuckDB file, no profile`);
    console.log(
      `  exit ${result.exitCode}, ${result.seconds.toFixed(1)} s, own CPU ${result.cpuSeconds.toFixed(1)} s, peak RSS ${integer(result.peakRssMb)} MB`,
    );
  } finally {
    await sandbox.close();
  }
}
