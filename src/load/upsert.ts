/**
 * One batch into one table: stage the rows, merge them by primary key, and let the caller write
 * its state (the stream's bookmark) in the same transaction, so data and bookmark commit together.
 * A backfill batch goes straight into the table where the warehouse offers `insertRows`.
 *
 * Generic over the adapter contract: it branches on Capabilities, never on warehouse names.
 */
import type { Dialect, MergeSpec, SqlParam, StatementPlan, WarehouseClient, WarehouseSession } from '../../adapters/types.js';
import type { ColumnSpec, Row, TableRef } from '../schema/types.js';

export interface UpsertBatchInput {
  readonly target: TableRef;
  /** Every column this batch writes, primary key included; the target must already have them. */
  readonly columns: readonly ColumnSpec[];
  readonly rows: readonly Row[];
  readonly primaryKey: readonly string[];
  /**
   * The column that orders versions of a row (update_time). Within the batch the greatest value
   * wins (ties: the row that came later); an existing row is only replaced by one at least as new.
   */
  readonly newestBy?: string;
}

export interface UpsertResult {
  /** Keys that were not in the table before. */
  readonly inserted: number;
  /**
   * Existing keys whose row the merge changed: at least one column other than `_loaded_at` and
   * `_load_id` now holds a different value. Distinct keys count once, whatever the batch repeats.
   */
  readonly updated: number;
  /**
   * Existing keys whose row kept every value: a re-read of the stored version (the one-second
   * overlap of every incremental run, a full stream, a full refresh) or an older version the merge
   * refused. Their `_loaded_at` and `_load_id` are still rewritten (README.md#counts); when no
   * row of the batch changes, only those two are (touchPlan).
   */
  readonly unchanged: number;
}

/**
 * Columns that say when and by which run a row was written, not what Pipedrive holds: a row whose
 * other values are all equal is unchanged, even though the merge rewrites these two.
 */
export const BOOKKEEPING_COLUMNS: ReadonlySet<string> = new Set(['_loaded_at', '_load_id']);

/**
 * Counts, before the merge, what it is going to do, in one aggregate query run in the merge's
 * transaction (nothing can change between the count and the merge). The staged side is the
 * dialect's `deduplicatedStaging`, the very rows the merge writes; a key is updated when it is in
 * the target, the merge's guard lets it through (`t.newestBy IS NULL OR s.newestBy >= t.newestBy`)
 * and some business column differs.
 */
async function countChanges(
  session: WarehouseSession,
  dialect: Dialect,
  input: UpsertBatchInput,
  spec: MergeSpec,
): Promise<UpsertResult & { readonly matched: number }> {
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const keys = input.primaryKey.map(q);
  const [firstKey] = keys;
  const newest = input.newestBy === undefined ? undefined : q(input.newestBy);
  const written = newest ? ` AND (t.${newest} IS NULL OR s.${newest} >= t.${newest})` : '';
  const differ = (column: ColumnSpec): string =>
    dialect.valuesDiffer?.(`s.${q(column.name)}`, `t.${q(column.name)}`, column.type) ??
    `s.${q(column.name)} IS DISTINCT FROM t.${q(column.name)}`;
  const compared = input.columns.filter((column) => !input.primaryKey.includes(column.name) && !BOOKKEEPING_COLUMNS.has(column.name));
  // No business column besides the key: a matched row can never change.
  const changed = compared.length === 0 ? '1 = 0' : `(${compared.map(differ).join(' OR ')})`;
  const [counts] = await session.query(
    `SELECT COUNT(*) AS ${q('keys')}, COUNT(t.${firstKey}) AS ${q('matched')}, ` +
      `SUM(CASE WHEN t.${firstKey} IS NOT NULL${written} AND ${changed} THEN 1 ELSE 0 END) AS ${q('updated')} ` +
      `FROM (${dialect.deduplicatedStaging(spec)}) AS s LEFT JOIN ${dialect.qualify(input.target)} AS t ` +
      `ON ${keys.map((key) => `t.${key} = s.${key}`).join(' AND ')}`,
  );
  const matched = Number(counts?.['matched'] ?? 0);
  const updated = Number(counts?.['updated'] ?? 0);
  return { inserted: Number(counts?.['keys'] ?? 0) - matched, updated, unchanged: matched - updated, matched };
}

/**
 * What a counted batch needs: the dialect's merge, or, when it changes no value (every staged key
 * is stored, each row as stored or older; a scheduled run's re-read of its bookmark's second),
 * only the bookkeeping columns rewritten (`touchPlan`).
 */
