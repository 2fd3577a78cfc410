/**
 * `pipedrive-loader check`: the token (its user, company and whether it is a global admin), the
 * burst limit and cap in force, and the warehouse connection, then `Success!`.
 *
 * Neither an integration nor a schema is needed to say so: a first-time user checks the token
 * and the warehouse before choosing names. With `--integration` or `--schema` it also says which
 * schema a load would use, and fails (exit 2) as a load would when that schema holds another
 * company. It creates no schema and no table.
 */
import type { CommandModule } from 'yargs';
import { loadAdapter } from '../../adapters/index.js';
import { LOADER_TABLES } from '../../migrations/tables.js';
import { nonAdminWarning, readAccount, type AccountInfo } from '../check/account.js';
import { companyOf, describeCompany, matchCompany } from '../load/preflight.js';
import { MAX_IDENTIFIER_BYTES } from '../schema/types.js';
import { StateStore } from '../state/store.js';
import { describeBudget, openSource, resolveTargetFor, schemaFor, withCommonOptions, type CommonArgs } from './context.js';
import type { CommandResult } from './main.js';

export function checkCommand(result: CommandResult): CommandModule<object, CommonArgs> {
  return {
    command: 'check',
    describe: 'Verify the API token and the warehouse connection, then print Success!',
    builder: (yargs) => withCommonOptions(yargs),
    handler: (args) =>
      result.run(args, async (reporter) => {
        const target = resolveTargetFor(args);
        const source = await openSource(args, reporter, { target, enforceTokenCap: false });
        let account: AccountInfo;
        try {
          account = await readAccount(source.client);
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
        // The warehouse without a schema: the schema is named only when the user named one.
        reporter.addSecrets(target.target.secrets);
        if (target.notice !== undefined) reporter.info('target_default', target.notice);
        const adapter = await loadAdapter(target.target.type);
        const named = args.integration !== undefined || args.schema !== undefined || args.sandbox;
        const schema = named ? schemaFor(args, Math.min(MAX_IDENTIFIER_BYTES, adapter.dialect.capabilities.maxIdentifierBytes)) : undefined;
        const warehouse = adapter.createClient(target.target);
        await warehouse.open();
        try {
          await warehouse.query('SELECT 1 AS ok');
          reporter.info('warehouse_ok', `Warehouse: ${warehouse.describeTarget()}`);
          if (schema !== undefined) {
            const tables = await warehouse.describeSchema(schema);
            const stored = tables.has(LOADER_TABLES.state) ? await new StateStore(warehouse, schema).readCompany() : undefined;
            const company = companyOf(account);
            matchCompany(stored, company, schema);
            reporter.info(
              'schema',
              tables.size === 0
                ? `A load would create schema ${schema} and record ${describeCompany(company)} as its company.`
                : `A load would write into schema ${schema}` +
                    (stored === undefined ? `, recording ${describeCompany(company)} as its company.` : `, which holds ${describeCompany(stored)}.`),
              { schema },
            );
          }
        } finally {
          await warehouse.close();
        }
        reporter.info('check_succeeded', 'Success!');
        return 0;
      }),
  };
}
