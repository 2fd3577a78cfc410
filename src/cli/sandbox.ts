import type { Argv, CommandModule } from 'yargs';
import { ConfigurationError } from '../errors.js';
import type { Sandbox } from '../sandbox/index.js';
import type { LogFormat } from './output.js';
import type { CommandResult } from './main.js';
import { untilStopSignal } from './signals.js';

interface SandboxArgs {
  readonly port: number;
  readonly seed: number;
  readonly deals: number;
  readonly requestsPer2s: number;
  readonly logFormat: LogFormat;
  readonly debug: boolean;
}

/** Starts the sandbox; a port that is taken or out of range is a configuration error (exit 2). */
async function listen(args: SandboxArgs): Promise<Sandbox> {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new ConfigurationError(`--port must be a whole number from 0 to 65535 (0 picks a free port); got ${String(args.port)}.`);
  }
  // Loaded only for this command (see openSource in context.ts).
  const { startSandbox } = await import('../sandbox/index.js');
  try {
    return await startSandbox({ port: args.port, seed: args.seed, deals: args.deals, requestsPer2s: args.requestsPer2s });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const why = code === 'EADDRINUSE' ? 'is already in use' : 'needs privileges this user lacks';
      throw new ConfigurationError(`Port ${args.port} on 127.0.0.1 ${why}: pick another with --port, or --port 0 for a free one.`, {
        cause: error,
      });
    }
    throw error;
  }
}

export function sandboxCommand(result: CommandResult): CommandModule<object, SandboxArgs> {
  return {
    command: 'sandbox',
    describe: 'Serve the bundled Pipedrive-compatible sandbox on 127.0.0.1 until interrupted',
    builder: (yargs) =>
      yargs
        .option('port', { type: 'number', default: 0, describe: 'Port (0 picks a free one)' })
        .option('seed', { type: 'number', default: 1, describe: 'Seed of the generated data' })
        .option('deals', { type: 'number', default: 1000, describe: 'Number of deals' })
        .option('requests-per-2s', { type: 'number', default: 100, describe: 'Burst limit per token' })
        .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Log format' })
        .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces on failure' }) as unknown as Argv<SandboxArgs>,
    handler: (args) =>
      result.run(args, async (reporter) => {
        const sandbox = await listen(args);
        // The sandbox tokens are public fixtures, not secrets: printing them is the point.
        reporter.info('sandbox_started', `Pipedrive sandbox listening on ${sandbox.url}`, { url: sandbox.url });
        reporter.text(
          [
            `  admin token:     ${sandbox.adminToken}`,
            `  non-admin token: ${sandbox.userToken}`,
            `  try: PIPEDRIVE_API_TOKEN=${sandbox.adminToken} pipedrive-loader load --pipedrive-url ${sandbox.url}`,
            '  control API: POST /_sandbox/mutations, POST /_sandbox/faults, GET /_sandbox/stats',
            '  Ctrl-C stops it.',
          ].join('\n'),
        );
        const signal = await untilStopSignal();
        await sandbox.close();
        reporter.info('sandbox_stopped', `Sandbox stopped (${signal}).`);
        return 0;
      }),
  };
}
