/**
 * `pipedrive-loader state show` and `state reset <stream>`: the loader's state as the warehouse
 * holds it (src/state/store.ts), without calling Pipedrive.
 *
 * - show: the bookmarks, the last runs and the column map (custom field → column); with
 *   `--run <load id>`, that run's figures per stream (from `_loader_runs.streams`).
 * - reset: forgets streams' bookmarks, so the next load re-reads them from the start. Rows stay
 *   (the re-read upserts them) and so does the column map, so column names never change. It takes
 *   the schema's lock like a load does, so it cannot interleave with a run.
 */
import type { Argv, CommandModule } from 'yargs';
import { LOADER_TABLES } from '../../migrations/tables.js';
import { ConfigurationError } from '../errors.js';
import { findStream, STREAMS } from '../pipedrive/catalog.js';
import { StateStore, type StreamState } from '../state/index.js';
import { openDestination, withCommonOptions, type CommonArgs, type Destination } from './context.js';
import type { CommandResult } from './main.js';
import type { Reporter } from './output.js';
import { printBookmarks, printColumns, printRun, printRuns } from './state-print.js';
import { printRejects } from './state-rejects.js';

interface ShowArgs extends CommonArgs {
  readonly runs: number;
  readonly run?: string;
}

interface ResetArgs extends CommonArgs {
  readonly streams: readonly string[];
  readonly lockWait: number;
}

/** Opens the target and checks that the loader has written state into the schema. */
async function openState(args: CommonArgs, reporter: Reporter): Promise<{ destination: Destination; store: StateStore }> {
  const destination = await openDestination(args, reporter);
  try {
    const tables = await destination.warehouse.describeSchema(destination.schema);
    if (!tables.has(LOADER_TABLES.state) || !tables.has(LOADER_TABLES.runs) || !tables.has(LOADER_TABLES.columns)) {
      throw new ConfigurationError(
        `Schema ${destination.schema} in ${destination.warehouse.describeTarget()} holds no loader state: nothing has been ` +
          'loaded there yet. Check --integration/--schema and --target, or run `pipedrive-loader load` first.',
      );
    }
    return { destination, store: new StateStore(destination.warehouse, destination.schema) };
  } catch (error) {
    await destination.close();
    throw error;
  }
}

function showCommand(result: CommandResult): CommandModule<object, ShowArgs> {
  return {
    command: 'show',
    describe: 'Print the bookmarks, the last runs and the column map, or one run\'s figures per stream (--run)',
    builder: (yargs) =>
      withCommonOptions(yargs)
        .option('runs', {
          type: 'number',
          default: 10,
          describe: 'How many of the last runs to print',
        })
        .option('run', {
          type: 'string',
          describe: 'Print only this run (a load id from the list of runs): its figures per stream',
        }) as unknown as Argv<ShowArgs>,
    handler: (args) =>
      result.run(args, async (reporter) => {
        if (!Number.isInteger(args.runs) || args.runs < 1) throw new ConfigurationError('--runs must be a whole number ≥ 1.');
        if (args.run !== undefined && args.run.trim() === '') throw new ConfigurationError('--run needs a load id, e.g. --run 20260601T000000Z-a1b2c3.');
        const { destination, store } = await openState(args, reporter);
        try {
          if (args.run !== undefined) {
            const run = await store.readRun(args.run.trim());
            if (run === undefined) {
              const recent = (await store.readRuns(3)).map((r) => r.loadId).join(', ');
              throw new ConfigurationError(
                `No run ${args.run.trim()} in schema ${destination.schema}. The last runs: ${recent || 'none'} (state show lists them).`,
              );
            }
            printRun(reporter, run);
            return 0;
          }
          reporter.text(`State of schema ${destination.schema} in ${destination.warehouse.describeTarget()}\n`);
          printBookmarks(reporter, await store.readStreamStates());
          printRuns(reporter, await store.readRuns(args.runs));
          printColumns(reporter, await store.readColumnMappings());
          await printRejects(reporter, destination.warehouse, destination.schema, store);
          return 0;
        } finally {
          await destination.close();
        }
      }),
  };
}

/** Checks the names: catalog streams, or streams that have a stored bookmark. */
function checkStreamNames(names: readonly string[], stored: ReadonlyMap<string, StreamState>): void {
  const unknown = names.filter((name) => findStream(name) === undefined && !stored.has(name));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `Unknown stream(s): ${unknown.join(', ')}. Streams with a bookmark: ${[...stored.keys()].join(', ') || 'none'}.`,
    );
  }
}

function resetCommand(result: CommandResult): CommandModule<object, ResetArgs> {
  return {
    command: 'reset <streams..>',
    describe: 'Forget the bookmark of one or more streams, so the next load re-reads them from the start',
    builder: (yargs) =>
      withCommonOptions(yargs)
        .positional('streams', { type: 'string', array: true, describe: 'Stream names, e.g. deals persons' })
        .option('lock-wait', {
          type: 'number',
          default: 60,
          describe: 'Seconds to wait for a run loading the same schema before giving up (exit 7)',
        }) as unknown as Argv<ResetArgs>,
    handler: (args) =>
      result.run(args, async (reporter) => {
        const { destination, store } = await openState(args, reporter);
        let release: (() => Promise<void>) | undefined;
        try {
          // A run in progress would write its bookmark back after the reset.
          release = await destination.warehouse.lockSchema?.(destination.schema, { waitMs: args.lockWait * 1000 });
          const stored = new Map((await store.readStreamStates()).map((state) => [state.stream, state]));
          const names = [...new Set(args.streams.map(String))];
          // The company record is no bookmark: forgetting it would let another company's rows in.
          if (names.some((name) => name.startsWith('#company'))) {
            throw new ConfigurationError(`The schema's company record cannot be reset: one schema holds one Pipedrive company. Load another company into its own schema.`);
          }
          checkStreamNames(names, stored);
          for (const name of names) {
            const state = stored.get(name);
            if (state !== undefined) {
              await store.clearBookmark(name);
              reporter.info('state_reset', `${name}: bookmark ${state.bookmark} removed; the next load re-reads ${name} from the start.`, {
                stream: name,
                load_id: state.loadId,
                bookmark: state.bookmark,
              });
            } else if (findStream(name)?.replication === 'full') {
              reporter.info('state_reset', `${name} is re-read in full on every load; it has no bookmark to reset.`, { stream: name });
            } else {
              reporter.info('state_reset', `${name} has no bookmark: the next load reads it from the start already.`, { stream: name });
            }
            const table = findStream(name)?.table;
            const siblings = STREAMS.filter((s) => s.table === table && s.name !== name && stored.has(s.name) && !names.includes(s.name));
            for (const sibling of siblings) {
              reporter.info(
                'state_reset_sibling',
                `${sibling.name} also writes ${table} and keeps its bookmark; reset it too to re-read those rows.`,
                { stream: sibling.name },
              );
            }
          }
          return 0;
        } finally {
          await release?.();
          await destination.close();
        }
      }),
  };
}

export function stateCommand(result: CommandResult): CommandModule<object, object> {
  return {
    command: 'state <command>',
    describe: 'Inspect (state show) or reset (state reset <stream>) the loader state kept in the warehouse',
    builder: (yargs) =>
      yargs
        .command(showCommand(result))
        .command(resetCommand(result))
        .demandCommand(1, 'Name a state command: show or reset <stream>.'),
    handler: () => undefined,
  };
}
