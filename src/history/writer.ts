/**
 * Writes history mode's tables (tables.ts, sql.ts) alongside the load:
 *
 * - `start`, before any stream: creates or evolves each `<table>_history`, and, the first time a
 *   table keeps a history (or when its history table is missing), copies the current rows in as
 *   their first versions (`_valid_from` = their update_time) and says so;
 * - `forBatch`, inside the batch's write (context.ts `commitBatch`): adds new columns, stages the
 *   batch's versions, and returns the step that runs in the batch's transaction, after the merge
 *   and before COMMIT, so versions, rows and bookmark commit together;
 * - `followDeletes`, in the transactions that mark rows deleted outside a batch (deletes.ts).
 */
import type { WarehouseClient, WarehouseSession } from '../../adapters/types.js';
import type { Reporter } from '../report/reporter.js';
import type { SchemaSync, TableModels } from '../load/schema-sync.js';
import { diff, renderPlan } from '../plan/index.js';
import type { ColumnSpec, Row, TableRef } from '../schema/types.js';
import type { StateStore } from '../state/store.js';
import type { HistoryChoice } from './selection.js';
import { followDeletesSql, insertVersionsSql, recomputeSql, replaceChangedSql } from './sql.js';
import { historySpec, historyTable, type HistoryTable } from './tables.js';

/** The `_loader_state` key recording since when a table keeps a history. */
export function historyStartedKey(table: string): string {
  return `${table}#history_since`;
}

/** The statements of one batch's history, run in its transaction. */
export type HistoryStep = (session: WarehouseSession) => Promise<void>;

export interface HistoryWriterOptions {
  readonly warehouse: WarehouseClient;
  readonly schema: string;
  readonly store: StateStore;
  readonly reporter: Reporter;
  readonly loadId: string;
  readonly loadedAt: string;
}

export class HistoryWriter {
  private readonly tables = new Map<string, HistoryTable>();
  /** Columns each history table has, as far as this run knows. */
  private readonly present = new Map<string, Map<string, ColumnSpec>>();
  /** Clean-up statements of staging tables made before a transaction, run once it has ended. */
  private readonly afterTransaction: string[] = [];

  constructor(private readonly options: HistoryWriterOptions) {}

  /** Whether `table` keeps a history in this run. */
  has(table: string): boolean {
    return this.tables.has(table);
  }

  /** The history tables this run writes, for the summary and tests. */
  get historyTables(): readonly HistoryTable[] {
    return [...this.tables.values()];
  }

  /**
   * After the schema is in step with the models: creates or evolves every chosen table's history
   * and starts the histories that have none yet. Tables this run does not load are left alone.
   */
  async start(choices: readonly HistoryChoice[], models: TableModels, sync: SchemaSync, bookmarks: ReadonlyMap<string, string>): Promise<void> {
    const { warehouse, schema } = this.options;
    const actual = await warehouse.describeSchema(schema);
    for (const choice of choices) {
      const model = models.get(choice.table);
      if (model === undefined) continue;
      const write = sync.writePlan(model);
      if (!write.columns.some((column) => column.name === choice.validFrom)) {
        this.options.reporter.warn('history_skipped', `${choice.table}: no ${choice.validFrom} column to date versions by; no history kept this run.`);
        continue;
      }
      const table = historyTable(schema, choice.table, { primaryKey: write.primaryKey, validFrom: choice.validFrom, columns: write.columns });
      const existing = actual.get(table.history.name);
      this.tables.set(choice.table, table);
      this.present.set(choice.table, new Map((existing ?? []).map((column) => [column.name, column])));
      await this.evolve(table, existing !== undefined);
      if (existing === undefined || !bookmarks.has(historyStartedKey(choice.table))) await this.begin(table);
    }
  }

  /** Creates the history table or adds the current table's new columns to it (older versions: NULL). */
  private async evolve(table: HistoryTable, exists: boolean): Promise<void> {
    const { warehouse, schema } = this.options;
    const known = this.present.get(table.current.name) ?? new Map<string, ColumnSpec>();
    const spec = historySpec(table);
    if (exists && spec.columns.every((column) => known.has(column.name))) return;
    const plan = diff([spec], new Map(exists ? [[spec.name, [...known.values()]]] : []), { schemaExists: true });
    const statements = renderPlan(plan, warehouse.dialect, schema);
    if (statements.length > 0) {
      // DDL is idempotent (IF NOT EXISTS): a crash after it and before the batch is harmless.
      if (warehouse.dialect.capabilities.ddlInTransaction) {
        await warehouse.transaction(async (session) => {
          for (const sql of statements) await session.execute(sql);
        });
      } else {
        for (const sql of statements) await warehouse.execute(sql);
      }
    }
    for (const column of spec.columns) if (!known.has(column.name)) known.set(column.name, column);
    this.present.set(table.current.name, known);
  }

