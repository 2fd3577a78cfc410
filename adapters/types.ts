/**
 * The whole adapter contract. Generic code (planner, load pipeline, state store, migrations)
 * talks only to these interfaces and branches on `Capabilities` data, never on warehouse names.
 */
import type { TargetConfig, WarehouseName } from '../src/config/target.js';
import type { ColumnSpec, LogicalType, Row, TableRef, TableSpec } from '../src/schema/types.js';

export type { WarehouseName };

export interface Capabilities {
  /** Longest identifier the warehouse accepts, in bytes. */
  readonly maxIdentifierBytes: number;
  /** How the warehouse folds unquoted identifiers. */
  readonly unquotedCase: 'lower' | 'upper' | 'preserve';
  /**
   * Whether CREATE/ALTER/DROP may share a transaction with the rows they concern. False: DDL
   * either commits the open transaction by itself (Snowflake) or is refused inside one
   * (BigQuery), so generic code runs DDL and staging before the transaction and the staging
   * clean-up after it (`StatementPlan.afterTransaction`), and never sends DDL inside one.
   */
  readonly ddlInTransaction: boolean;
  /** Whether one ALTER TABLE may add several columns. */
  readonly multiColumnAlter: boolean;
  /**
   * How a statement refers to its bound values (`Dialect.parameter` writes them). `numbered`
   * ($1, :1) names the i-th value, so one value may be referred to several times; `positional`
   * (?) takes the next value at each placeholder in text order, so a value used twice is bound
   * twice and placeholders must be numbered in the order they appear.
   */
  readonly parameters: 'numbered' | 'positional';
  /**
   * Whether a row of `INSERT … VALUES` may hold expressions such as PARSE_JSON(?). False
   * (Snowflake): rows that need one are inserted with `INSERT … SELECT`.
   */
  readonly expressionsInValues: boolean;
  /**
   * Whether `\` is an escape character inside single-quoted string literals (BigQuery,
   * Snowflake), so a literal written by hand doubles it and writes `'` as `\'`; false where the
   * SQL standard applies and only `'` is doubled.
   */
  readonly backslashEscapesInStrings: boolean;
  /**
   * Whether statements may be issued from several places at once (`WarehouseClient.query` while
   * another stream's `transaction()` runs), each apart from any open transaction, on a connection
   * or job of its own (PostgreSQL's pool, BigQuery's jobs). False: they would share one session
   * with the transaction and join it (Snowflake), or one connection with the transactions
   * (DuckDB's, apart only once a transaction is open), so generic code queues them behind it.
   */
  readonly concurrentStatements: boolean;
}

/**
 * What one write runs, split by when: the statements of the transaction, in order, and those
 * that must wait until it has ended (dropping a staging table where DDL may not share the
 * transaction). Generic code runs `afterTransaction` once the transaction has committed, and
 * also, best effort, after it failed; a failure there loses no data (a staging table left over
 * expires or goes with the session). No client ever reads the SQL to decide this.
 */
export interface StatementPlan {
  readonly inTransaction: readonly string[];
  readonly afterTransaction: readonly string[];
}

export interface MergeSpec {
  readonly target: TableRef;
  readonly staging: TableRef;
  readonly primaryKey: readonly string[];
  /** Every column written by this batch, primary key included. */
  readonly columns: readonly string[];
  /**
   * De-duplicate staging by primary key keeping the row with the greatest value of this column
   * (later rows win ties), and never let an older row overwrite a newer one in the target.
   */
  readonly newestBy?: string;
  /**
   * True when none of the staged keys exists in the target (counted in the same transaction), as
   * in a first backfill: a dialect may then insert the de-duplicated rows without joining the
   * target. Ignoring it is always correct.
   */
  readonly allKeysNew?: boolean;
}

/** Pure SQL rendering: no IO, unit-tested by snapshots. */
export interface Dialect {
  readonly name: WarehouseName;
  readonly capabilities: Capabilities;
  quoteIdentifier(name: string): string;
  qualify(table: TableRef): string;
  nativeType(type: LogicalType): string;
  /** Maps a native type as reported by the catalog back to the logical type that produces it. */
  logicalType(nativeType: string): LogicalType;
  /** Placeholder for the 1-based i-th bound parameter ($1, :1 or ?; see `capabilities.parameters`). */
  parameter(index: number): string;
  /**
   * The i-th bound parameter read as a value of `type`. Where a text parameter does not become
   * every column type by itself (BigQuery and Snowflake keep JSON text a string unless it goes
   * through PARSE_JSON) this wraps it; elsewhere it is `parameter(index)`. Whether the result may
   * stand in a VALUES row is `capabilities.expressionsInValues`.
   */
  parameterAs(index: number, type: LogicalType): string;
  createSchema(schema: string): string[];
  createTable(table: TableRef, spec: TableSpec): string[];
  addColumns(table: TableRef, columns: readonly ColumnSpec[]): string[];
  /**
   * De-duplicate staging, merge it into the target, and drop the staging table: the merge in
   * `inTransaction`, the drop wherever `dropStaging` puts it.
   */
  merge(spec: MergeSpec): StatementPlan;
  /**
   * Drops a staging table made by `WarehouseSession.writeStaging`: inside the transaction where
   * DDL may share it (then a rollback keeps nothing either), after it where it may not.
   */
  dropStaging(staging: TableRef): StatementPlan;
  /**
   * History mode's `_version_hash` of the row `alias` over `columns` (chosen and ordered by
   * src/history): an MD5 in hex computed in the warehouse, the same for a value however it was
   * written (timestamps as instants, whatever the session's time zone), NULL distinct from 'NULL'.
   */
  versionHash(alias: string, columns: readonly ColumnSpec[]): string;
  /**
   * The SELECT of the rows `merge(spec)` writes from staging: one per key, chosen exactly as the
   * merge chooses (only `spec.columns`). upsertBatch joins it to the target to count, before the
   * merge and in its transaction, which keys are new and which rows' values change.
   */
  deduplicatedStaging(spec: MergeSpec): string;
  /**
   * A condition true when two values of a column of `type` differ, NULLs compared as values.
   * Absent: `left IS DISTINCT FROM right` (BigQuery cannot compare JSON or ARRAY values that way).
   */
  valuesDiffer?(left: string, right: string, type: LogicalType): string;
}

