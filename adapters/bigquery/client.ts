/**
 * The BigQuery warehouse client: all IO, over @google-cloud/bigquery.
 *
 * - Statements are query jobs run in the profile's location, priority, job timeout and
 *   maximum_bytes_billed (jobs.ts). Values are always query parameters (positional `?`).
 * - `transaction()` opens a session (the first query, `BEGIN TRANSACTION`, runs with
 *   createSession), runs every statement of `work` in that session, then COMMIT TRANSACTION, or
 *   ROLLBACK TRANSACTION on failure, and always ends the session (BQ.ABORT_SESSION).
 * - `writeStaging` creates a staging table next to the target (expiring after a day, so a crash
 *   never leaves one for good) and fills it with one load job of newline-delimited JSON. Load jobs
 *   cost nothing; they run outside any session, which is why staging happens before the merge's
 *   transaction (capabilities.ddlInTransaction: false).
 * - Every statement runs where and when it is issued: this client never reads SQL text to decide.
 *   BigQuery refuses DROP TABLE of a permanent table inside a transaction, so the dialect puts
 *   the drop of a staging table in its StatementPlan's `afterTransaction`, which the generic code
 *   runs on the client once the transaction has ended.
 * - No `lockSchema`: BigQuery has no advisory locks. One run per schema is the CI concurrency
 *   group's job (`init-ci` writes one); see README.md.
 */
import { randomBytes } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import type { AuthClient } from 'google-auth-library';
import { WarehouseTerminalError, WarehouseTransientError } from '../../src/errors.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import type { BatchSizing, ResultRow, SqlParam, StagingFile, WarehouseClient, WarehouseSession } from '../types.js';
import { createAuthClient, credentialSecrets } from './auth.js';
import { createBigQueryDialect, nativeType, type BigQueryDialect, STAGING_PREFIX, STAGING_ROW_COLUMN } from './dialect.js';
import { BigQueryError, translateBigQueryError } from './errors.js';
import type { BigQueryConnection } from './index.js';
import { loadNdjson, queryJobRequest, queryResults, startQuery, type JobSettings, type LoadField, type QueryOptions, type QueryResult } from './jobs.js';
import { CellTypeError, ndjsonLines } from './values.js';
import { BIGQUERY_BATCH_SIZING, openNdjsonStagingFile } from './staging-file.js';

/** A staging table left by a crash disappears after this long. */
const STAGING_EXPIRY_MS = 24 * 60 * 60 * 1000;
/** NDJSON is handed to the upload in chunks of about this size. */
const CHUNK_BYTES = 1 << 20;

export interface BigQueryClientOptions {
  /** Replaces the profile's credentials (tests, or callers that already hold a client). */
  readonly authClient?: AuthClient;
}

export class BigQueryClient implements WarehouseClient {
  readonly dialect: BigQueryDialect;
  readonly #connection: BigQueryConnection;
  readonly #secrets: readonly string[];
  readonly #options: BigQueryClientOptions;
  readonly #jobs: JobSettings;
  /** Per client: staging names of two clients never clash. */
  readonly #tag = randomBytes(4).toString('hex');
  #stagingCounter = 0;
  #bigquery: BigQuery | undefined;
  #inTransaction = false;
  /** Translated errors of jobs known to have ended FAILED (as opposed to an HTTP error while waiting). */
  readonly #failedJobs = new WeakSet<Error>();

