/**
 * The `load` command: wiring only. The run itself is in load-run.ts; this file owns how runs are
 * started and stopped (signals).
 */
import type { CommandModule } from 'yargs';
import type { CommandResult } from './main.js';
import { runLoad, withLoadOptions, type LoadArgs } from './load-run.js';
import { onStopSignal } from './signals.js';

export { selectStreams, newLoadId } from './load-run.js';

export function loadCommand(result: CommandResult): CommandModule<object, LoadArgs> {
  return {
    command: 'load',
    describe: 'Copy Pipedrive into the warehouse: incremental after the first run',
    builder: (yargs) => withLoadOptions(yargs),
    handler: (args) =>
      result.run(args, async (reporter) => {
        let stopRequested = false;
        const removeHandlers = onStopSignal((signal) => {
          stopRequested = true;
          reporter.warn('stop_requested', `${signal}: finishing the current batch, then stopping.`);
        });
        try {
          const summary = await runLoad(args, reporter, { shouldStop: () => stopRequested });
          return summary.status === 'interrupted' ? 130 : 0;
        } finally {
          removeHandlers();
        }
      }),
  };
}
