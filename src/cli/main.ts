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
import { Reporter, type LogFormat, type OutputStreams } from './output.js';

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

export async function main(argv: readonly string[], io: OutputStreams = process): Promise<number> {
  if (io === process) exitQuietlyOnClosedPipe();
  const result = new CommandResult(io);
  let usageError: string | undefined;
  await yargs(joinDashValues(argv))
    .scriptName('pipedrive-loader')
    .usage('$0 <command> [options]\n\nCopy a Pipedrive company into your data warehouse.')
    .command(checkCommand(result))
    .command(loadCommand(result))
    .command(planCommand(result))
    .command(stateCommand(result))
    .command(dbtSourcesCommand(result))
    .command(dbtModelsCommand(result))
    .command(initCiCommand(result))
    .command(sandboxCommand(result))
    .demandCommand(1, 'Name a command: check, load, plan, state, dbt-sources, init-ci or sandbox.')
    .strict()
    .env(false)
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      usageError = message;
    })
    .help()
    .parseAsync();
  if (usageError !== undefined) {
    io.stderr.write(`${usageError}\nRun pipedrive-loader --help for usage.\n`);
    return ExitCode.configuration;
  }
  return result.exitCode;
}
