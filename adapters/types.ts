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
  /** Whether CREATE/ALTER can run inside the merge transaction (false: run DDL before it). */
  readonly ddlInTransaction: boolean;
  /** Whether one ALTER TABLE may add several columns. */
  readonly multiColumnAlter: boolean;
  /** The bulk path used for staging rows. */
  readonly bulkLoad: 'appender' | 'copy' | 'load_job' | 'stage';
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
  /** Placeholder for the 1-based i-th bound parameter ($1 or ?). */
  parameter(index: number): string;
  /**
   * The i-th bound parameter read as a value of `type`, for warehouses where a text parameter
   * does not become every column type by itself: BigQuery and Snowflake keep JSON text a string
   * unless it goes through PARSE_JSON. Absent, `parameter(index)` serves every type. Snowflake
   * refuses function calls in a VALUES list, so rows inserted through it use INSERT … SELECT.
   */
  parameterAs?(index: number, type: LogicalType): string;
  createSchema(schema: string): string[];
  createTable(table: TableRef, spec: TableSpec): string[];
  addColumns(table: TableRef, columns: readonly ColumnSpec[]): string[];
  /** De-duplicate staging, merge it into the target, and drop the staging table. */
  merge(spec: MergeSpec): string[];
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

/** What may run inside a transaction. */
export interface WarehouseSession {
  query<R extends ResultRow = ResultRow>(sql: string, params?: readonly SqlParam[]): Promise<R[]>;
  execute(sql: string, params?: readonly SqlParam[]): Promise<void>;
  /**
   * Bulk-writes rows into a new staging table shaped like `columns`, next to `target`,
   * and returns its name for `Dialect.merge`.
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
