/**
 * `load --every 30m`: the same run as a plain `load` (runLoad), repeated with jitter by
 * src/watch/schedule.ts's runEvery until SIGINT/SIGTERM.
 *
 * - One line per run: the runs themselves print only warnings and errors (a quiet Reporter), and
 *   the loop prints `run N (duration): outcome (rows, requests, tokens, load id); next run in …`,
 *   in JSON as the event `run_cycle` with the usual keys plus cycle, outcome and next_run_in.
 * - A stop signal ends the loop after the current batch (or at once between runs) and exits 0:
 *   being stopped is how this mode normally ends. The interrupted run is recorded as such and
 *   the next start resumes from its committed bookmarks.
 * - A failed run is reported and the next one comes on schedule; errors no later run can fix
 *   (configuration, authentication) end the loop with their exit code.
 * - `--every-minimum` (hidden, default 1m) lowers the shortest accepted interval; it exists so
 *   the end-to-end test can run cycles seconds apart. It is not for production use.
 */
import type { Argv } from 'yargs';
import { InterruptedError, isLoaderError, ExitCode } from '../errors.js';
import type { RunSummary } from '../load/summary.js';
import { formatCycleLine, formatDuration, parseEvery, runEvery, type CycleReport } from '../watch/schedule.js';
import { runLoad, type LoadArgs } from './load-run.js';
import type { LogLevel, Reporter } from './output.js';

export interface EveryArgs {
  readonly every?: string;
  readonly everyMinimum: string;
}

export function withEveryOptions<T>(yargs: Argv<T>): Argv<T & EveryArgs> {
  return yargs
    .option('every', {
      type: 'string',
      describe: 'Keep running: start a load every interval (30m, 1h …, at least 1m), with ±10% jitter, until SIGINT/SIGTERM',
    })
    .option('every-minimum', {
      type: 'string',
      default: '1m',
      hidden: true,
      describe: 'Shortest interval --every accepts (for tests only)',
    }) as unknown as Argv<T & EveryArgs>;
}

/** The figures of a run for its line: "1,204 rows, 12 requests, 120 tokens, load 2026…". */
function runDetails(summary: RunSummary | undefined, loadId: string | undefined): string {
  const parts: string[] = [];
  if (summary) {
    const rows = summary.streams.reduce((total, stream) => total + stream.records, 0);
    parts.push(`${rows.toLocaleString('en-US')} rows`, `${summary.requests} requests`, `${summary.tokens} tokens`);
  }
  if (loadId !== undefined) parts.push(`load ${loadId}`);
  return parts.join(', ');
}

function levelOf(report: CycleReport): LogLevel {
  if (report.outcome === 'failed') return 'error';
  return report.outcome === 'budget_exhausted' ? 'warn' : 'info';
}

/** Runs loads until `signal` fires; returns the exit code. */
export async function runLoadsEvery(args: LoadArgs & EveryArgs, reporter: Reporter, signal: AbortSignal): Promise<number> {
  const intervalMs = parseEvery(args.every ?? '', parseEvery(args.everyMinimum, 1_000));
  reporter.info(
    'every_started',
    `Loading every ${formatDuration(intervalMs)} (±10% jitter), one line per run; SIGINT or SIGTERM stops after the current batch.`,
    { interval_seconds: intervalMs / 1000 },
  );
  let summary: RunSummary | undefined;
  let runReporter = reporter.quiet();
  try {
    const result = await runEvery({
      intervalMs,
      signal,
      run: async (runSignal) => {
        summary = undefined;
        runReporter = reporter.quiet();
        summary = await runLoad(args, runReporter, { shouldStop: () => runSignal.aborted });
        if (summary.status === 'interrupted') throw new InterruptedError('Stopped after the current batch.');
      },
      onCycle: (report) => {
        const loadId = summary?.loadId ?? runReporter.loadId;
        const rows = summary?.streams.reduce((total, stream) => total + stream.records, 0);
        reporter.log(levelOf(report), 'run_cycle', formatCycleLine(report, runDetails(summary, loadId)), {
          cycle: report.cycle,
          outcome: report.outcome,
          records: rows,
          requests: summary?.requests,
          tokens: summary?.tokens,
          duration: (report.finishedAt - report.startedAt) / 1000,
          load_id: loadId,
          next_run_in: report.nextDelayMs === null ? null : Math.round(report.nextDelayMs / 1000),
        });
      },
    });
    reporter.info('every_stopped', `Stopped after ${result.cycles} run(s).`);
    return ExitCode.ok;
  } catch (error) {
    // The run's line already said what went wrong; only the exit code (and --debug's stack) remain.
    if (args.debug && error instanceof Error && error.stack) reporter.debugStack(error.stack);
    return isLoaderError(error) ? error.exitCode : ExitCode.unexpected;
  }
}
