import type { CommandModule } from 'yargs';
import { nonAdminWarning, readAccount } from '../check/account.js';
import { describeBudget, openDestination, openSource, resolveTargetFor, withCommonOptions, type CommonArgs } from './context.js';
import type { CommandResult } from './main.js';

export function checkCommand(result: CommandResult): CommandModule<object, CommonArgs> {
  return {
    command: 'check',
    describe: 'Verify the API token and the warehouse target, then print Success!',
    builder: (yargs) => withCommonOptions(yargs),
    handler: (args) =>
      result.run(args, async (reporter) => {
        const target = resolveTargetFor(args);
        const source = await openSource(args, reporter, { target, enforceTokenCap: false });
        try {
          const account = await readAccount(source.client);
          reporter.info(
            'pipedrive_ok',
            `Pipedrive: ${account.companyName} (${account.companyDomain}.pipedrive.com), ` +
              `token of ${account.userName} <${account.userEmail}>, via ${source.description}`,
          );
          if (!account.isGlobalAdmin) reporter.warn('not_admin', nonAdminWarning(account));
          reporter.info('pipedrive_limits', describeBudget(source.budget), {
            requests_per_2s: source.budget.requestsPer2s,
            ...(source.budget.maxTokens === undefined ? {} : { max_tokens: source.budget.maxTokens }),
          });
        } finally {
          await source.close();
        }
        const destination = await openDestination(args, reporter, target);
        try {
          await destination.warehouse.query('SELECT 1 AS ok');
          reporter.info(
            'warehouse_ok',
            `Warehouse: ${destination.warehouse.describeTarget()}, schema ${destination.schema}`,
          );
        } finally {
          await destination.close();
        }
        reporter.info('check_succeeded', 'Success!');
        return 0;
      }),
  };
}