  constructor(connection: BigQueryConnection, secrets: readonly string[] = [], options: BigQueryClientOptions = {}) {
    this.#connection = connection;
    this.#options = options;
    this.#secrets = [...secrets, ...credentialSecrets(connection.credentials)];
    this.dialect = createBigQueryDialect(connection.project);
    this.#jobs = {
      priority: connection.priority,
      ...(connection.location !== undefined ? { location: connection.location } : {}),
      ...(connection.maximumBytesBilled !== undefined ? { maximumBytesBilled: connection.maximumBytesBilled } : {}),
      ...(connection.jobExecutionTimeoutSeconds ? { jobTimeoutMs: connection.jobExecutionTimeoutSeconds * 1000 } : {}),
    };
  }

  describeTarget(): string {
    const { project, executionProject, location } = this.#connection;
    const billed = executionProject !== undefined && executionProject !== project ? `, jobs in ${executionProject}` : '';
    return `BigQuery project ${project}, location ${location ?? 'US (default)'}${billed}`;
  }

  /** Builds the SDK client and its credentials; no request is sent until the first statement. */
  async open(): Promise<void> {
    if (this.#bigquery) return;
    const c = this.#connection;
    const jobProject = c.executionProject ?? c.project;
    let authClient: AuthClient;
    try {
      authClient = this.#options.authClient ?? (await createAuthClient(c.credentials, jobProject, c.impersonateServiceAccount));
    } catch (error) {
      throw this.#translate(error, 'loading credentials');
    }
    this.#bigquery = new BigQuery({
      projectId: jobProject,
      authClient,
      ...(c.location !== undefined ? { location: c.location } : {}),
      ...(c.apiEndpoint !== undefined ? { apiEndpoint: c.apiEndpoint } : {}),
      // HTTP-level retries (429, 5xx, rateLimitExceeded) with the SDK's backoff; job ids are
      // chosen by the client, so a retried jobs.insert never runs a statement twice.
      retryOptions: { autoRetry: true, maxRetries: 3 },
      userAgent: 'pipedrive-loader',
    });
  }

  async close(): Promise<void> {
    this.#bigquery = undefined;
  }

  async query<R extends ResultRow = ResultRow>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    return (await this.#runWithRetries(sql, params)).rows as R[];
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    await this.#runWithRetries(sql, params);
  }

  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    if (this.#inTransaction) throw new Error('BigQueryClient.transaction cannot be nested');
    this.#inTransaction = true;
    let sessionId: string | undefined;
    let phase: 'begin' | 'work' | 'commit' = 'begin';
    try {
      sessionId = (await this.#run('BEGIN TRANSACTION', [], { createSession: true })).sessionId;
      if (sessionId === undefined) throw new WarehouseTerminalError('BigQuery started no session for the transaction (no session id in the job).');
      phase = 'work';
      const result = await work(this.#session(sessionId));
      phase = 'commit';
      await this.#run('COMMIT TRANSACTION', [], { sessionId });
      return result;
    } catch (error) {
      // Reached before COMMIT succeeded: nothing of the transaction may stay.
      if (sessionId !== undefined) await this.#run('ROLLBACK TRANSACTION', [], { sessionId }).catch(() => undefined);
      // Statement errors were translated where they happened; the caller's own errors pass unchanged.
      if (phase === 'work') throw error;
      throw this.#translate(error, phase === 'begin' ? 'starting a transaction' : 'committing a transaction');
    } finally {
      if (sessionId !== undefined) await this.#endSession(sessionId);
      this.#inTransaction = false;
    }
  }

  async writeStaging(target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]): Promise<TableRef> {
    const bigquery = this.#require();
    const body = encodeBatch(columns, rows, target);
    this.#stagingCounter += 1;
    const staging = this.dialect.createStagingTableName(target, `${this.#tag}_${this.#stagingCounter}`);
    const fields: LoadField[] = [...columns.map(schemaField), { name: STAGING_ROW_COLUMN, type: 'INT64', mode: 'NULLABLE' }];
    const location = this.#connection.location;
    const dataset = bigquery.dataset(staging.schema, { projectId: this.#connection.project, ...(location !== undefined ? { location } : {}) });
    const table = dataset.table(staging.name, location !== undefined ? { location } : {});
    const what = `staging rows for ${target.schema}.${target.name}`;
    try {
      await dataset.createTable(staging.name, { schema: { fields: fields.map((field) => ({ ...field })) }, expirationTime: String(Date.now() + STAGING_EXPIRY_MS) });
    } catch (error) {
      throw this.#translate(error, `creating the staging table for ${target.schema}.${target.name}`);
    }
    if (body.length === 0) return staging; // nothing to load: the empty table is the staging
    try {
      await loadNdjson({ table, fields, body });
    } catch (error) {
      throw this.#translate(error, `loading ${what} (load job)`);
    }
    return staging;
  }

  /** Commit units: memory batches appended to a local NDJSON file, one load job each (staging-file.ts). */
  readonly batchSizing: BatchSizing = BIGQUERY_BATCH_SIZING;

  openStagingFile(target: TableRef, columns: readonly ColumnSpec[]): Promise<StagingFile> {
    const location = this.#connection.location;
    return openNdjsonStagingFile(target, columns, {
      createTable: () => this.writeStaging(target, columns, []),
      table: (staging) =>
        this.#require()
          .dataset(staging.schema, { projectId: this.#connection.project, ...(location !== undefined ? { location } : {}) })
          .table(staging.name, location !== undefined ? { location } : {}),
      translate: (error, context) => this.#translate(error, context),
    });
  }

  async describeSchema(schema: string): Promise<Map<string, ColumnSpec[]>> {
    const tables = new Map<string, ColumnSpec[]>();
    let rows: ResultRow[];
    try {
      rows = await this.query(this.dialect.describeSchemaSql(schema));
    } catch (error) {
      // An absent dataset is an empty schema; the only object this query names is the dataset.
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof BigQueryError && cause.reasons.includes('notFound')) return tables;
      throw error;
    }
    for (const row of rows) {
      const table = String(row['table_name']);
      if (table.startsWith(STAGING_PREFIX)) continue; // transient, never part of the plan
      const columns = tables.get(table) ?? [];
      columns.push({ name: String(row['column_name']), type: this.dialect.logicalType(String(row['data_type'])) });
      tables.set(table, columns);
    }
    return tables;
  }

  #session(sessionId: string): WarehouseSession {
    const run = (sql: string, params: readonly SqlParam[] = []): Promise<QueryResult> => this.#run(sql, params, { sessionId });
    return {
      query: async <R extends ResultRow = ResultRow>(sql: string, params?: readonly SqlParam[]) => (await run(sql, params)).rows as R[],
      execute: async (sql, params) => {
        await run(sql, params);
      },
      // A load job runs outside the session; the table it fills is not part of the transaction.
      writeStaging: (target, columns, rows) => this.writeStaging(target, columns, rows),
    };
  }

  /** Ends a session (its temporary state and any open transaction) rather than let it idle for hours. */
  async #endSession(sessionId: string): Promise<void> {
    await this.#run('CALL BQ.ABORT_SESSION()', [], { sessionId }).catch(() => undefined);
  }

  /**
   * Outside a session: a job that ended in a transient failure (backendError, rateLimitExceeded
   * …) is run again as a new job, up to `job_retries` times. Only a job known to have FAILED is
   * rerun; a failed job changed nothing, so a rerun never applies a statement twice.
   */
  async #runWithRetries(sql: string, params: readonly SqlParam[]): Promise<QueryResult> {
    const retries = this.#connection.jobRetries ?? 1;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#run(sql, params);
      } catch (error) {
        const rerun = error instanceof WarehouseTransientError && this.#failedJobs.has(error) && attempt < retries;
        if (!rerun) throw error;
      }
    }
  }

  async #run(sql: string, params: readonly SqlParam[], options: QueryOptions = {}): Promise<QueryResult> {
    const bigquery = this.#require();
    const context = `running ${summarize(sql)}`;
    let job;
    try {
      job = await startQuery(bigquery, queryJobRequest(sql, params, this.#jobs, options));
    } catch (error) {
      throw this.#translate(error, context);
    }
    try {
      return await queryResults(job, options.createSession === true);
    } catch (error) {
      const translated = this.#translate(error, context);
      // Whether the job itself ended in failure (as opposed to an HTTP error while waiting).
      const state = await job.getMetadata().then(
        ([metadata]) => (metadata as { status?: { state?: string; errorResult?: unknown } }).status,
        () => undefined,
      );
      if (state?.state === 'DONE' && state.errorResult) this.#failedJobs.add(translated);
      throw translated;
    }
  }

  #translate(error: unknown, context: string): Error {
    return translateBigQueryError(error, context, this.describeTarget(), this.#secrets);
  }

  #require(): BigQuery {
    if (!this.#bigquery) throw new Error('BigQueryClient used before open() or after close()');
    return this.#bigquery;
  }
}

/** The REST schema field of a column (ARRAY<STRING> is a REPEATED STRING). */
function schemaField(column: ColumnSpec): LoadField {
  if (column.type === 'string_list') return { name: column.name, type: 'STRING', mode: 'REPEATED' };
  return { name: column.name, type: nativeType(column.type), mode: 'NULLABLE' };
}

/** The batch as NDJSON buffers; every cell is checked before anything is sent. */
function encodeBatch(columns: readonly ColumnSpec[], rows: readonly Row[], target: TableRef): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  let size = 0;
  try {
    for (const line of ndjsonLines(columns, rows, STAGING_ROW_COLUMN)) {
      pending.push(line);
      size += line.length;
      if (size >= CHUNK_BYTES) {
        chunks.push(Buffer.from(pending.join(''), 'utf8'));
        pending = [];
        size = 0;
      }
    }
  } catch (error) {
    if (error instanceof CellTypeError) {
      throw new WarehouseTerminalError(`Cannot stage rows for ${target.schema}.${target.name}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (pending.length > 0) chunks.push(Buffer.from(pending.join(''), 'utf8'));
  return chunks;
}

/** The statement's first words, for error messages; never the bound values. */
function summarize(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
