/**
 * Deletes that reach the warehouse. Pipedrive lists deleted records only for deals
 * (`status=deleted`, `is_deleted`, which shaping turns into `_deleted_at`); everything else simply
 * stops being listed, and merged persons and organizations lose their losing record the same way.
 * So rows whose key the API no longer lists get `_deleted_at` set to the moment the loader noticed:
 *
 * - for free, whenever a run listed every record of a table anyway (full streams, field metadata,
 *   first reads without a bookmark);
 * - by a key scan of the table's streams on the `--reconcile-deletes` cadence (default daily),
 *   which costs what a full read costs: pages × cost per page (README.md#deletes);
 * - for children (deal products), per visited parent batch: `markGoneChildren`.
 *
 * The comparison runs in the warehouse: the listed keys go into a staging table and one UPDATE
 * anti-joins against it (`reconcileStatements`: what runs in the transaction, and the staging
 * table's drop, in it or after it as the warehouse allows). Rows already marked keep their first
 * `_deleted_at`; a row listed again is live again: cleared by its next upsert, or by the
 * comparison itself when it comes back unchanged (a record that a visibility change hid for a
 * while).
 */
import type { Dialect, StatementPlan, WarehouseSession } from '../../adapters/types.js';
import type { ChildRead, StreamDefinition } from '../pipedrive/catalog.js';
import { paginate } from '../pipedrive/paginate.js';
import type { Row, TableRef } from '../schema/types.js';
import { RowBatch } from './batch.js';
import { commitBatch, modelOf, withSystemColumns, type LoadContext } from './context.js';
import { finishStats } from './stream-loader.js';
import { timestampMillis } from './stream-reader.js';
import { withStaging } from './upsert.js';

export type ReconcileMode = 'always' | 'daily' | 'never';
export const RECONCILE_MODES: readonly ReconcileMode[] = ['always', 'daily', 'never'];
const DAY_MS = 24 * 60 * 60 * 1000;

/** `_deleted_at = <the first bound parameter, a timestamp>`: every mark this module sets. */
function deletedAtFromFirstParameter(dialect: Dialect): string {
  return `${dialect.quoteIdentifier('_deleted_at')} = CAST(${dialect.parameter(1)} AS ${dialect.nativeType('timestamp')})`;
}

/** The `_loader_state` key remembering when a table's deletes were last reconciled. */
export function reconciledKey(table: string): string {
  return `${table}#deletes_reconciled`;
}

/** Whether a key scan is due for a table whose deletes were last reconciled at `last`. */
export function reconcileDue(mode: ReconcileMode, last: string | undefined, now: Date): boolean {
  if (mode === 'never') return false;
  if (mode === 'always' || last === undefined) return true;
  const lastMs = Date.parse(last);
  return Number.isNaN(lastMs) || now.getTime() - lastMs >= DAY_MS;
}

/** What marks a table's missing rows against a staging table of the listed keys. */
export interface ReconcileStatements {
  /** Counts the live rows whose key was not listed. */
  readonly countMissing: string;
  /** Marks those rows deleted; binds the time as its one parameter. Run only when there are some. */
  readonly markMissing: string;
  /**
   * Makes rows listed again live again (a record a visibility change hid for a while), unless
   * Pipedrive itself reports them deleted (is_deleted, or status 'deleted').
   */
  readonly reviveListed: string;
  /** Drops the staging table: in the transaction, after it, or both parts, as the warehouse allows. */
  readonly cleanup: StatementPlan;
}

/** The reconciliation of `target` by its single-column key `keyName`, listed in `staging`. Pure. */
export function reconcileStatements(
  dialect: Dialect,
  target: TableRef,
  staging: TableRef,
  keyName: string,
  reportsDeleted: { readonly isDeleted: boolean; readonly status: boolean },
): ReconcileStatements {
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const listed = `(SELECT 1 FROM ${dialect.qualify(staging)} AS s WHERE s.${q(keyName)} = t.${q(keyName)})`;
  const missing = `t.${q('_deleted_at')} IS NULL AND NOT EXISTS ${listed}`;
  const live =
    (reportsDeleted.isDeleted ? ` AND (t.${q('is_deleted')} IS NULL OR t.${q('is_deleted')} = FALSE)` : '') +
    (reportsDeleted.status ? ` AND (t.${q('status')} IS NULL OR t.${q('status')} <> 'deleted')` : '');
  return {
    countMissing: `SELECT COUNT(*) AS ${q('missing')} FROM ${dialect.qualify(target)} AS t WHERE ${missing}`,
    markMissing: `UPDATE ${dialect.qualify(target)} AS t SET ${deletedAtFromFirstParameter(dialect)} WHERE ${missing}`,
    reviveListed:
      `UPDATE ${dialect.qualify(target)} AS t SET ${q('_deleted_at')} = NULL WHERE t.${q('_deleted_at')} IS NOT NULL${live} ` +
      `AND EXISTS ${listed}`,
    cleanup: dialect.dropStaging(staging),
  };
}

/**
 * Marks rows of `table` whose key is not in `keys` as deleted, and remembers that the table was
 * reconciled, in one transaction. Returns the number of rows newly marked.
 */