function mergePlan(dialect: Dialect, spec: MergeSpec, matched: number, counts: UpsertResult): StatementPlan {
  if (counts.inserted === 0 && counts.updated === 0 && matched > 0) return touchPlan(dialect, spec);
  return dialect.merge({ ...spec, allKeysNew: matched === 0 });
}

/**
 * The merge of a batch that changes no value, as its effect: `_loaded_at` and `_load_id` set from
 * the batch on the rows the merge would have rewritten (the merge's own guard keeps older versions
 * out), every other column left as it is, since it already holds the batch's value. These two
 * columns are what `dbt source freshness` and the deal products' re-read rely on (README.md#counts).
 * A DuckDB merge of one wide row (temporary table, DELETE, INSERT) cost ~80 ms of CPU; this is one
 * UPDATE of two columns. `UPDATE … FROM` with an aliased target is standard to all four warehouses.
 */
export function touchPlan(dialect: Dialect, spec: MergeSpec): StatementPlan {
  const drop = dialect.dropStaging(spec.staging);
  const touched = spec.columns.filter((column) => BOOKKEEPING_COLUMNS.has(column));
  if (touched.length === 0) return drop;
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const joinOn = spec.primaryKey.map((key) => `t.${q(key)} = s.${q(key)}`);
  const guard = spec.newestBy === undefined ? [] : [`(t.${q(spec.newestBy)} IS NULL OR s.${q(spec.newestBy)} >= t.${q(spec.newestBy)})`];
  const update =
    `UPDATE ${dialect.qualify(spec.target)} AS t SET ${touched.map((column) => `${q(column)} = s.${q(column)}`).join(', ')}\n` +
    `FROM (${dialect.deduplicatedStaging(spec)}) AS s\n` +
    `WHERE ${[...joinOn, ...guard].join(' AND ')}`;
  return { inTransaction: [update, ...drop.inTransaction], afterTransaction: drop.afterTransaction };
}

/** Keys looked up per query: far below the bound-parameter limits (PostgreSQL: 65,535). */
const KEYS_PER_LOOKUP = 2_000;

/**
 * The backfill fast path's test, run in the batch's transaction: a single-column key, no key
 * twice in the batch (so there is nothing to de-duplicate) and none of them in the target yet.
 * Index lookups of the keys; a repeated key or a composite key answers false without a query.
 */
async function allKeysNewAndDistinct(session: WarehouseSession, dialect: Dialect, input: UpsertBatchInput): Promise<boolean> {
  const [key] = input.primaryKey;
  if (key === undefined || input.primaryKey.length !== 1) return false;
  const keys: SqlParam[] = [];
  const seen = new Set<string>();
  for (const row of input.rows) {
    const value = row[key];
    if (value === null || value === undefined || typeof value === 'object') return false; // object: a list
    // SQL compares 7, 7n and '7' as one key: so does this check.
    const text = String(value);
    if (seen.has(text)) return false;
    seen.add(text);
    keys.push(value);
  }
  const q = (name: string): string => dialect.quoteIdentifier(name);
  for (let start = 0; start < keys.length; start += KEYS_PER_LOOKUP) {
    const group = keys.slice(start, start + KEYS_PER_LOOKUP);
    const placeholders = group.map((_, index) => dialect.parameter(index + 1));
    // At most one match is needed: asked to count every match, PostgreSQL scans a large table
    // instead of probing its key index (measured 15 ms against 2 ms per 2,000 keys).
    const [found] = await session.query(
      `SELECT COUNT(*) AS ${q('found')} FROM (SELECT 1 AS ${q('hit')} FROM ${dialect.qualify(input.target)} ` +
        `WHERE ${q(key)} IN (${placeholders.join(', ')}) LIMIT 1) AS ${q('probe')}`,
      group,
    );
    if (Number(found?.['found'] ?? 0) > 0) return false;
  }
  return true;
}

/**
 * Runs what a plan leaves for after its transaction (a staging table's drop), on the client.
 * Best effort: the data has committed or rolled back already, and a staging table that stays
 * expires or goes with the session (see each adapter), so a failure here must not fail the batch.
 */
export async function runAfterTransaction(client: WarehouseClient, statements: readonly string[]): Promise<void> {
  for (const sql of statements) await client.execute(sql).catch(() => undefined);
}

/** A plan that leaves nothing for after the transaction. */
const NOTHING_AFTER: StatementPlan = { inTransaction: [], afterTransaction: [] };

