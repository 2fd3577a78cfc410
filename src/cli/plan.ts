import type { Argv, CommandModule } from 'yargs';
import { previewPlan } from '../load/preview.js';
import { openDestination, openSource, withCommonOptions, type CommonArgs } from './context.js';
import { selectStreams } from './load-run.js';
import type { CommandResult } from './main.js';

interface PlanArgs extends CommonArgs {
  readonly streams?: string;
}

export function planCommand(result: CommandResult): CommandModule<object, PlanArgs> {
  return {
    command: 'plan',
    describe: 'Print the DDL the next load would run, without running it',
    builder: (yargs) =>
      withCommonOptions(yargs).option('streams', {
        type: 'string',
        describe: 'Comma-separated streams (default: all)',
      }) as unknown as Argv<PlanArgs>,
    handler: (args) =>
      result.run(args, async (reporter) => {
        const streams = selectStreams(args.streams);
        const source = await openSource(args, reporter);
        try {
          const destination = await openDestination(args, reporter);
          try {
            const preview = await previewPlan({
              pipedrive: source.client,
              warehouse: destination.warehouse,
              schema: destination.schema,
              streams,
              now: new Date().toISOString(),
            });
            if (preview.loaderTablesMissing) {
              reporter.info(
                'plan_loader_tables',
                `-- The first load also creates the loader's own tables in ${destination.schema} ` +
                  '(_loader_migrations, _loader_state, _loader_runs, _loader_columns).',
              );
            }
            if (preview.statements.length === 0) {
              reporter.info('plan_empty', `-- Nothing to change: ${destination.schema} matches Pipedrive's fields.`);
            }
            for (const statement of preview.statements) reporter.info('plan_statement', `${statement};`);
            const usage = source.client.usage.total();
            reporter.info(
              'plan_finished',
              `-- ${preview.statements.length} statement(s); reading the field metadata took ` +
                `${usage.requests} requests (${usage.tokens} tokens).`,
              { requests: usage.requests, tokens: usage.tokens },
            );
            return 0;
          } finally {
            await destination.close();
          }
        } finally {
          await source.close();
        }
      }),
  };
}
