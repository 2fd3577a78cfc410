/**
 * The Snowflake warehouse client: one SDK connection (one Snowflake session) per run, all IO.
 *
 * Transactions are BEGIN / COMMIT / ROLLBACK on that session. Snowflake commits an open
 * transaction before every DDL statement, so DDL must never reach one: the dialect declares
 * `ddlInTransaction: false`, and the generic code runs DDL and staging before the transaction
 * and a merge's staging clean-up after it (`StatementPlan.afterTransaction`). This client runs
 * every statement as it is given and never reads SQL text to decide; the one DDL it issues
 * itself, staging, it refuses to run inside a transaction.
 */
import type { Connection } from 'snowflake-sdk';
import { parseSnowflakeSettings, type SnowflakeSettings } from '../../src/config/snowflake-settings.js';
import type { TargetConfig } from '../../src/config/target.js';
import { WarehouseTerminalError } from '../../src/errors.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import type { BatchSizing, ResultRow, SqlParam, StagingFile, WarehouseClient, WarehouseSession } from '../types.js';
import { connect, connectionOptions, destroy, execute, isInteractive, loadSdk, type StatementResult } from './connection.js';
import { snowflakeDialect } from './dialect.js';
import { translateSnowflakeError } from './errors.js';
import { fromSnowflakeValue, toSdkBind, type SdkBind } from './values.js';
import { stageRows } from './staging.js';
import { openCsvStagingFile, SNOWFLAKE_BATCH_SIZING } from './staging-file.js';

/**
 * - Quoted names must stay case-sensitive even where an account sets QUOTED_IDENTIFIERS_IGNORE_CASE;
 * - UTC for anything the session renders; TIME text with every fractional digit (see values.ts);
 * - a killed run's open transaction keeps its table locks until its session expires (hours), and
 *   Snowflake's default LOCK_TIMEOUT is 12 hours: wait 10 minutes at most, then fail (transient).
 */
export const SESSION_SETTINGS =
  "ALTER SESSION SET QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE, TIMEZONE = 'UTC', TIME_OUTPUT_FORMAT = 'HH24:MI:SS.FF9', LOCK_TIMEOUT = 600";

export interface SnowflakeClientOptions {
  /** Tests only: the base URL of a local fake of Snowflake's REST API. */
  readonly accessUrl?: string;
}

export class SnowflakeClient implements WarehouseClient {
  readonly dialect = snowflakeDialect;
  readonly #settings: SnowflakeSettings;
  readonly #secrets: readonly string[];
  readonly #accessUrl: string | undefined;
  #connection: Connection | undefined;
  #inTransaction = false;
  #stagingCounter = 0;

  constructor(target: TargetConfig, options: SnowflakeClientOptions = {}) {
    this.#settings = parseSnowflakeSettings(target.settings);
    this.#secrets = [...target.secrets, ...secretsOf(this.#settings)];
    this.#accessUrl = options.accessUrl;
  }

  describeTarget(): string {
    const { account, database, warehouse } = this.#settings;
    return `Snowflake account ${account}, database ${database}${warehouse ? `, warehouse ${warehouse}` : ''}`;
  }