export async function markMissing(context: LoadContext, table: string, keys: readonly unknown[]): Promise<number> {
  const { warehouse, schema } = context;
  const write = context.sync.writePlan(modelOf(context, table));
  const keyName = write.primaryKey[0];
  const keyColumn = write.columns.find((column) => column.name === keyName);
  if (keyName === undefined || keyColumn === undefined || write.primaryKey.length !== 1) {
    throw new Error(`deletes need a single-column primary key on ${table}`);
  }
  // Deleted per the source: is_deleted, or status 'deleted' (deals, projects), as the shaper reads them.
  const reportsDeleted = {
    isDeleted: write.columns.some((column) => column.name === 'is_deleted'),
    status: write.columns.some((column) => column.name === 'status' && column.type === 'string'),
  };
  const rows: Row[] = keys.map((key) => ({ [keyName]: key as Row[string] }));
  const target: TableRef = { schema, name: table };
  return context.writes.run(() =>
    withStaging(warehouse, { target, columns: [keyColumn], rows }, async (session, stage) => {
      const plan = reconcileStatements(warehouse.dialect, target, await stage(), keyName, reportsDeleted);
      const [counted] = await session.query(plan.countMissing);
      const marked = Number(counted?.['missing'] ?? 0);
      if (marked > 0) await session.execute(plan.markMissing, [context.loadedAt]);
      await session.execute(plan.reviveListed);
      await context.history?.followDeletes(session, table); // history mode: close (or reopen) last versions
      for (const sql of plan.cleanup.inTransaction) await session.execute(sql);
      await context.store.saveBookmark(session, reconciledKey(table), context.loadedAt, context.loadId);
      return { result: marked, plan: plan.cleanup };
    }),
  );
}

/**
 * Lists every record the table's streams return (the same requests as a full read), charged to a
 * stats row of its own: `<table> deletes`. The pages hold whole records, already paid for, so
 * they are upserted too (an older version never overwrites a newer row): the same scan restores
 * rows deleted or edited by hand in the warehouse at no extra API cost. Then the anti-join marks
 * the rows no longer listed.
 */
export async function scanAndMark(context: LoadContext, table: string, streams: readonly StreamDefinition[]): Promise<number> {
  const name = `${table} deletes`;
  const stats = context.statsFor(name, table);
  const started = Date.now();
  const keys: unknown[] = [];
  let model = modelOf(context, table);
  try {
    for (const stream of streams) {
      const keyField = stream.primaryKey[0] ?? 'id';
      const batch = new RowBatch(context.batch);
      const flush = async (): Promise<void> => {
        if (batch.size > 0) await commitBatch(context, stats, model, batch.take(), stream);
      };
      // A run with a start date (load --since) keeps out what was updated before it: the scan
      // lists those keys, but restores only the records the backfill itself would have read.
      const since = context.since === undefined || stream.replicationKey === undefined ? Number.NaN : Date.parse(context.since);
      const restores = (record: Readonly<Record<string, unknown>>): boolean =>
        Number.isNaN(since) || !(timestampMillis(record[stream.replicationKey ?? '']) < since);
      // Default (id) order and no filter: every record listed once.
      for await (const page of paginate(context.pipedrive, { ...stream, name })) {
        stats.pages += 1;
        await context.beforeShaping?.(stream, page.records);
        if (modelOf(context, table) !== model) {
          await flush(); // rows shaped by the previous model, with the columns it knew
          model = modelOf(context, table);
        }
        for (const record of page.records) {
          keys.push(record[keyField]);
          if (restores(record)) batch.add(withSystemColumns(context, model.shape(record)));
        }
        context.reporter.progress(`${name}: ${keys.length.toLocaleString('en-US')} keys listed, ${stats.pages} pages`, { stream: name, records: keys.length });
        if (batch.isFull()) await flush();
        if (context.shouldStop()) {
          await flush();
          stats.status = 'stopped';
          return 0;
        }
      }
      await flush();
    }
    stats.records = keys.length;
    const marked = await markMissing(context, table, keys);
    stats.deleted += marked;
    stats.status = 'loaded';
    return marked;
  } catch (error) {
    stats.status = 'failed';
    throw error;
  } finally {
    const [first] = streams;
    if (first) finishStats(context, { ...first, name }, stats, started);
  }
}

/** Child rows of the visited parents that this run did not write have gone from Pipedrive. */
export async function markGoneChildren(
  context: LoadContext,
  session: WarehouseSession,
  table: string,
  child: ChildRead,
  parentIds: readonly (string | number)[],
): Promise<number> {
  const { dialect } = context.warehouse;
  const q = (name: string): string => dialect.quoteIdentifier(name);
  // Placeholders from `first`: the load id, then the parent ids.
  const where = (first: number): string =>
    `${q('_deleted_at')} IS NULL AND ${q('_load_id')} <> ${dialect.parameter(first)} AND ${q(child.foreignKey)} IN (` +
    parentIds.map((_, index) => dialect.parameter(first + 1 + index)).join(', ') +
    ')';
  const target = dialect.qualify({ schema: context.schema, name: table });
  const [counted] = await session.query(`SELECT COUNT(*) AS ${q('gone')} FROM ${target} WHERE ${where(1)}`, [context.loadId, ...parentIds]);
  const gone = Number(counted?.['gone'] ?? 0);
  if (gone > 0) {
    await session.execute(
      `UPDATE ${target} SET ${deletedAtFromFirstParameter(dialect)} WHERE ${where(2)}`,
      [context.loadedAt, context.loadId, ...parentIds],
    );
    await context.history?.followDeletes(session, table); // history mode: close their last versions
  }
  return gone;
}
