/**
 * The CLI entry point. Commands live one per file; this file only wires them to yargs and turns
 * errors into one readable line and a documented exit code (see README#exit-codes). Stack traces
 * appear only with --debug, and every line passes through the Reporter's redaction.
 */
import yargs from 'yargs';
import { ExitCode, isLoaderError } from '../errors.js';
import { checkCommand } from './check.js';
import { dbtModelsCommand } from './dbt-models.js';
import { dbtSourcesCommand } from './dbt-sources.js';
import { initCiCommand } from './init-ci.js';
import { loadCommand } from './load.js';
import { planCommand } from './plan.js';
import { sandboxCommand } from './sandbox.js';
import { stateCommand } from './state.js';
import { attachTopLevelHelp, withHelp } from './help.js';
import { Reporter, type LogFormat, type OutputStreams } from './output.js';
import { explainUsageError, UsageError } from './usage.js';
import { packageVersion } from './version.js';

interface RunnableArgs {
  readonly logFormat: LogFormat;
  readonly debug: boolean;
}

/** Collects the exit code of whichever command ran; yargs itself ignores handler results. */
export class CommandResult {
  exitCode: number = ExitCode.ok;

  constructor(private readonly io: OutputStreams) {}

  async run(args: RunnableArgs, work: (reporter: Reporter) => Promise<number>): Promise<void> {
    const reporter = new Reporter(args.logFormat, this.io);
    try {
      this.exitCode = await work(reporter);
    } catch (error) {
      this.exitCode = reportFailure(reporter, error, args.debug);
    }
  }
}

export function reportFailure(reporter: Reporter, error: unknown, debug: boolean): number {
  const message = error instanceof Error ? error.message : String(error);
  const exitCode = isLoaderError(error) ? error.exitCode : ExitCode.unexpected;
  const kind = isLoaderError(error) ? error.name : 'UnexpectedError';
  reporter.error('failed', message, { error: kind, exit_code: exitCode });
  if (debug && error instanceof Error && error.stack) reporter.debugStack(error.stack);
  return exitCode;
}

/**
 * `pipedrive-loader state show | head` closes stdout early: exit quietly, as Unix tools do, rather
 * than crash with an EPIPE stack trace.
 */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}

/**
 * `--out -` (stdout, the Unix convention) as `--out=-`: yargs would otherwise take the lone `-`
 * for a positional argument and leave the option empty.
 */
export function joinDashValues(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (/^--[a-z][a-z0-9-]*$/.test(arg) && argv[index + 1] === '-') {
      joined.push(`${arg}=-`);
      index += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/**
 * The listed options of the command being parsed (yargs resets them per command), to suggest
 * from: hidden ones are for tests or mean nothing to the command. getOptions() is public in yargs
 * but missing from @types/yargs.
 */
function knownOptions(parser: unknown): string[] {
  const options = (parser as { getOptions(): { key: Record<string, unknown>; hiddenOptions: string[] } }).getOptions();
  return Object.keys(options.key).filter((key) => !options.hiddenOptions.includes(key));
}

/** The command words the user typed (`state reset`), for "Run … --help". */
function commandPath(argv: readonly string[]): string {
  const words: string[] = [];
  for (const arg of argv) {
    if (!COMMAND_WORDS.has(arg) || (words.length > 0 && words[0] !== 'state')) break;
    words.push(arg);
  }
  return words.join(' ');
}

/** --log-format as given, for errors raised before yargs hands over the parsed arguments. */
function logFormatOf(argv: readonly string[]): LogFormat {
  const index = argv.indexOf('--log-format');
  return argv.includes('--log-format=json') || (index >= 0 && argv[index + 1] === 'json') ? 'json' : 'text';
}

const COMMAND_WORDS = new Set(['check', 'load', 'plan', 'state', 'show', 'reset', 'dbt-sources', 'init-ci', 'sandbox']);

/**
 * yargs renders a command's whole help text as soon as its handler starts, to show it should the
 * handler fail: 60-100 ms of CPU on every run, a tenth of a scheduled run with nothing to load.
 * Our handlers never fail through yargs (CommandResult turns every error into one line and an
 * exit code), so that text is never shown; `--help` renders its own when asked. The usage instance
 * is internal to yargs (pinned in package.json); if it ever moves, this does nothing.
 */
function skipHelpCaching(parser: unknown): void {
  const internals = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

export async function main(argv: readonly string[], io: OutputStreams = process): Promise<number> {
  if (io === process) exitQuietlyOnClosedPipe();
  const result = new CommandResult(io);
  const args = joinDashValues(argv);
  const parser = yargs(args);
  skipHelpCaching(parser);
  try {
    await attachTopLevelHelp(parser)
      .scriptName('pipedrive-loader')
      .usage('$0 <command> [options]\n\nCopy a Pipedrive company into your data warehouse.')
      .command(withHelp(checkCommand(result)))
      .command(withHelp(loadCommand(result)))
      .command(withHelp(planCommand(result)))
      .command(withHelp(stateCommand(result)))
      .command(withHelp(dbtSourcesCommand(result)))
      .command(withHelp(dbtModelsCommand(result)))
      .command(withHelp(initCiCommand(result)))
      .command(withHelp(sandboxCommand(result)))
      .demandCommand(1, 'Name a command: check, load, plan, state, dbt-sources, dbt-models, init-ci or sandbox.')
      .recommendCommands()
      .strict()
      .env(false)
      // yargs' own messages in English whatever LANG says: explainUsageError reads them.
      .locale('en')
      .exitProcess(false)
      .fail((message, error) => {
        if (error) throw error;
        // Throwing (not recording) is what stops yargs before the command's handler runs.
        throw new UsageError(explainUsageError(message, args, knownOptions(parser)));
      })
      .help()
      .alias('help', 'h')
      .version(packageVersion())
      .alias('version', 'v')
      // yargs' default is 80 columns; examples read better wider. Piped output has no width.
      .wrap(Math.min(110, parser.terminalWidth() || 100))
      .parseAsync();
  } catch (error) {
    // A loader error here comes from a check that runs while yargs validates (context.ts).
    if (isLoaderError(error)) return reportFailure(new Reporter(logFormatOf(args), io), error, false);
    if (!(error instanceof UsageError)) throw error;
    const path = commandPath(args);
    io.stderr.write(`${error.message}\nRun pipedrive-loader ${path === '' ? '' : `${path} `}--help for usage.\n`);
    return ExitCode.configuration;
  }
  return result.exitCode;
}
