/**
 * One load run: the `load` command's options and the work of a single run. The command wiring
 * (signals, `--every`) lives in load.ts; this file is the run itself, so repeated runs and a
 * single run share exactly the same code.
 */
import { randomBytes } from 'node:crypto';
import type { Argv } from 'yargs';
import { migrate } from '../../migrations/index.js';
import { LOADER_TABLES } from '../../migrations/tables.js';
import { readAccount } from '../check/account.js';
import { BudgetExhaustedError, ConfigurationError } from '../errors.js';
import { STREAMS, type StreamDefinition } from '../pipedrive/catalog.js';
import { TokenCapError } from '../pipedrive/http-errors.js';
import { withCrashPoints } from '../load/crash-points.js';
import { resolveStartDate } from '../load/start-date.js';
import { resolveHistory } from '../history/selection.js';
import { LoadPipeline } from '../load/pipeline.js';
import { RECONCILE_MODES, type ReconcileMode } from '../load/deletes.js';
import { parseRefreshLists } from '../load/list-cadence.js';
import { companyOf, deletePolicy, describeCompany, matchCompany } from '../load/preflight.js';
import { formatSummary, runTotals, type RunSummary } from '../load/summary.js';
import { bookmarksMoved, capCannotAdvance } from '../load/token-cap.js';
import { StateStore } from '../state/store.js';
import type { CompanyRecord } from '../state/types.js';
import {
  describeBudget,
  openDestination,
  openSource,
  resolveTargetFor,
  withCommonOptions,
  type CommonArgs,
  type Destination,
  type PipedriveSource,
} from './context.js';
import type { Reporter } from './output.js';

export interface LoadArgs extends CommonArgs {
  readonly streams?: string;
  readonly fullRefresh: boolean;
  readonly maxTokens?: number;
  readonly since?: string;
  /** Absent: the warehouse's own batch sizing. */
  readonly batchRows: number | undefined;
  readonly lockWait: number;
  /** Undefined unless given: the token's user decides the default (src/load/preflight.ts). */
  readonly reconcileDeletes?: ReconcileMode;
  /** History mode: `deals,persons` or `all` (also `history:` in the profile output). */
  readonly history?: string;
  /** `always` or a duration (6h): how often lists without `updated_since` and field metadata are read. */
  readonly refreshLists: string;
}

/**
 * `--streams deals,persons` → catalog entries; a table name brings every stream writing it
 * (`deals` also brings `deals_archived`).
 */
export function selectStreams(list: string | undefined): StreamDefinition[] {
  if (list === undefined || list.trim() === '') return [...STREAMS];
  const wanted = new Set(list.split(',').map((name) => name.trim()).filter(Boolean));
  const known = new Set(STREAMS.flatMap((s) => [s.name, s.table]));
  const unknown = [...wanted].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `Unknown stream(s): ${unknown.join(', ')}. Streams: ${STREAMS.map((s) => s.name).join(', ')}.`,
    );
  }
  return STREAMS.filter((s) => wanted.has(s.name) || wanted.has(s.table));
}

