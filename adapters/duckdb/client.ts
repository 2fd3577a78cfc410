/**
 * The DuckDB warehouse client: one embedded database file, all IO.
 *
 * DuckDB allows one writing process per file; within it, a transaction is simply BEGIN/COMMIT on
 * the main connection, and statements issued meanwhile from outside the transaction run on a
 * second connection of the same database, so they never join a batch that is not theirs. Rows reach staging through the Appender in DataChunks of 2048 rows
 * (DuckDB's vector size), never through row-by-row INSERTs; only one chunk is alive at a time,
 * so memory stays flat whatever the batch size the caller chose.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, BIGINT } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DEFAULT_MEMORY_LIMIT_MB, parseDuckDBSettings, type DuckDBSettings } from '../../src/config/duckdb-settings.js';
import { WarehouseTerminalError } from '../../src/errors.js';
import type { TargetConfig } from '../../src/config/target.js';
import type { CellValue, ColumnSpec, LogicalType, Row, TableRef } from '../../src/schema/types.js';
import type { ResultRow, SqlParam, WarehouseClient, WarehouseSession } from '../types.js';
import { DUCKDB_CATALOG, duckdbDialect, qualify, quoteIdentifier, STAGING_ROW_COLUMN } from './dialect.js';
import { translateDuckDBError } from './errors.js';
import { memoryLimitMbFor } from './memory.js';
import { CellTypeError, fromDuckDBValue, parameterType, stagingVectorType, toStagingValue } from './values.js';

const CHUNK_ROWS = 2048;

export class DuckDBClient implements WarehouseClient {
  readonly dialect = duckdbDialect;
  readonly #settings: DuckDBSettings;
  /** memory_limit in force, in MB, while the loader chooses it (`#fitMemoryTo`). */
  #memoryLimitMb = DEFAULT_MEMORY_LIMIT_MB;
  #instance: DuckDBInstance | undefined;
  #connection: DuckDBConnection | undefined;
  /**
   * A second connection for statements issued outside the open transaction (another stream's
   * read, the signal handler recording the run as interrupted) while `transaction()` holds the
   * first. On the one connection they would join that transaction, to be committed or rolled
   * back with a batch they have nothing to do with; a second SIGINT's run record was lost so.
   */
  #side: DuckDBConnection | undefined;
  #inTransaction = false;
  #stagingCounter = 0;

  constructor(target: TargetConfig) {
    this.#settings = parseDuckDBSettings(target.settings);
  }

  get #isMemory(): boolean {
    return this.#settings.path === ':memory:';
  }

  describeTarget(): string {
    return this.#isMemory ? 'DuckDB in memory' : `DuckDB file ${this.#settings.path}`;
  }

  async open(): Promise<void> {
    if (this.#connection) return;
    const { path, threads, memoryLimit, checkpointThreshold } = this.#settings;
    const options: Record<string, string> = { checkpoint_threshold: checkpointThreshold, memory_limit: memoryLimit };
    if (threads !== undefined) options['threads'] = String(threads);
    try {
      if (!this.#isMemory) await mkdir(dirname(resolve(path)), { recursive: true });
      // The file is attached under a fixed name (see DUCKDB_CATALOG). ATTACH takes no bound
      // parameters; the path comes from the user's own profile and is quoted as a literal.
      this.#instance = await DuckDBInstance.create(':memory:', options);
      this.#connection = await this.#instance.connect();
      await this.#connection.run(`ATTACH ${stringLiteral(path)} AS ${quoteIdentifier(DUCKDB_CATALOG)}`);
      await this.#connection.run(`USE ${quoteIdentifier(DUCKDB_CATALOG)}`);
    } catch (error) {
      this.#connection?.closeSync();
      this.#instance?.closeSync();
      this.#connection = undefined;
      this.#instance = undefined;
      throw translateDuckDBError(error, 'opening the database', path);
    }
  }

  async close(): Promise<void> {
    this.#side?.closeSync();
    this.#side = undefined;
    this.#connection?.closeSync();
    this.#instance?.closeSync();
    this.#connection = undefined;
    this.#instance = undefined;
  }

  async query<R extends ResultRow = ResultRow>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    return this.#query(await this.#outsideConnection(), sql, params);
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    await this.#execute(await this.#outsideConnection(), sql, params);
  }

  /** The connection for a statement that is not part of the open transaction (see `#side`). */
  async #outsideConnection(): Promise<DuckDBConnection> {
    const main = this.#requireConnection();
    if (!this.#inTransaction) return main;
    if (!this.#side) {
      const side = await this.#requireInstance().connect();
      try {
        await side.run(`USE ${quoteIdentifier(DUCKDB_CATALOG)}`);
      } catch (error) {
        side.closeSync();
        throw translateDuckDBError(error, 'opening a second connection', this.#settings.path);
      }
      this.#side = side;
    }
    return this.#side;
  }

  async #query<R extends ResultRow = ResultRow>(connection: DuckDBConnection, sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    try {
      const reader = await connection.runAndReadAll(sql, [...params], params.map(parameterType));
      return reader.getRowObjects().map((row) => {
        const plain: ResultRow = {};
        for (const [key, value] of Object.entries(row)) plain[key] = fromDuckDBValue(value);
        return plain as R;
      });
    } catch (error) {
      throw translateDuckDBError(error, `running ${summarize(sql)}`, this.#settings.path);
    }
  }

  async #execute(connection: DuckDBConnection, sql: string, params: readonly SqlParam[] = []): Promise<void> {
    try {
      await connection.run(sql, [...params], params.map(parameterType));
    } catch (error) {
      throw translateDuckDBError(error, `running ${summarize(sql)}`, this.#settings.path);
    }
  }

  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    if (this.#inTransaction) throw new Error('DuckDBClient.transaction cannot be nested');
    // Set before the first await: two overlapping calls must not both get past the check.
    this.#inTransaction = true;
    const connection = this.#requireConnection();
    try {
      await this.#execute(connection, 'BEGIN TRANSACTION');
      const result = await work(this.#session(connection));
      await this.#execute(connection, 'COMMIT');
      return result;
    } catch (error) {
      // A failed statement already aborted the transaction; ROLLBACK then only clears it.
      await connection.run('ROLLBACK').catch(() => undefined);
      // Driver errors were translated where they happened; the caller's own errors pass unchanged.
      throw error;
    } finally {
      this.#inTransaction = false;
    }
  }

  async describeSchema(schema: string): Promise<Map<string, ColumnSpec[]>> {
    const rows = await this.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_catalog = $1 AND table_schema = $2
       ORDER BY table_name, ordinal_position`,
      [DUCKDB_CATALOG, schema],
    );
    const tables = new Map<string, ColumnSpec[]>();
    for (const row of rows) {
      const columns = tables.get(row.table_name) ?? [];
      columns.push({ name: row.column_name, type: this.dialect.logicalType(row.data_type) });
      tables.set(row.table_name, columns);
    }
    return tables;
  }

  /**
   * Creates a staging table next to `target` (no key: duplicates are resolved by the merge) and
   * appends the rows in DataChunks. Inside a transaction the table vanishes on rollback.
   */
  async writeStaging(target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<TableRef> {
    return this.#writeStaging(await this.#outsideConnection(), target, columns, rows);
  }

  async #writeStaging(connection: DuckDBConnection, target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<TableRef> {
    this.#stagingCounter += 1;
    const staging: TableRef = {
      schema: target.schema,
      name: `_loader_staging_${target.name}_${this.#stagingCounter}`,
    };
    const definitions = columns.map((c) => `${quoteIdentifier(c.name)} ${this.dialect.nativeType(c.type)}`);
    definitions.push(`${quoteIdentifier(STAGING_ROW_COLUMN)} BIGINT`);
    await this.#execute(connection, `CREATE OR REPLACE TABLE ${qualify(staging)} (${definitions.join(', ')})`);

    await this.#append(connection, staging, [...columns, null], rows, `staging rows for ${target.schema}.${target.name}`);
    return staging;
  }

  /**
   * The backfill fast path (src/load/upsert.ts): appends the rows straight into `target`, with no
   * staging table, change count or merge, which on a first load cost DuckDB more CPU than the
   * appending itself. The Appender writes whole rows in the table's column order, so columns of
   * the table the batch does not write are appended as NULL, as an INSERT naming only the
   * batch's columns would leave them (the loader's tables have no defaults). The primary key
   * still refuses a key that is already there: the batch fails, nothing is overwritten.
   */
  async insertRows(target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<void> {
    await this.#insertRows(await this.#outsideConnection(), target, columns, rows);
  }

  async #insertRows(connection: DuckDBConnection, target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<void> {
    const order = await this.#query<{ column_name: string }>(
      connection,
      `SELECT column_name FROM information_schema.columns
       WHERE table_catalog = $1 AND table_schema = $2 AND table_name = $3
       ORDER BY ordinal_position`,
      [DUCKDB_CATALOG, target.schema, target.name],
    );
    const byName = new Map(columns.map((column) => [column.name, column]));
    const layout = order.map((row) => byName.get(row.column_name) ?? NULL_COLUMN);
    const missing = columns.filter((column) => !order.some((row) => row.column_name === column.name));
    if (missing.length > 0) {
      throw new WarehouseTerminalError(`${target.schema}.${target.name} has no column ${missing.map((c) => c.name).join(', ')}`);
    }
    await this.#append(connection, target, layout, rows, `inserting rows into ${target.schema}.${target.name}`);
  }

  /**
   * Appends `rows` to `table` in DataChunks of CHUNK_ROWS. `layout` is the table's columns in
   * order: a ColumnSpec takes the row's cell, NULL_COLUMN appends NULL, and `null` (last) the
   * row's position in the batch (the staging table's row column).
   */
  async #append(connection: DuckDBConnection, table: TableRef, layout: readonly (ColumnSpec | null)[], rows: readonly Row[], what: string): Promise<void> {
    await this.#fitMemoryTo(connection, layout.length);
    const types = layout.map((column) => (column === null ? BIGINT : stagingVectorType(column.type)));
    try {
      const appender = await connection.createAppender(table.name, table.schema, DUCKDB_CATALOG);
      try {
        for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
          const count = Math.min(CHUNK_ROWS, rows.length - start);
          const chunk = DuckDBDataChunk.create(types, count);
          const values = new Array<DuckDBValue>(count);
          for (let index = 0; index < layout.length; index++) {
            const column = layout[index] as ColumnSpec | null;
            if (column === null) {
              for (let offset = 0; offset < count; offset++) values[offset] = BigInt(start + offset);
            } else if (column === NULL_COLUMN) {
              values.fill(null);
            } else {
              const name = column.name;
              const type = column.type;
              for (let offset = 0; offset < count; offset++) values[offset] = stageCell(column, type, (rows[start + offset] as Row)[name]);
            }
            chunk.setColumnValues(index, values);
          }
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    } catch (error) {
      throw translateDuckDBError(error, what, this.#settings.path);
    }
  }

  /**
   * Raises memory_limit before rows go into a table too wide for it (adapters/duckdb/memory.ts),
   * unless the profile set the limit. The setting is global and not transactional: it holds for
   * the rest of the run whichever connection sets it, and a rollback does not undo it.
   */
  async #fitMemoryTo(connection: DuckDBConnection, columns: number): Promise<void> {
    if (this.#settings.memoryLimitSet) return;
    const needed = memoryLimitMbFor(columns);
    if (needed <= this.#memoryLimitMb) return;
    await this.#execute(connection, `SET memory_limit = '${needed}MB'`);
    this.#memoryLimitMb = needed;
  }

  /** The open transaction's statements: always on its own connection. */
  #session(connection: DuckDBConnection): WarehouseSession {
    return {
      query: (sql, params) => this.#query(connection, sql, params),
      execute: (sql, params) => this.#execute(connection, sql, params),
      writeStaging: (target, columns, rows) => this.#writeStaging(connection, target, columns, rows),
      insertRows: (target, columns, rows) => this.#insertRows(connection, target, columns, rows),
    };
  }

  #requireConnection(): DuckDBConnection {
    if (!this.#connection) throw new Error('DuckDBClient used before open() or after close()');
    return this.#connection;
  }

  #requireInstance(): DuckDBInstance {
    if (!this.#instance) throw new Error('DuckDBClient used before open() or after close()');
    return this.#instance;
  }
}

/** A column of the target that the batch does not write: appended as NULL (see `insertRows`). */
const NULL_COLUMN: ColumnSpec = { name: '', type: 'string' };

function stageCell(column: ColumnSpec, type: LogicalType, value: CellValue | undefined): DuckDBValue {
  // Text cells are most of a wide row and need no conversion.
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && STRING_STAGED.has(type)) return value;
  try {
    return toStagingValue(type, value);
  } catch (error) {
    if (error instanceof CellTypeError) {
      throw new WarehouseTerminalError(`Column ${column.name}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Types staged as VARCHAR whose string cells go in as they are (values.ts, `toStagingValue`). */
const STRING_STAGED: ReadonlySet<LogicalType> = new Set(['string', 'date', 'time', 'timestamp', 'json']);

function stringLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The statement's first words, for error messages; never the bound values. */
function summarize(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