  /** The current rows become the first versions, in one transaction with the state that says so. */
  private async begin(table: HistoryTable): Promise<void> {
    const { warehouse, store, reporter, loadId, loadedAt } = this.options;
    const q = (name: string): string => warehouse.dialect.quoteIdentifier(name);
    const copied = await warehouse.transaction(async (session) => {
      const [before] = await session.query(`SELECT COUNT(*) AS ${q('n')} FROM ${warehouse.dialect.qualify(table.history)}`);
      await session.execute(insertVersionsSql(warehouse.dialect, table, table.current));
      await session.execute(recomputeSql(warehouse.dialect, table, 'all'));
      const [after] = await session.query(`SELECT COUNT(*) AS ${q('n')} FROM ${warehouse.dialect.qualify(table.history)}`);
      await store.saveBookmark(session, historyStartedKey(table.current.name), loadedAt, loadId);
      return Number(after?.['n'] ?? 0) - Number(before?.['n'] ?? 0);
    });
    reporter.info(
      'history_started',
      copied > 0
        ? `${table.current.name}: history mode on; ${table.history.name} starts with the ${copied.toLocaleString('en-US')} current row(s) ` +
            `as their first versions (_valid_from = ${table.validFrom}); earlier changes were never read and are not in it.`
        : `${table.current.name}: history mode on; ${table.history.name} keeps every version read from now on.`,
      { table: table.current.name, versions: copied },
    );
  }

  /**
   * Called inside the batch's write, before its transaction: brings the history table's columns
   * up to the batch's, and stages the batch's versions (one per key and `_valid_from`, the last
   * read winning, as the merge lets a re-read of an equal update_time win). Returns the step to
   * run in the transaction, or undefined when the table keeps no history.
   */
  async forBatch(tableName: string, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<HistoryStep | undefined> {
    const known = this.tables.get(tableName);
    if (known === undefined || rows.length === 0) return undefined;
    const table: HistoryTable = { ...known, columns };
    if (columns.some((column) => !this.present.get(tableName)?.has(column.name))) {
      await this.evolve(table, true);
      this.tables.set(tableName, table);
    }
    const versions = distinctVersions(table, rows);
    const { warehouse } = this.options;
    const stageFirst = !warehouse.dialect.capabilities.ddlInTransaction;
    // Where creating a table would commit the transaction, the staging table is written first.
    const early = stageFirst ? await warehouse.writeStaging(table.history, columns, versions) : undefined;
    // Dropped after the transaction, committed or not (cleanUp): the dialect says where a drop may run.
    if (early !== undefined) this.afterTransaction.push(...warehouse.dialect.dropStaging(early).afterTransaction);
    return async (session) => {
      const staging = early ?? (await session.writeStaging(table.history, columns, versions));
      await this.applyStaged(session, table, staging);
    };
  }

  private async applyStaged(session: WarehouseSession, table: HistoryTable, staging: TableRef): Promise<void> {
    const { dialect } = this.options.warehouse;
    await session.execute(replaceChangedSql(dialect, table, staging));
    await session.execute(insertVersionsSql(dialect, table, staging));
    await session.execute(recomputeSql(dialect, table, staging));
    for (const sql of dialect.dropStaging(staging).inTransaction) await session.execute(sql);
  }

  /**
   * Drops the staging tables that could not be dropped inside the batch's transaction (where DDL
   * may not share it); called once the transaction has ended, whether it committed or failed.
   * Best effort, as for the merge's own staging: a leftover staging table holds no state.
   */
  async cleanUp(): Promise<void> {
    const statements = this.afterTransaction.splice(0);
    for (const sql of statements) await this.options.warehouse.execute(sql).catch(() => undefined);
  }

  /** Whether `tableName` keeps a history this run (its batches then take the history step). */
  keeps(tableName: string): boolean {
    return this.tables.has(tableName);
  }

  /** After rows of `tableName` were marked deleted, or live again, in `session`'s transaction. */
  async followDeletes(session: WarehouseSession, tableName: string): Promise<void> {
    const table = this.tables.get(tableName);
    if (table === undefined) return;
    for (const sql of followDeletesSql(this.options.warehouse.dialect, table)) await session.execute(sql);
  }
}

/** One row per (key, _valid_from), the last one read winning; rows without a date are kept for their key. */
export function distinctVersions(table: HistoryTable, rows: readonly Row[]): Row[] {
  const byVersion = new Map<string, Row>();
  for (const row of rows) {
    const key = JSON.stringify([...table.primaryKey.map((column) => String(row[column] ?? '')), String(row[table.validFrom] ?? '')]);
    byVersion.delete(key); // re-inserted last: Map order is insertion order
    byVersion.set(key, row);
  }
  return [...byVersion.values()];
}

/**
 * A table whose history was started by an earlier run but that this run loads without history:
 * the versions it reads are not added, and turning history on again will not bring them back.
 * Said once per table, so the gap is never silent.
 */
export function warnHistoryOff(
  reporter: Reporter,
  bookmarks: ReadonlyMap<string, string>,
  loaded: ReadonlySet<string>,
  choices: readonly HistoryChoice[],
): void {
  const chosen = new Set(choices.map((choice) => choice.table));
  for (const table of loaded) {
    const since = bookmarks.get(historyStartedKey(table));
    if (since === undefined || chosen.has(table)) continue;
    reporter.warn(
      'history_off',
      `${table}: history mode has been on since ${since}, but this run keeps no history (no --history ${table}): ` +
        `changes it reads are not added to ${historyTable('', table, { primaryKey: [], validFrom: '', columns: [] }).history.name}, and will not be later.`,
      { table },
    );
  }
}
