/**
 * One batch into one table: stage the rows, merge them by primary key, and let the caller write
 * its state (the stream's bookmark) in the same transaction, so data and bookmark commit together.
 *
 * Generic over the adapter contract: it branches on Capabilities, never on warehouse names.
 */
import type { Dialect, WarehouseClient, WarehouseSession } from '../../adapters/types.js';
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
  /** Existing keys whose row was replaced (not older than the stored one). */
  readonly updated: number;
}

/**
 * Counts, before the merge, what it is going to do. Portable SQL (GROUP BY, JOIN, CASE) run in
 * the merge's transaction, so nothing can change between the count and the merge.
 * `MAX(newestBy)` per key is the value the de-duplication keeps (NULLs lose), so a key counts as
 * updated exactly when the merge's guard (`t.newestBy IS NULL OR s.newestBy >= t.newestBy`) lets
 * it through.
 */
async function countChanges(
  session: WarehouseSession,
  dialect: Dialect,
  input: UpsertBatchInput,
  staging: TableRef,
): Promise<UpsertResult & { readonly matched: number }> {
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const keys = input.primaryKey.map(q);
  const newest = input.newestBy === undefined ? undefined : q(input.newestBy);
  const perKey =
    `SELECT ${keys.join(', ')}${newest ? `, MAX(${newest}) AS ${newest}` : ''} ` +
    `FROM ${dialect.qualify(staging)} GROUP BY ${keys.join(', ')}`;
  const updatedWhen = newest ? `t.${newest} IS NULL OR s.${newest} >= t.${newest}` : '1 = 1';
  const [counts] = await session.query(
    `SELECT COUNT(*) AS ${q('matched')}, ` +
      `SUM(CASE WHEN ${updatedWhen} THEN 1 ELSE 0 END) AS ${q('updated')} ` +
      `FROM ${dialect.qualify(input.target)} AS t JOIN (${perKey}) AS s ` +
      `ON ${keys.map((key) => `t.${key} = s.${key}`).join(' AND ')}`,
  );
  const [distinct] = await session.query(`SELECT COUNT(*) AS ${q('keys')} FROM (${perKey}) AS k`);
  const matched = Number(counts?.['matched'] ?? 0);
  return {
    inserted: Number(distinct?.['keys'] ?? 0) - matched,
    updated: Number(counts?.['updated'] ?? 0),
    matched,
  };
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
    return { inserted: 0, updated: 0 };
  }

  const mergeIn = async (session: WarehouseSession, staging: TableRef): Promise<UpsertResult> => {
    const counted = await countChanges(session, dialect, input, staging);
    const result: UpsertResult = { inserted: counted.inserted, updated: counted.updated };
    const statements = dialect.merge({
      target: input.target,
      staging,
      primaryKey: input.primaryKey,
      columns: input.columns.map((column) => column.name),
      newestBy: input.newestBy,
      allKeysNew: counted.matched === 0,
    });
    for (const sql of statements) await session.execute(sql);
    if (afterMerge) await afterMerge(session);
    return result;
  };

  if (dialect.capabilities.ddlInTransaction) {
    return client.transaction(async (session) => {
      const staging = await session.writeStaging(input.target, input.columns, input.rows);
      return mergeIn(session, staging);
    });
  }
  // Creating the staging table would commit an open transaction: stage first, then merge and
  // save state in the transaction. A failure leaves the staging table for the adapter to replace.
  const staging = await client.writeStaging(input.target, input.columns, input.rows);
  return client.transaction((session) => mergeIn(session, staging));
}
