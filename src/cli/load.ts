/**
 * The `load` command: wiring only. The run itself is in load-run.ts, the `--every` loop in
 * every.ts; this file owns how runs are started and stopped (signals).
 */
import type { CommandModule } from 'yargs';
import { recordOpenRunsInterrupted } from '../state/index.js';
import type { CommandResult } from './main.js';
import { runLoadsEvery, withEveryOptions, type EveryArgs } from './every.js';
import { checkNumericFlags, runLoad, withLoadOptions, type LoadArgs } from './load-run.js';
import type { Reporter } from './output.js';
import { DEFAULT_FORCE_DEADLINE_MS, onStopSignal } from './signals.js';

export { selectStreams, newLoadId } from './load-run.js';

/** What `_loader_runs.error` says about a run abandoned by a second signal. */
export const FORCED_STOP_REASON = 'Stopped by a second signal before its current batch finished; that batch was rolled back.';

type LoadCommandArgs = LoadArgs & EveryArgs;

/** The first signal stops at a batch boundary; the second records the run as interrupted and exits. */
function stopOnSignals(reporter: Reporter, controller: AbortController): () => void {
  return onStopSignal(
    (signal) => {
      controller.abort();
      reporter.warn(
        'stop_requested',
        `${signal}: finishing the current batch, then stopping. A second ${signal} abandons the batch (it is rolled back).`,
      );
    },
    {
      forceDeadlineMs: DEFAULT_FORCE_DEADLINE_MS,
      beforeForcedExit: async (signal) => {
        reporter.warn('stop_forced', `${signal} again: abandoning the current batch (rolled back) and exiting.`);
        // Leave some of the deadline for the exit itself.
        const failed = await recordOpenRunsInterrupted(FORCED_STOP_REASON, DEFAULT_FORCE_DEADLINE_MS - 500);
        if (failed.length > 0) {
          reporter.warn(
            'run_record_failed',
            `Could not record load ${failed.join(', ')} as interrupted; the next run will (it finds the run still marked running).`,
          );
        }
      },
    },
  );
}

export function loadCommand(result: CommandResult): CommandModule<object, LoadCommandArgs> {
  return {
    command: 'load',
    describe: 'Copy Pipedrive into the warehouse: incremental after the first run; --every keeps it running',
    builder: (yargs) => withEveryOptions(withLoadOptions(yargs)),
    handler: (args) =>
      result.run(args, async (reporter) => {
        // Before anything else, --every's loop included (which checks its interval first thing).
        checkNumericFlags(args);
        const controller = new AbortController();
        const removeHandlers = stopOnSignals(reporter, controller);
        try {
          if (args.every !== undefined) return await runLoadsEvery(args, reporter, controller.signal);
          const summary = await runLoad(args, reporter, { shouldStop: () => controller.signal.aborted });
          return summary.status === 'interrupted' ? 130 : 0;
        } finally {
          removeHandlers();
        }
      }),
  };
}