export function newLoadId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function withLoadOptions<T>(yargs: Argv<T>): Argv<T & LoadArgs> {
  return withCommonOptions(yargs)
    .option('streams', { type: 'string', describe: 'Comma-separated streams to load (default: all)' })
    .option('full-refresh', {
      type: 'boolean',
      default: false,
      describe: 'Re-read everything (a backfill); tables are kept and rows upserted',
    })
    .option('max-tokens', {
      type: 'number',
      describe: 'Stop at a batch boundary before this run spends more Pipedrive API tokens',
    })
    .option('since', {
      type: 'string',
      describe:
        'First backfill from this date (2024-01-01): streams without a bookmark read records updated since then ' +
        '(also start_date in the profiles.yml output)',
    })
    .option('history', {
      type: 'string',
      describe:
        'Keep every version of these streams\' records in <table>_history (deals,persons or all; ' +
        'also history: in the profiles.yml output)',
    })
    .option('lock-wait', {
      type: 'number',
      default: 60,
      describe: 'Seconds to wait for another run loading the same schema before giving up (exit 7)',
    })
    .option('reconcile-deletes', {
      choices: RECONCILE_MODES,
      describe:
        'Key scans that find records deleted in Pipedrive (they cost what a full read of the table costs): ' +
        'always, at most once a day per table, or never. Default: daily with a global admin\'s token; ' +
        'with any other token no deletes are inferred unless this is given',
    })
    .option('refresh-lists', {
      type: 'string',
      default: '6h',
      describe:
        'How often the lists Pipedrive can only return whole (pipelines, stages, users, goals …), the archived leads and ' +
        'the field metadata are read: always, or 30m, 6h, 1d. A record using a field or option the loader does not know ' +
        'yet has the field metadata read at once',
    })
    .option('batch-rows', {
      type: 'number',
      describe:
        'Rows per committed batch, each merged and bookmarked at once (also bounded by size). Default: the ' +
        "warehouse's: 2,000 on DuckDB and PostgreSQL; 50,000 on BigQuery and Snowflake, staged through a local file",
    }) as unknown as Argv<T & LoadArgs>;
}

/**
 * Numbers the run cannot use, refused before anything runs (exit 2): yargs turns `abc` into NaN
 * and accepts 0, -5 or 1.5 as they are. The `load` command checks them first thing.
 */
export function checkNumericFlags(args: Partial<Pick<LoadArgs, 'batchRows' | 'lockWait' | 'maxTokens'>>): void {
  const problem = numericFlagProblem(args);
  if (problem !== undefined) throw new ConfigurationError(problem);
}

function numericFlagProblem(args: Partial<Pick<LoadArgs, 'batchRows' | 'lockWait' | 'maxTokens'>>): string | undefined {
  const given = (value: unknown): value is number => value !== undefined;
  if (given(args.batchRows) && !(Number.isInteger(args.batchRows) && args.batchRows >= 1)) {
    return `--batch-rows must be a whole number of at least 1, got ${String(args.batchRows)}.`;
  }
  if (given(args.lockWait) && !(Number.isFinite(args.lockWait) && args.lockWait >= 0)) {
    return `--lock-wait must be a number of seconds, 0 or more, got ${String(args.lockWait)}.`;
  }
  if (given(args.maxTokens) && !(Number.isInteger(args.maxTokens) && args.maxTokens >= 1)) {
    return `--max-tokens must be a whole number of at least 1, got ${String(args.maxTokens)}.`;
  }
  return undefined;
}

export interface LoadRunOptions {
  /** Polled between batches: true once the user asked to stop (SIGINT/SIGTERM). */
  readonly shouldStop: () => boolean;
}

