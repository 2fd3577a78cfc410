/**
 * `_loader_rejects` (migrations/002_loader_rejects.ts) in portable SQL: the values that became
 * NULL and the records skipped for want of a primary key. Written in the batch's own transaction,
 * keyed by (table, record, column): a record read again replaces its rejects (or, loaded clean,
 * clears them), so a rerun never duplicates one and a crash never keeps one for rows that were
 * rolled back. The StateStore methods of the same names delegate here.
 */
import type { Dialect, ResultRow, SqlParam, WarehouseClient, WarehouseSession } from '../../adapters/types.js';
import { LOADER_TABLES } from '../../migrations/tables.js';

/** One reject of one record, as the commit hands it over. */
export interface RejectInput {
  readonly recordId: string;
  readonly column: string;
  readonly original: string;
  readonly reason: string;
}

export interface StoredReject extends RejectInput {
  readonly table: string;
  readonly loadId: string;
  readonly rejectedAt: string;
}

/** How many rejects a table's column holds, and when the newest was recorded. */
export interface RejectCount {
  readonly table: string;
  readonly column: string;
  readonly reason: string;
  readonly count: number;
  readonly lastAt: string;
}

const COLUMNS = ['table_name', 'record_id', 'column_name', 'original_text', 'reason', 'load_id', 'rejected_at'] as const;
/** Ids per DELETE and rows per INSERT: a few hundred bound values, far below every limit. */
const IDS_PER_DELETE = 500;
const ROWS_PER_INSERT = 100;

function isoText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value ?? '');
}

export class RejectTable {
  constructor(
    private readonly dialect: Dialect,
    private readonly schema: string,
  ) {}

  private get table(): string {
    return this.dialect.qualify({ schema: this.schema, name: LOADER_TABLES.rejects });
  }

  private id(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  async tablesWithRejects(client: WarehouseClient): Promise<Set<string>> {
    const rows = await client.query(`SELECT DISTINCT ${this.id('table_name')} FROM ${this.table}`);
    return new Set(rows.map((row) => String(row['table_name'])));
  }

  /**
   * Replaces the rejects of the records `recordIds` of `table` by `rejects` (which may be empty:
   * the records loaded clean). Call it with the batch's session.
   */
  async replace(
    session: WarehouseSession,
    table: string,
    recordIds: readonly string[],
    rejects: readonly RejectInput[],
    loadId: string,
    now: string,
  ): Promise<void> {
    const p = (index: number): string => this.dialect.parameter(index);
    const ids = [...new Set([...recordIds, ...rejects.map((reject) => reject.recordId)])];
    for (let start = 0; start < ids.length; start += IDS_PER_DELETE) {
      const group = ids.slice(start, start + IDS_PER_DELETE);
      await session.execute(
        `DELETE FROM ${this.table} WHERE ${this.id('table_name')} = ${p(1)} AND ${this.id('record_id')} IN (${group.map((_, i) => p(i + 2)).join(', ')})`,
        [table, ...group],
      );
    }
    // The same record twice in a batch: its last reading wins, as the merge keeps one row.
    const latest = new Map<string, RejectInput>();
    for (const reject of rejects) latest.set(JSON.stringify([reject.recordId, reject.column]), reject);
    const rows = [...latest.values()];
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const group = rows.slice(start, start + ROWS_PER_INSERT);
      const values: SqlParam[] = [];
      const tuples = group.map((reject) => {
        const first = values.length + 1;
        values.push(table, reject.recordId, reject.column, reject.original, reject.reason, loadId, now);
        return `(${COLUMNS.map((_, i) => p(first + i)).join(', ')})`;
      });
      await session.execute(`INSERT INTO ${this.table} (${COLUMNS.map((c) => this.id(c)).join(', ')}) VALUES ${tuples.join(', ')}`, values);
    }
  }

  async counts(client: WarehouseClient): Promise<RejectCount[]> {
    const [table, column, reason] = [this.id('table_name'), this.id('column_name'), this.id('reason')];
    const rows = await client.query(
      `SELECT ${table}, ${column}, ${reason}, COUNT(*) AS ${this.id('rejects')}, MAX(${this.id('rejected_at')}) AS ${this.id('last_at')} ` +
        `FROM ${this.table} GROUP BY ${table}, ${column}, ${reason} ORDER BY ${table}, ${column}, ${reason}`,
    );
    return rows.map((row: ResultRow) => ({
      table: String(row['table_name']),
      column: String(row['column_name']),
      reason: String(row['reason']),
      count: Number(row['rejects']),
      lastAt: isoText(row['last_at']),
    }));
  }

  /** The newest rejects, newest first. */
  async newest(client: WarehouseClient, limit: number): Promise<StoredReject[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a whole number ≥ 1');
    const rows = await client.query(
      `SELECT ${COLUMNS.map((c) => this.id(c)).join(', ')} FROM ${this.table} ` +
        `ORDER BY ${this.id('rejected_at')} DESC, ${this.id('table_name')}, ${this.id('record_id')}, ${this.id('column_name')} LIMIT ${limit}`,
    );
    return rows.map((row) => ({
      table: String(row['table_name']),
      recordId: String(row['record_id']),
      column: String(row['column_name']),
      original: String(row['original_text'] ?? ''),
      reason: String(row['reason'] ?? ''),
      loadId: String(row['load_id'] ?? ''),
      rejectedAt: isoText(row['rejected_at']),
    }));
  }
}
