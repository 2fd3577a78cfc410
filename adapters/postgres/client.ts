/**
 * The PostgreSQL warehouse client: all IO. knex owns the connection pool and the transactions
 * (BEGIN, COMMIT, ROLLBACK on one pooled connection); statements run on the raw `pg` connection
 * knex hands out, because they are the Dialect's own SQL with `$n` parameters, which knex.raw
 * would misread (it binds `?`). Rows reach staging through COPY FROM STDIN (pg-copy-streams),
 * streamed in chunks of about 1 MB (copy-text.ts), so memory stays flat whatever the batch size;
 * a backfill batch is COPYed straight into its table (`insertRows`, see src/load/upsert.ts).
 */
import { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { WarehouseTransientError } from '../../src/errors.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import type { ResultRow, SqlParam, WarehouseClient, WarehouseSession } from '../types.js';
import { copyInto, copyIntoStaging, createStagingTable, postgresDialect, quoteIdentifier, TEMP_SCHEMA } from './dialect.js';
import { isConnectionLost, translatePostgresError } from './errors.js';
import type { PostgresSettings } from './index.js';
import { LOCK_STILL_HELD_SQL, SchemaLock } from './lock.js';
import { copyChunks, type CopyLayout } from './copy-text.js';
import { parserFor, stripNul } from './values.js';

const POOL_SIZE = 4;

/** knex's connection handout, typed: `client` is untyped in knex's declarations. */
interface ConnectionHandout {
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(connection: pg.Client): Promise<void>;
}

export class PostgresClient implements WarehouseClient {
  readonly dialect = postgresDialect;
  readonly #settings: PostgresSettings;
  readonly #secrets: readonly string[];
  #knex: Knex | undefined;
  /** The TLS choice, once `prefer` has been negotiated by open(). */
  #ssl: ConnectionOptions | false;
  #stagingCounter = 0;
  readonly #locks = new Set<SchemaLock>();
  /** Pooled connections that lost their server: the pool's validate drops them on the next acquire. */
  readonly #broken = new WeakSet<pg.Client>();
  /**
   * Why a pooled connection died, as the server said it ("terminating connection due to
   * administrator command"): pg emits that as an event when no query is running, and the next
   * query only learns "Client has encountered a connection error", which names no cause.
   */
  readonly #lostBecause = new WeakMap<pg.Client, Error>();

  constructor(settings: PostgresSettings, secrets: readonly string[] = []) {
    this.#settings = settings;
    this.#ssl = settings.ssl === 'prefer' || settings.ssl === undefined ? false : settings.ssl;
    this.#secrets = settings.password ? [...secrets, settings.password] : secrets;
  }

  describeTarget(): string {
    const { host, port, database, user } = this.#settings;
    return `PostgreSQL database ${database} at ${host}:${port} as ${user}`;
  }

  /** The pg connection settings; one place, so the lock connection matches the pool's. */
  #connectionConfig(): Knex.PgConnectionConfig {
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
    const probe = new pg.Client({ ...(this.#connectionConfig() as pg.ClientConfig), ssl: { rejectUnauthorized: false } });
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
    if (this.#knex) return;
    if (this.#settings.ssl === 'prefer') await this.#negotiateSsl();
    const knex = knexFactory({
      client: 'pg',
      connection: this.#connectionConfig(),
      // The dialect's SQL never goes through knex's builder: skip its version probe.
      version: '15',
      // knex would print pool errors (with stacks) to the console; they reach the caller as
      // translated warehouse errors instead, and the CLI decides what to print.
      log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
      pool: {
        min: 0,
        max: POOL_SIZE,
        // pg reports a terminated backend to the query before it closes the socket (which is
        // when knex would notice), so a dead connection could otherwise be handed out again.
        validate: (connection: pg.Client) => !this.#broken.has(connection),
        afterCreate: (connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) => {
          connection.on('error', (error: Error) => {
            this.#broken.add(connection);
            if (!this.#lostBecause.has(connection)) this.#lostBecause.set(connection, error);
          });
          this.#prepareSession(connection).then(
            () => done(null, connection),
            (error: unknown) => done(error as Error, connection),
          );
        },
      },
    });
    try {
      // Connect now, so a wrong host or password fails here with a clear message.
      const handout = knex.client as ConnectionHandout;
      await handout.releaseConnection(await handout.acquireConnection());
    } catch (error) {
      await knex.destroy().catch(() => undefined);
      throw this.#translate(error, 'connecting');
    }
    this.#knex = knex;
  }

  async close(): Promise<void> {
    for (const lock of this.#locks) await lock.release().catch(() => undefined);
    this.#locks.clear();
    const knex = this.#knex;
    this.#knex = undefined;
    await knex?.destroy();
  }

  async query<R extends ResultRow = ResultRow>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    return this.#withConnection((connection) => this.#run<R>(connection, sql, params));
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    await this.query(sql, params);
  }

  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    const knex = this.#requireKnex();
    // Where an error came from decides its label: BEGIN and COMMIT failures are the driver's and
    // get translated; errors from `work` were translated where they happened, or are the
    // caller's own, and pass unchanged.
    const progress: { phase: 'begin' | 'work' | 'commit'; failure?: { error: unknown } } = { phase: 'begin' };
    try {
      return await knex.transaction(async (trx) => {
        progress.phase = 'work';
        try {
          const connection = await (trx.client as ConnectionHandout).acquireConnection();
          const result = await work(this.#sessionOn(connection));
          await this.#assertLocksHeld(connection);
          progress.phase = 'commit';
          return result;
        } catch (error) {
          // Kept aside: when the connection died, knex's ROLLBACK fails too and knex rejects with
          // that failure ("ROLLBACK - Connection terminated…"), which would hide the real cause.
          progress.failure = { error };
          throw error;
        }
      });
    } catch (error) {
      if (progress.failure !== undefined) throw progress.failure.error;
      throw this.#translate(error, progress.phase === 'begin' ? 'starting a transaction' : 'committing a transaction');
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
      lock = await SchemaLock.acquire(this.#connectionConfig() as pg.ClientConfig, schema, options.waitMs, this.describeTarget());
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
    const handout = this.#requireKnex().client as ConnectionHandout;
    let connection: pg.Client;
    try {
      connection = await handout.acquireConnection();
    } catch (error) {
      throw this.#translate(error, 'connecting');
    }
    try {
      return await work(connection);
    } finally {
      await handout.releaseConnection(connection);
    }
  }

  #translate(error: unknown, context: string): Error {
    const { host, port, database } = this.#settings;
    return translatePostgresError(error, context, `${host}:${port}/${database}`, this.#secrets, this.#settings.lockTimeout);
  }

  #requireKnex(): Knex {
    if (!this.#knex) throw new Error('PostgresClient used before open() or after close()');
    return this.#knex;
  }
}

function ignore(): void {}

/** The statement's first words, for error messages; never the bound values. */
function summarize(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