  async open(): Promise<void> {
    if (this.#connection) return;
    const settings = this.#settings;
    let connection: Connection | undefined;
    try {
      const snowflake = await loadSdk();
      connection = snowflake.createConnection(connectionOptions(settings, this.#accessUrl));
      await withTimeout(connect(connection, isInteractive(settings)), isInteractive(settings) ? undefined : settings.connectTimeout);
    } catch (error) {
      if (connection) await destroy(connection).catch(() => undefined);
      throw translateSnowflakeError(error, 'signing in', this.#where, this.#secrets);
    }
    this.#connection = connection;
    try {
      await this.execute(SESSION_SETTINGS);
      await this.#checkSession();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Login succeeds even when the database or warehouse is missing or not granted: say so now. */
  async #checkSession(): Promise<void> {
    const [session] = await this.query('SELECT CURRENT_DATABASE() AS "database", CURRENT_WAREHOUSE() AS "warehouse", CURRENT_ROLE() AS "role"');
    const { database, warehouse, role } = this.#settings;
    const as = `the role ${String(session?.['role'] ?? role ?? '(default)')}`;
    if (session?.['database'] === null || session?.['database'] === undefined) {
      throw new WarehouseTerminalError(
        `Snowflake ${this.#where}: the database ${database} does not exist or ${as} may not use it. ` +
          'Check `database` in profiles.yml, or GRANT USAGE ON DATABASE to the role.',
      );
    }
    if (warehouse !== undefined && (session['warehouse'] === null || session['warehouse'] === undefined)) {
      throw new WarehouseTerminalError(
        `Snowflake ${this.#where}: the warehouse ${warehouse} does not exist or ${as} may not use it. ` +
          'Check `warehouse` in profiles.yml, or GRANT USAGE ON WAREHOUSE to the role.',
      );
    }
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    // Ending the session drops its temporary (staging) tables.
    if (connection) await destroy(connection).catch(() => undefined);
  }

  async query<R extends ResultRow = ResultRow>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    const result = await this.#run(sql, params.map(toSdkBind));
    return result.rows.map((values) => {
      const row: ResultRow = {};
      result.columns.forEach((column, index) => {
        row[column.name] = fromSnowflakeValue(values[index], column);
      });
      return row as R;
    });
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    await this.#run(sql, params.map(toSdkBind));
  }

  /** Every statement goes through here, as given, for error translation. */
  async #run(sql: string, binds: readonly SdkBind[] | readonly SdkBind[][]): Promise<StatementResult> {
    const connection = this.#requireConnection();
    try {
      return await execute(connection, sql, binds);
    } catch (error) {
      throw translateSnowflakeError(error, `running ${summarize(sql)}`, this.#where, this.#secrets);
    }
  }

  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    if (this.#inTransaction) throw new Error('SnowflakeClient.transaction cannot be nested');
    const connection = this.#requireConnection();
    this.#inTransaction = true;
    try {
      await this.#run('BEGIN', []);
      const result = await work(this.#session());
      await this.#run('COMMIT', []);
      return result;
    } catch (error) {
      // A failed statement leaves the transaction open in Snowflake: undo everything it wrote.
      await execute(connection, 'ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      this.#inTransaction = false;
    }
  }

  #session(): WarehouseSession {
    return {
      query: (sql, params) => this.query(sql, params),
      execute: (sql, params) => this.execute(sql, params),
      writeStaging: (target, columns, rows) => this.writeStaging(target, columns, rows),
    };
  }

  async describeSchema(schema: string): Promise<Map<string, ColumnSpec[]>> {
    // Unqualified INFORMATION_SCHEMA is the session database's. Temporary (staging) tables are
    // listed there too, with another TABLE_TYPE.
    const rows = await this.query<{ table_name: string; column_name: string; data_type: string; precision: unknown; scale: unknown }>(
      'SELECT c.TABLE_NAME AS "table_name", c.COLUMN_NAME AS "column_name", c.DATA_TYPE AS "data_type", ' +
        'c.NUMERIC_PRECISION AS "precision", c.NUMERIC_SCALE AS "scale" ' +
        'FROM INFORMATION_SCHEMA.COLUMNS AS c JOIN INFORMATION_SCHEMA.TABLES AS t ' +
        'ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME ' +
        "WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE = 'BASE TABLE' " +
        'ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION',
      [schema],
    );
    const tables = new Map<string, ColumnSpec[]>();
    for (const row of rows) {
      const native = row.data_type === 'NUMBER' ? `NUMBER(${String(row.precision ?? 38)},${String(row.scale ?? 0)})` : row.data_type;
      const columns = tables.get(row.table_name) ?? [];
      columns.push({ name: row.column_name, type: this.dialect.logicalType(native) });
      tables.set(row.table_name, columns);
    }
    return tables;
  }

  /**
   * Stages into a TEMPORARY table. Creating it is DDL, which would commit an open transaction
   * (half a batch, before its bookmark), so it is refused inside one: generic code stages on the
   * client, before the transaction, because `ddlInTransaction` is false.
   */
  async writeStaging(target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<TableRef> {
    if (this.#inTransaction) {
      throw new Error('SnowflakeClient.writeStaging creates a table, which would commit the open transaction: stage before transaction() (ddlInTransaction is false)');
    }
    this.#stagingCounter += 1;
    const staging: TableRef = { schema: target.schema, name: `_loader_staging_${this.#stagingCounter}` };
    await stageRows({ run: (sql, binds) => this.#run(sql, binds) }, target, staging, columns, rows);
    return staging;
  }

  /** Commit units: memory batches appended to a local gzipped CSV, one PUT and one COPY each (staging-file.ts). */
  readonly batchSizing: BatchSizing = SNOWFLAKE_BATCH_SIZING;

  openStagingFile(target: TableRef, columns: readonly ColumnSpec[]): Promise<StagingFile> {
    return openCsvStagingFile(target, columns, {
      run: (sql) => this.#run(sql, []),
      stagingName: (of) => ({ schema: of.schema, name: `_loader_staging_${(this.#stagingCounter += 1)}` }),
      // Nothing to remember: the merge's plan drops the staging table (Dialect.dropStaging).
      created: () => undefined,
    });
  }

  get #where(): string {
    return `account ${this.#settings.account}`;
  }

  #requireConnection(): Connection {
    if (!this.#connection) throw new Error('SnowflakeClient is not open; call open() first');
    return this.#connection;
  }
}

/** Every secret a profile can hold, for redaction. */
function secretsOf(settings: SnowflakeSettings): string[] {
  const auth = settings.authentication;
  switch (auth.kind) {
    case 'password':
    case 'okta':
      return [auth.password];
    case 'oauth':
      return [auth.token];
    case 'key_pair':
      return [auth.privateKey, auth.passphrase].filter((value): value is string => value !== undefined && value !== '');
    default:
      return [];
  }
}

async function withTimeout<T>(promise: Promise<T>, seconds: number | undefined): Promise<T> {
  if (seconds === undefined || seconds === 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ETIMEDOUT: no answer within connect_timeout (${seconds} s)`)), seconds * 1000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function summarize(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}…` : oneLine;
}