export type SqlParam = string | number | bigint | boolean | null;
export type ResultRow = Record<string, unknown>;

/**
 * What may run inside a transaction. Clients run every statement as given: they never read SQL
 * text to decide where or when it runs (that is `StatementPlan` and `Capabilities`). Failures
 * are thrown as WarehouseTransientError (a retry later may succeed: lost connection, lock
 * timeout, quota) or WarehouseTerminalError (a person must act), translated by the adapter's
 * errors.ts: transience belongs to each failure, not to the warehouse, so it is not a capability.
 */
export interface WarehouseSession {
  query<R extends ResultRow = ResultRow>(sql: string, params?: readonly SqlParam[]): Promise<R[]>;
  execute(sql: string, params?: readonly SqlParam[]): Promise<void>;
  /**
   * Bulk-writes rows into a new staging table shaped like `columns`, next to `target`,
   * and returns its name for `Dialect.merge`. Where `capabilities.ddlInTransaction` is false it
   * creates a table, so generic code calls it before the transaction (on the client).
   */
  writeStaging(target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<TableRef>;
  /**
   * Optional backfill fast path: bulk-writes rows straight into `target`, without staging or
   * merge. upsertBatch calls it only after checking, in this transaction, that no key repeats
   * within `rows` and none is in the target yet; a key another writer inserts meanwhile must
   * make it fail (the primary key), never overwrite.
   */
  insertRows?(target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<void>;
}

export interface WarehouseClient extends WarehouseSession {
  readonly dialect: Dialect;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Runs `work` in one transaction: all of it commits, or none of it. */
  transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T>;
  /** Tables of a schema with their columns as logical types; empty when the schema is absent. */
  describeSchema(schema: string): Promise<Map<string, ColumnSpec[]>>;
  /** A short description of where data goes, without secrets (`duckdb file ./pipedrive.duckdb`). */
  describeTarget(): string;
  /**
   * Makes this run the only one loading `schema`: waits up to `waitMs` for another run to finish,
   * then throws LockBusyError. Resolves to the function that releases the lock. Optional: a
   * warehouse whose client already excludes other processes (DuckDB's file lock) omits it.
   */
  lockSchema?(schema: string, options: { waitMs: number }): Promise<() => Promise<void>>;
}

export interface Adapter {
  readonly dialect: Dialect;
  createClient(target: TargetConfig): WarehouseClient;
}

// ── Batch sizing and file staging ────────────────────────────────────────────────────────────
// What a batch costs differs per warehouse: a PostgreSQL or DuckDB merge of 2,000 rows takes
// milliseconds, while on BigQuery and Snowflake each staged batch is a load job (or a stage
// upload) and a MERGE with a fixed price and a scan of the target. So the adapter says how large
// a batch is, and where merges are dear it stages many memory-sized batches through a local file
// and merges them once. Declared apart (TypeScript merges this WarehouseClient declaration into
// the one above) so that these members read as one piece.

/** Rows held in memory at once: bounded by count and by estimated heap (src/load/batch.ts). */
export interface BatchLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

/** One commit unit: rows staged through a file, loaded once, merged once, bookmarked once. */
export interface CommitUnitLimits {
  readonly maxRows: number;
  /** Encoded bytes in the staging file (what one load job uploads). */
  readonly maxStagedBytes: number;
}

export interface BatchSizing {
  /** Rows shaped and held in memory at once; without `unit` also the rows of one merge. */
  readonly memory: BatchLimits;
  /** Present where a merge has a fixed price: memory batches are appended to a StagingFile. */
  readonly unit?: CommitUnitLimits;
}

/**
 * The rows of one commit unit, encoded as they arrive into a local file (so memory stays flat
 * whatever the unit's size), then loaded into a new staging table for `Dialect.merge`.
 */
export interface StagingFile {
  /** Rows appended so far. */
  readonly rows: number;
  /** Encoded bytes appended so far. */
  readonly bytes: number;
  /** Encodes `rows` (shaped like the columns the file was opened with) and appends them; a later row wins a tie with an earlier one. */
  append(rows: readonly Row[]): Promise<void>;
  /** One load of the whole file into a new staging table, outside any transaction; returns its name. */
  load(): Promise<TableRef>;
  /** Deletes the local file; safe to call more than once, and after a failure. */
  discard(): Promise<void>;
}

export interface WarehouseClient {
  /** How this warehouse batches rows; absent: 2,000 rows / 12 MB per batch, one merge each. */
  readonly batchSizing?: BatchSizing;
  /** Opens a staging file for `target` (with `batchSizing.unit`; absent: rows are staged per batch). */
  openStagingFile?(target: TableRef, columns: readonly ColumnSpec[]): Promise<StagingFile>;
}