/**
 * Runs `work` in one transaction with a staging table of `input`'s rows, then the plan's
 * clean-up. `stage()` gives the staging table: where DDL may share the transaction it is made
 * inside it, when first asked for (a rollback takes it away); else it is made before the
 * transaction, and dropped after it whether the transaction committed or failed. `work` returns
 * its result with the plan whose `afterTransaction` is left to run; a plan that used the staging
 * table drops it (as `Dialect.merge` does, through `Dialect.dropStaging`).
 */
export async function withStaging<T>(
  client: WarehouseClient,
  input: { readonly target: TableRef; readonly columns: readonly ColumnSpec[]; readonly rows: readonly Row[] },
  work: (session: WarehouseSession, stage: () => Promise<TableRef>) => Promise<{ readonly result: T; readonly plan: StatementPlan }>,
): Promise<T> {
  const { dialect } = client;
  if (dialect.capabilities.ddlInTransaction) {
    const { result, plan } = await client.transaction((session) =>
      work(session, () => session.writeStaging(input.target, input.columns, input.rows)),
    );
    await runAfterTransaction(client, plan.afterTransaction);
    return result;
  }
  // Creating the staging table would commit (or be refused in) an open transaction: stage first.
  const staging = await client.writeStaging(input.target, input.columns, input.rows);
  let cleanup = dialect.dropStaging(staging).afterTransaction;
  let used = false;
  const stage = (): Promise<TableRef> => {
    used = true;
    return Promise.resolve(staging);
  };
  try {
    const { result, plan } = await client.transaction((session) => work(session, stage));
    if (used) cleanup = plan.afterTransaction;
    return result;
  } finally {
    await runAfterTransaction(client, cleanup);
  }
}

export async function upsertBatch(
  client: WarehouseClient,
  input: UpsertBatchInput,
  afterMerge?: (session: WarehouseSession) => Promise<void>,
): Promise<UpsertResult> {
  const { dialect } = client;
  if (input.primaryKey.length === 0) throw new Error(`upsertBatch into ${input.target.name} needs a primary key`);
  if (input.rows.length === 0) {
    // Nothing to merge, but the caller's state (e.g. a bookmark) must still commit.
    if (afterMerge) await client.transaction(afterMerge);
    return { inserted: 0, updated: 0, unchanged: 0 };
  }

  return withStaging(client, input, async (session, stage) => {
    // A backfill batch (every key new, none repeated) needs no staging, counting or merge.
    if (session.insertRows && (await allKeysNewAndDistinct(session, dialect, input))) {
      await session.insertRows(input.target, input.columns, input.rows);
      if (afterMerge) await afterMerge(session);
      return { result: { inserted: input.rows.length, updated: 0, unchanged: 0 }, plan: NOTHING_AFTER };
    }
    const spec: MergeSpec = {
      target: input.target,
      staging: await stage(),
      primaryKey: input.primaryKey,
      columns: input.columns.map((column) => column.name),
      newestBy: input.newestBy,
    };
    const { matched, ...result } = await countChanges(session, dialect, input, spec);
    const plan = mergePlan(dialect, spec, matched, result);
    for (const sql of plan.inTransaction) await session.execute(sql);
    if (afterMerge) await afterMerge(session);
    return { result, plan };
  });
}

/**
 * A commit unit staged beforehand (StagingFile.load, outside any transaction): counted, merged,
 * and the caller's state saved, in one transaction, as upsertBatch does after staging.
 */
export async function mergeStaged(
  client: WarehouseClient,
  input: Omit<UpsertBatchInput, 'rows'>,
  staging: TableRef,
  afterMerge?: (session: WarehouseSession) => Promise<void>,
): Promise<UpsertResult> {
  const { dialect } = client;
  const spec: MergeSpec = { target: input.target, staging, primaryKey: input.primaryKey, columns: input.columns.map((column) => column.name), newestBy: input.newestBy };
  // The unit's staging table was made before the transaction: it is dropped after it, committed
  // or not, wherever the dialect says a drop may run.
  let cleanup = dialect.dropStaging(staging).afterTransaction;
  try {
    return await client.transaction(async (session) => {
      const { matched, ...result } = await countChanges(session, dialect, { ...input, rows: [] }, spec);
      const plan = mergePlan(dialect, spec, matched, result);
      for (const sql of plan.inTransaction) await session.execute(sql);
      if (afterMerge) await afterMerge(session);
      cleanup = plan.afterTransaction;
      return result;
    });
  } finally {
    await runAfterTransaction(client, cleanup);
  }
}
