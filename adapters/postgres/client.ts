/**
 * The PostgreSQL warehouse client: all IO. `pg`'s own Pool holds up to four connections; a
 * transaction checks one out and runs BEGIN, the work, and COMMIT (or ROLLBACK) on it, then gives
 * it back, or destroys it when its server went away. Statements are the Dialect's own SQL with
 * `$n` parameters, run as they are. Rows reach staging through COPY FROM STDIN (pg-copy-streams),
 * streamed in chunks of about 1 MB (copy-text.ts), so memory stays flat whatever the batch size;
 * a backfill batch is COPYed straight into its table (`insertRows`, see src/load/upsert.ts).
 */
import { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { WarehouseTransientError } from '../../src/errors.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import type { ResultRow, SqlParam, WarehouseClient, WarehouseSession } from '../types.js';
import { copyInto, copyIntoStaging, createStagingTable, postgresDialect, quoteIdentifier, TEMP_SCHEMA } from './dialect.js';
import { isConnectionLost, translatePostgresError } from './errors.js';
import type { PostgresConnection } from './index.js';
import { LOCK_STILL_HELD_SQL, SchemaLock } from './lock.js';
import { copyChunks, type CopyLayout } from './copy-text.js';
import { parserFor, stripNul } from './values.js';

const POOL_SIZE = 4;
/** How long a statement waits for a free pooled connection before the wait is an error (transient). */
const POOL_WAIT_MS = 60_000;
/** An unused pooled connection is closed after this long. */
const POOL_IDLE_MS = 30_000;

export class PostgresClient implements WarehouseClient {
  readonly dialect = postgresDialect;
  readonly #settings: PostgresConnection;
  readonly #secrets: readonly string[];
  #pool: pg.Pool | undefined;
  /** The TLS choice, once `prefer` has been negotiated by open(). */
  #ssl: ConnectionOptions | false;
  #stagingCounter = 0;
  readonly #locks = new Set<SchemaLock>();
  /** Pooled connections whose session settings (time zone, lock_timeout, role) are in place. */
  readonly #prepared = new WeakSet<pg.PoolClient>();
  /** Pooled connections that lost their server: destroyed when released, never handed out again. */
  readonly #broken = new WeakSet<pg.Client>();
  /**
   * Why a pooled connection died, as the server said it ("terminating connection due to
   * administrator command"): pg emits that as an event when no query is running, and the next
   * query only learns "Client has encountered a connection error", which names no cause.
   */
  readonly #lostBecause = new WeakMap<pg.Client, Error>();

  constructor(settings: PostgresConnection, secrets: readonly string[] = []) {
    this.#settings = settings;
    this.#ssl = settings.ssl === 'prefer' || settings.ssl === undefined ? false : settings.ssl;
    this.#secrets = settings.password ? [...secrets, settings.password] : secrets;
  }

  describeTarget(): string {
    const { host, port, database, user } = this.#settings;
    return `PostgreSQL database ${database} at ${host}:${port} as ${user}`;
  }

  /** The pg connection settings; one place, so the lock connection matches the pool's. */
  #connectionConfig(): pg.ClientConfig {
    const s = this.#settings;
    return {
      host: s.host,
      port: s.port,
      user: s.user,
      ...(s.password !== undefined ? { password: s.password } : {}),
      database: s.database,
      ssl: this.#ssl,
      ...(s.connectTimeout ? { connectionTimeoutMillis: s.connectTimeout * 1000 } : {}),
      ...(s.keepalivesIdle !== undefined ? { keepAlive: true, keepAliveInitialDelayMillis: s.keepalivesIdle * 1000 } : {}),
      application_name: s.applicationName,
      types: { getTypeParser: parserFor },
    };
  }

  /**
   * Every session runs in UTC (timestamps read back unambiguously), as the profile's role, and
   * waits at most `lock_timeout` for a lock another session holds (a user's LOCK TABLE, a long
   * dbt transaction), so such a wait ends in a clear error rather than a silent hang.
   */
  async #prepareSession(connection: pg.Client): Promise<void> {
    await connection.query("SET TIME ZONE 'UTC'");
    await connection.query(`SET lock_timeout = ${Math.round(this.#settings.lockTimeout * 1000)}`);
    if (this.#settings.role !== undefined) await connection.query(`SET ROLE ${quoteIdentifier(this.#settings.role)}`);
  }

  /** sslmode prefer: TLS (unverified, as libpq) if the server offers it, else plain text. */
  async #negotiateSsl(): Promise<void> {
    const probe = new pg.Client({ ...this.#connectionConfig(), ssl: { rejectUnauthorized: false } });
    try {
      await probe.connect();
      this.#ssl = { rejectUnauthorized: false };
    } catch (error) {
      if (!/does not support SSL/i.test(error instanceof Error ? error.message : String(error))) throw this.#translate(error, 'connecting');
      this.#ssl = false;
    } finally {
      await probe.end().catch(() => undefined);
    }
  }

  async open(): Promise<void> {
    if (this.#pool) return;
    if (this.#settings.ssl === 'prefer') await this.#negotiateSsl();
    const { connectionTimeoutMillis: connectTimeoutMs, ...config } = this.#connectionConfig();
    // The pool's own timeout bounds the wait for a free connection (as long as a batch may hold
    // one); the profile's connect_timeout bounds opening one, so each client gets it.
    class TimedClient extends pg.Client {
      constructor(options: pg.ClientConfig = {}) {
        super({ ...options, ...(connectTimeoutMs !== undefined ? { connectionTimeoutMillis: connectTimeoutMs } : {}) });
      }
    }
    const pool = new pg.Pool({ ...config, Client: TimedClient, max: POOL_SIZE, idleTimeoutMillis: POOL_IDLE_MS, connectionTimeoutMillis: POOL_WAIT_MS });
    pool.on('connect', (connection) => this.#watch(connection));
    // An idle connection that dies is dropped by the pool, which then emits 'error'; unheard, that
    // event would end the process. #watch has already recorded why.
    pool.on('error', ignore);
    try {
      // Connect now, so a wrong host or password fails here with a clear message.
      (await this.#checkout(pool)).release();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    this.#pool = pool;
  }

  /**
   * Every connection, from its creation: pg emits a lost server as an event when no query is
   * running (and a checked-out connection without a listener would end the process), so the
   * reason is kept for the next statement's error, and the connection is marked broken.
   */
  #watch(connection: pg.Client): void {
    connection.on('error', (error: Error) => {
      this.#broken.add(connection);
      if (!this.#lostBecause.has(connection)) this.#lostBecause.set(connection, error);
    });
  }

  /** A pooled connection with its session prepared; connection failures are translated. */
  async #checkout(pool: pg.Pool = this.#requirePool()): Promise<pg.PoolClient> {
    let connection: pg.PoolClient;
    try {
      connection = await pool.connect();
    } catch (error) {
      throw this.#translate(error, 'connecting');
    }
    if (this.#prepared.has(connection)) return connection;
    try {
      await this.#prepareSession(connection);
      this.#prepared.add(connection);
      return connection;
    } catch (error) {
      connection.release(true);
      throw this.#translate(error, 'preparing the session');
    }
  }

  /** Back to the pool, or destroyed when its server went away (or its state is unknown). */
  #checkin(connection: pg.PoolClient, destroy = false): void {
    connection.release(destroy || this.#broken.has(connection));
  }

  async close(): Promise<void> {
    for (const lock of this.#locks) await lock.release().catch(() => undefined);
    this.#locks.clear();
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }

  async query<R extends ResultRow = ResultRow>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    return this.#withConnection((connection) => this.#run<R>(connection, sql, params));
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    await this.query(sql, params);
  }

  /**
   * BEGIN, the work and COMMIT on one checked-out connection; ROLLBACK when the work fails. BEGIN
   * and COMMIT failures are the driver's and are translated here; errors from `work` were
   * translated where they happened, or are the caller's own, and pass unchanged, even when the
   * ROLLBACK fails too (the connection died: its error would hide the real cause).
   */
  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    const connection = await this.#checkout();
    // A connection whose transaction may still be open is never handed out again.
    let destroy = true;
    try {
      await this.#control(connection, 'BEGIN', 'starting a transaction');
      let result: T;
      try {
        result = await work(this.#sessionOn(connection));
        await this.#assertLocksHeld(connection);
      } catch (error) {
        await connection.query('ROLLBACK').then(
          () => (destroy = false),
          () => undefined,
        );
        throw error;
      }
      await this.#control(connection, 'COMMIT', 'committing a transaction');
      destroy = false;
      return result;
    } finally {
      this.#checkin(connection, destroy);
    }
  }

  async #control(connection: pg.Client, statement: 'BEGIN' | 'COMMIT', context: string): Promise<void> {
    try {
      await connection.query(statement);
    } catch (error) {
      throw this.#translateOn(connection, error, context);
    }
  }

  /**
   * Temporary tables belong to one connection, and outside `transaction()` every statement may
   * run on a different pooled connection: staging only exists inside a transaction here.
   */
  async writeStaging(): Promise<TableRef> {
    throw new Error('PostgresClient.writeStaging must run inside transaction() (capabilities.ddlInTransaction)');
  }

  async describeSchema(schema: string): Promise<Map<string, ColumnSpec[]>> {
    // pg_catalog's format_type names arrays `text[]`, where information_schema only says ARRAY.
    const rows = await this.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS data_type
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY c.relname, a.attnum`,
      [schema],
    );
    const tables = new Map<string, ColumnSpec[]>();
    for (const row of rows) {
      const columns = tables.get(row.table_name) ?? [];
      columns.push({ name: row.column_name, type: this.dialect.logicalType(row.data_type) });
      tables.set(row.table_name, columns);
    }
    return tables;
  }

  /** Takes the schema's advisory lock (see lock.ts); commits stop if it is ever lost. */
  async lockSchema(schema: string, options: { waitMs: number }): Promise<() => Promise<void>> {
    let lock: SchemaLock;
    try {
      lock = await SchemaLock.acquire(this.#connectionConfig(), schema, options.waitMs, this.describeTarget());
    } catch (error) {
      throw this.#translate(error, `locking schema ${schema}`);
    }
    this.#locks.add(lock);
    return async () => {
      if (this.#locks.delete(lock)) await lock.release();
    };
  }

  /**
   * Before a commit: every schema lock this client took must still be held by its connection.
   * Had that connection dropped, another run could hold the lock now, and committing would
   * interleave its writes with ours.
   */
  async #assertLocksHeld(connection: pg.Client): Promise<void> {
    for (const lock of this.#locks) {
      const held = lock.maybeHeld && (await this.#run(connection, LOCK_STILL_HELD_SQL, [lock.pid])).length > 0;
      if (!held) {
        lock.markLost();
        throw new WarehouseTransientError(
          `Lost the lock on schema ${lock.schema} (its connection to PostgreSQL dropped); nothing of this batch was committed. Run again.`,
        );
      }
    }
  }

  #sessionOn(connection: pg.Client): WarehouseSession {
    return {
      query: <R extends ResultRow = ResultRow>(sql: string, params?: readonly SqlParam[]) => this.#run<R>(connection, sql, params),
      execute: async (sql, params) => {
        await this.#run(connection, sql, params);
      },
      writeStaging: (target, columns, rows) => this.#stage(connection, target, columns, rows),
      insertRows: (target, columns, rows) => this.#copy(connection, copyInto(target, columns), { columns, rowNumbers: false }, rows, target),
    };
  }

  /** Creates a temporary staging table (dropped at commit at the latest) and COPYs the rows in. */
  async #stage(connection: pg.Client, target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<TableRef> {
    this.#stagingCounter += 1;
    // Short and per connection: a temp name never clashes with another session's, and a long
    // target name cannot push it past 63 bytes.
    const staging: TableRef = { schema: TEMP_SCHEMA, name: `_loader_staging_${this.#stagingCounter}` };
    await this.#run(connection, createStagingTable(staging, columns));
    await this.#copy(connection, copyIntoStaging(staging, columns), { columns, rowNumbers: true }, rows, target);
    return staging;
  }

  /** Streams `rows` through one COPY … FROM STDIN (`sql`); `target` names the table in errors. */
  async #copy(connection: pg.Client, sql: string, layout: CopyLayout, rows: readonly Row[], target: TableRef): Promise<void> {
    try {
      const copy = connection.query(copyFrom(sql));
      await pipeline(Readable.from(copyChunks(layout, rows), { objectMode: false }), copy);
    } catch (error) {
      throw this.#translateOn(connection, error, `copying rows into ${target.schema}.${target.name}`);
    }
  }

  async #run<R extends ResultRow = ResultRow>(connection: pg.Client, sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    try {
      // PostgreSQL rejects NUL in text parameters too; strip it as in staged cells.
      const values = params.map((value) => (typeof value === 'string' ? stripNul(value) : value));
      const result = await connection.query<R>(sql, values);
      return result.rows;
    } catch (error) {
      throw this.#translateOn(connection, error, `running ${summarize(sql)}`);
    }
  }

  /** Translates a statement's error; a lost connection is reported by the server's own reason. */
  #translateOn(connection: pg.Client, error: unknown, context: string): Error {
    if (!isConnectionLost(error)) return this.#translate(error, context);
    this.#broken.add(connection);
    return this.#translate(this.#lostBecause.get(connection) ?? error, context);
  }

  async #withConnection<T>(work: (connection: pg.Client) => Promise<T>): Promise<T> {
    const connection = await this.#checkout();
    try {
      return await work(connection);
    } finally {
      this.#checkin(connection);
    }
  }

  #translate(error: unknown, context: string): Error {
    const { host, port, database } = this.#settings;
    return translatePostgresError(error, context, `${host}:${port}/${database}`, this.#secrets, this.#settings.lockTimeout);
  }

  #requirePool(): pg.Pool {
    if (!this.#pool) throw new Error('PostgresClient used before open() or after close()');
    return this.#pool;
  }
}

function ignore(): void {}

/** The statement's first words, for error messages; never the bound values. */
function summarize(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