/** One run from start to summary. Returns the summary; failures throw loader errors. */
export async function runLoad(args: LoadArgs, reporter: Reporter, options: LoadRunOptions): Promise<RunSummary> {
  checkNumericFlags(args);
  const refreshListsMs = parseRefreshLists(args.refreshLists);
  const streams = selectStreams(args.streams);
  const loadId = newLoadId();
  // Resolved once: the profile's output names the warehouse and may carry the budget settings.
  const target = resolveTargetFor(args);
  const since = resolveStartDate(args.since, target.target.settings['start_date']);
  const history = resolveHistory(args.history, target.target.settings['history']);
  const source = await openSource(args, reporter, { maxTokens: args.maxTokens, target });
  try {
    // The token first, before the warehouse is opened: a wrong one creates nothing there.
    const account = await withCapCheck(source, () => readAccount(source.client));
    const company = companyOf(account);
    const policy = deletePolicy(account, args.reconcileDeletes);
    for (const [index, warning] of policy.warnings.entries()) reporter.warn(index === 0 ? 'not_admin' : 'deletes_not_inferred', warning);
    const destination = await openDestination(args, reporter, target);
    let release: (() => Promise<void>) | undefined;
    try {
      // Warehouses without a process-exclusive file lock take an advisory lock per schema,
      // so two runs can never interleave their writes.
      release = await destination.warehouse.lockSchema?.(destination.schema, { waitMs: args.lockWait * 1000 });
      const store = new StateStore(destination.warehouse, destination.schema);
      const before = await readSchemaState(destination, store);
      const match = matchCompany(before.company, company, destination.schema);
      await migrate(destination.warehouse, destination.schema);
      if (match !== 'same') {
        await store.saveCompany(company, loadId);
        reporter.info(
          'company_recorded',
          match === 'adopt'
            ? `Schema ${destination.schema} now records Pipedrive ${describeCompany(company)}; loads of another company into it are refused.`
            : `Pipedrive ${describeCompany(company)} changed its domain since the last load; the schema's record follows.`,
          { company_id: company.id, company_domain: company.domain },
        );
      }
      const pipeline = new LoadPipeline({
        pipedrive: source.client,
        // The reliability suite's crash points; the client itself unless that suite set them.
        warehouse: withCrashPoints(destination.warehouse),
        schema: destination.schema,
        streams,
        fullRefresh: args.fullRefresh,
        since,
        loadId,
        reporter,
        batchRows: args.batchRows,
        shouldStop: options.shouldStop,
        reconcileDeletes: policy.reconcileDeletes,
        inferDeletes: policy.inferDeletes,
        history,
        refreshListsMs,
      });
      reporter.info('source', `Reading from ${source.description}. ${describeBudget(source.budget)}`);
      let summary: RunSummary;
      try {
        summary = await pipeline.run();
      } catch (error) {
        // A run stopped by the token cap or the daily budget stopped cleanly at a batch boundary:
        // show what it did before the one-line reason.
        if (error instanceof BudgetExhaustedError) reporter.text(`\n${formatSummary(pipeline.progress)}`);
        // A cap that let nothing move forward stops every later run at the same place.
        if (error instanceof TokenCapError && !bookmarksMoved(before.bookmarks, await store.readBookmarks())) {
          throw capCannotAdvance(error, source.budget.maxTokensFrom);
        }
        throw error;
      } finally {
        await recordWarnings(store, loadId, policy.warnings, reporter);
      }
      reporter.text(`\n${formatSummary(summary)}`);
      reporter.info(
        'run_finished',
        `Load ${summary.loadId} ${summary.status}: ${summary.requests} requests, ${summary.tokens} tokens, ` +
          `${summary.seconds.toFixed(1)}s`,
        {
          load_id: summary.loadId,
          ...runTotals(summary),
          duration: Number(summary.seconds.toFixed(3)),
          status: summary.status,
        },
      );
      return summary;
    } finally {
      await release?.();
      await destination.close();
    }
  } finally {
    await source.close();
  }
}

/** A cap too small for even the first request is a configuration problem too. */
async function withCapCheck<T>(source: PipedriveSource, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TokenCapError) throw capCannotAdvance(error, source.budget.maxTokensFrom);
    throw error;
  }
}

/** The company record and the bookmarks, before this run writes: none in a new schema. */
async function readSchemaState(
  destination: Destination,
  store: StateStore,
): Promise<{ company: CompanyRecord | undefined; bookmarks: Map<string, string> }> {
  const tables = await destination.warehouse.describeSchema(destination.schema);
  if (!tables.has(LOADER_TABLES.state)) return { company: undefined, bookmarks: new Map() };
  return { company: await store.readCompany(), bookmarks: await store.readBookmarks() };
}

/** Kept beside the run in `_loader_runs.warnings`; failing to keep them must not hide the run's own outcome. */
async function recordWarnings(store: StateStore, loadId: string, warnings: readonly string[], reporter: Reporter): Promise<void> {
  if (warnings.length === 0) return;
  try {
    await store.recordRunWarnings(loadId, warnings);
  } catch (error) {
    reporter.warn('run_record_failed', `Could not record the run's warnings in _loader_runs: ${String(error)}`);
  }
}
