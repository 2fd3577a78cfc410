import type { Argv, CommandModule } from 'yargs';
import type { DayEstimate, RunEstimate, StreamEstimate } from '../load/estimate.js';
import { describeRefresh, parseRefreshLists } from '../load/list-cadence.js';
import { DEFAULT_SCHEDULE } from '../ci/schedule.js';
import { parseEvery } from '../watch/schedule.js';
import { previewPlan } from '../load/preview.js';
import type { BudgetSettings } from '../pipedrive/settings.js';
import { formatTable, type Reporter } from './output.js';
import { describeBudget, openDestination, openSource, resolveTargetFor, withCommonOptions, type CommonArgs } from './context.js';
import { resolveStartDate } from '../load/start-date.js';
import { resolveHistory } from '../history/selection.js';
import { checkNumericFlags, selectStreams } from './load-run.js';
import { readAccount } from '../check/account.js';
import { companyOf, deletePolicy, describeCompany } from '../load/preflight.js';
import type { CommandResult } from './main.js';

interface PlanArgs extends CommonArgs {
  readonly streams?: string;
  readonly fullRefresh: boolean;
  readonly maxTokens?: number;
  readonly since?: string;
  readonly history?: string;
  readonly every: string;
  readonly refreshLists: string;
}

export function planCommand(result: CommandResult): CommandModule<object, PlanArgs> {
  return {
    command: 'plan',
    describe: 'Print the DDL the next load would run and the API requests and tokens it would spend, without running it',
    builder: (yargs) =>
      withCommonOptions(yargs)
        .option('streams', {
          type: 'string',
          describe: 'Comma-separated streams (default: all)',
        })
        .option('full-refresh', {
          type: 'boolean',
          default: false,
          describe: 'Estimate a load --full-refresh (everything re-read)',
        })
        .option('max-tokens', {
          type: 'number',
          describe: 'The cap the next load will run with (also max_tokens in the profiles.yml output)',
        })
        .option('since', {
          type: 'string',
          describe: 'Estimate a load --since this date (also start_date in the profiles.yml output)',
        })
        .option('history', {
          type: 'string',
          describe: 'Show the <table>_history tables a load --history would create (deals,persons or all; also history: in profiles.yml)',
        })
        .option('every', {
          type: 'string',
          default: DEFAULT_SCHEDULE,
          describe: 'The schedule the loads run on (load --every, the init-ci schedule), for the tokens a day costs',
        })
        .option('refresh-lists', {
          type: 'string',
          default: '6h',
          describe: 'The list cadence the loads run with (load --refresh-lists)',
        }) as unknown as Argv<PlanArgs>,
    handler: (args) =>
      result.run(args, async (reporter) => {
        checkNumericFlags(args);
        const refreshListsMs = parseRefreshLists(args.refreshLists);
        const everyMs = parseEvery(args.every);
        const streams = selectStreams(args.streams);
        const target = resolveTargetFor(args);
        const since = resolveStartDate(args.since, target.target.settings['start_date']);
        const history = resolveHistory(args.history, target.target.settings['history']);
        const source = await openSource(args, reporter, { target, maxTokens: args.maxTokens, enforceTokenCap: false });
        try {
          // As a load does: the token before the warehouse, so a wrong one creates nothing.
          const account = await readAccount(source.client);
          for (const [index, warning] of deletePolicy(account, undefined).warnings.entries()) {
            reporter.warn(index === 0 ? 'not_admin' : 'deletes_not_inferred', warning);
          }
          const destination = await openDestination(args, reporter, target);
          try {
            const company = companyOf(account);
            const preview = await previewPlan({
              pipedrive: source.client,
              warehouse: destination.warehouse,
              schema: destination.schema,
              streams,
              now: new Date().toISOString(),
              fullRefresh: args.fullRefresh,
              ...(since === undefined ? {} : { since }),
              company,
              history,
              refreshListsMs,
              everyMs,
            });
            if (preview.company === 'adopt') {
              reporter.info('plan_company', `-- The next load records Pipedrive ${describeCompany(company)} as the company of ${destination.schema}.`);
            }
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
              `-- ${preview.statements.length} statement(s); checking the token and reading the field metadata took ` +
                `${usage.requests} requests (${usage.tokens} tokens).`,
              { requests: usage.requests, tokens: usage.tokens },
            );
            reportEstimate(reporter, preview.estimate, source.budget, preview.tokensToAdvance);
            reportDay(reporter, preview.day, args.every, refreshListsMs);
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

/** The tokens a day of scheduled loads costs (estimate.ts, estimateDay), against a one-seat Lite plan's budget. */
function reportDay(reporter: Reporter, day: DayEstimate, every: string, refreshListsMs: number): void {
  const lists =
    refreshListsMs <= 0
      ? 'the lists and field metadata read every run (--refresh-lists always)'
      : `${day.listReadsPerDay} read(s) of the lists and field metadata (${day.listReadTokens.toLocaleString('en-US')} tokens each, ${describeRefresh(refreshListsMs)})`;
  reporter.info(
    'plan_day',
    `-- A day of loads every ${every} with nothing changed: ${day.tokens.toLocaleString('en-US')} tokens ` +
      `(${day.runsPerDay} runs of ${day.quietRunTokens.toLocaleString('en-US')} tokens, ${lists}; ` +
      `${((100 * day.tokens) / LITE_SEAT_DAILY_TOKENS).toFixed(0)}% of a one-seat Lite plan's ${LITE_SEAT_DAILY_TOKENS.toLocaleString('en-US')}). ` +
      'Changed records add a page per page of changes; the daily key scans for deletes come on top.',
    { tokens_per_day: day.tokens, runs_per_day: day.runsPerDay, quiet_run_tokens: day.quietRunTokens, list_read_tokens: day.listReadTokens, list_reads_per_day: day.listReadsPerDay },
  );
}

/** Pipedrive's daily budget for one seat of the Lite plan (30,000 × plan multiplier × seats). */
const LITE_SEAT_DAILY_TOKENS = 30_000;

const MARK = { exact: '', estimate: '≈ ', 'at-least': '≥ ' } as const;

function amount(value: number, estimate: Pick<StreamEstimate, 'certainty'>): string {
  return `${MARK[estimate.certainty]}${value.toLocaleString('en-US')}`;
}

/** The estimate as SQL comments (text), or one JSON event per stream and one for the total. */
function reportEstimate(reporter: Reporter, estimate: RunEstimate, budget: BudgetSettings, tokensToAdvance: number): void {
  // formatTable right-aligns every column but the first; the basis is prose, so it follows apart.
  const table = formatTable(
    ['stream', 'requests', 'tokens'],
    [
      ...estimate.streams.map((s) => [s.stream, amount(s.requests, s), amount(s.tokens, s)]),
      ['total', amount(estimate.requests, estimate), amount(estimate.tokens, estimate)],
    ],
  ).split('\n');
  const basis = ['basis', '-----', ...estimate.streams.map((s) => s.basis), ''];
  reporter.text(
    '-- The next load, estimated (requests × tokens per request; retries not included):\n' +
      table.map((line, index) => `--   ${line}  ${basis[index] ?? ''}`.trimEnd()).join('\n'),
  );
  if (reporter.format === 'json') {
    for (const s of estimate.streams) {
      reporter.info('plan_estimate', `${s.stream}: ${amount(s.requests, s)} requests, ${amount(s.tokens, s)} tokens (${s.basis})`, {
        stream: s.stream,
        requests: s.requests,
        tokens: s.tokens,
        certainty: s.certainty,
        unknown: s.unknown,
        basis: s.basis,
      });
    }
  }
  const words = { exact: 'exactly', estimate: 'about', 'at-least': 'at least' }[estimate.certainty];
  // The burst limit spaces requests: N requests take at least (N − limit) / limit × 2 s.
  const paced = Math.max(0, Math.ceil((estimate.requests - budget.requestsPer2s) / budget.requestsPer2s) * 2);
  reporter.info(
    'plan_estimate_total',
    `-- The next load needs ${words} ${estimate.requests.toLocaleString('en-US')} requests and ` +
      `${estimate.tokens.toLocaleString('en-US')} tokens` +
      (paced > 0 ? `, at least ${paced} s at the burst limit. ` : '. ') +
      describeBudget(budget),
    {
      requests: estimate.requests,
      tokens: estimate.tokens,
      certainty: estimate.certainty,
      requests_per_2s: budget.requestsPer2s,
      ...(budget.maxTokens === undefined ? {} : { max_tokens: budget.maxTokens }),
    },
  );
  if (budget.maxTokens !== undefined && tokensToAdvance > budget.maxTokens) {
    // What the load itself says when it gets there (src/load/token-cap.ts).
    reporter.warn(
      'plan_cap_cannot_advance',
      `The token cap of ${budget.maxTokens} (${budget.maxTokensFrom ?? 'given'}) is too small for a load to advance: ` +
        `it needs at least ${tokensToAdvance} tokens before any stream's bookmark can move. Every load with this cap ` +
        `would stop without progress (exit 2). Raise the cap to at least ${tokensToAdvance} tokens.`,
      { max_tokens: budget.maxTokens, tokens_to_advance: tokensToAdvance },
    );
  } else if (budget.maxTokens !== undefined && estimate.tokens > budget.maxTokens) {
    reporter.warn(
      'plan_over_cap',
      `The next load needs ${words} ${estimate.tokens} tokens, more than the cap of ${budget.maxTokens}: ` +
        'it will stop at a batch boundary (exit 4) and a later run resumes from there.',
    );
  }
}
