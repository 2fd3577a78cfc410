/**
 * The two kinds of BigQuery job the client runs, over the official SDK:
 * - query jobs (jobs.insert, then getQueryResults until complete, page by page), always through
 *   jobs.insert rather than the jobs.query shortcut, because only jobs.insert honours every job
 *   option of the profile (priority batch, job timeout, maximum bytes billed);
 * - load jobs (multipart upload of newline-delimited JSON, streamed from memory or from a staging
 *   file), awaited until DONE.
 * Rows are fetched unparsed and decoded by values.ts, so the loader's value conventions do not
 * depend on the SDK's row objects (BigQueryTimestamp, Big …).
 */
import type { BigQuery, Job, Table } from '@google-cloud/bigquery';
import type { SqlParam } from '../types.js';
import { decodeRows, stripNul, type SchemaField } from './values.js';

export interface JobSettings {
  readonly location?: string;
  readonly priority: 'interactive' | 'batch';
  readonly maximumBytesBilled?: number;
  readonly jobTimeoutMs?: number;
}

export interface QueryOptions {
  /** Start a session with this query (its id comes back in `sessionId`). */
  readonly createSession?: boolean;
  /** Run inside this session (and so inside its open transaction, if any). */
  readonly sessionId?: string;
}

export interface QueryResult {
  readonly rows: Record<string, unknown>[];
  readonly sessionId?: string;
}

/** Labels on every job, so the loader's share of the bill can be found in INFORMATION_SCHEMA.JOBS. */
export const JOB_LABELS = { tool: 'pipedrive-loader' };

interface QueryParameter {
  parameterType: { type: string };
  parameterValue: { value: string | null };
}

/** One positional parameter, typed explicitly (the SDK cannot type a NULL, nor tell INT64 from FLOAT64). */
export function queryParameter(value: SqlParam): QueryParameter {
  if (value === null) return { parameterType: { type: 'STRING' }, parameterValue: { value: null } };
  switch (typeof value) {
    case 'boolean':
      return { parameterType: { type: 'BOOL' }, parameterValue: { value: value ? 'true' : 'false' } };
    case 'bigint':
      return { parameterType: { type: 'INT64' }, parameterValue: { value: value.toString() } };
    case 'number':
      return Number.isSafeInteger(value)
        ? { parameterType: { type: 'INT64' }, parameterValue: { value: String(value) } }
        : { parameterType: { type: 'FLOAT64' }, parameterValue: { value: String(value) } };
    default:
      // NUL is removed as from staged text (values.ts), so a value compares equal to its stored form.
      return { parameterType: { type: 'STRING' }, parameterValue: { value: stripNul(value) } };
  }
}

/** The `configuration.query` (plus job-level keys the SDK moves) of one statement. */
export function queryJobRequest(sql: string, params: readonly SqlParam[], settings: JobSettings, options: QueryOptions): Record<string, unknown> {
  return {
    query: sql,
    useLegacySql: false,
    priority: settings.priority === 'batch' ? 'BATCH' : 'INTERACTIVE',
    labels: JOB_LABELS,
    ...(settings.location !== undefined ? { location: settings.location } : {}),
    ...(settings.maximumBytesBilled !== undefined ? { maximumBytesBilled: String(settings.maximumBytesBilled) } : {}),
    ...(settings.jobTimeoutMs !== undefined ? { jobTimeoutMs: settings.jobTimeoutMs } : {}),
    ...(params.length > 0 ? { parameterMode: 'POSITIONAL', queryParameters: params.map(queryParameter) } : {}),
    ...(options.createSession ? { createSession: true } : {}),
    ...(options.sessionId !== undefined ? { connectionProperties: [{ key: 'session_id', value: options.sessionId }] } : {}),
  };
}

interface ResultsPage {
  readonly jobComplete?: boolean | null;
  readonly schema?: { readonly fields?: readonly SchemaField[] | null } | null;
  readonly pageToken?: string | null;
}

function sessionIdOf(job: Job): string | undefined {
  const id = (job.metadata as { statistics?: { sessionInfo?: { sessionId?: string } } } | undefined)?.statistics?.sessionInfo?.sessionId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Waits for a query job and reads every page of its result (none for DDL and DML). */
export async function queryResults(job: Job, wantSession: boolean): Promise<QueryResult> {
  const rows: Record<string, unknown>[] = [];
  let pageToken: string | undefined;
  for (;;) {
    const [raw, , response] = await job.getQueryResults({ skipParsing: true, autoPaginate: false, ...(pageToken ? { pageToken } : {}) });
    const page = (response ?? {}) as ResultsPage;
    if (page.jobComplete === false) continue; // the server already waited ~10 s: ask again
    const fields = page.schema?.fields ?? [];
    if (Array.isArray(raw) && raw.length > 0) rows.push(...decodeRows(fields, raw));
    if (!page.pageToken) break;
    pageToken = page.pageToken;
  }
  if (wantSession && sessionIdOf(job) === undefined) await job.getMetadata();
  const sessionId = sessionIdOf(job);
  return { rows, ...(sessionId !== undefined ? { sessionId } : {}) };
}

/** Starts one query job; `queryResults` waits for it. */
export async function startQuery(bigquery: BigQuery, request: Record<string, unknown>): Promise<Job> {
  const [job] = await bigquery.createQueryJob(request);
  return job;
}

/** A column of a load job's schema: flat, NULLABLE or REPEATED. */
export interface LoadField {
  readonly name: string;
  readonly type: string;
  readonly mode: 'NULLABLE' | 'REPEATED';
}

export interface LoadRequest {
  readonly table: Table;
  readonly fields: readonly LoadField[];
  /** The NDJSON: buffers in memory, or a stream (a staging file read from disk). */
  readonly body: Iterable<Buffer> | AsyncIterable<Buffer>;
}

/**
 * Uploads `body` (NDJSON) into `table` with one load job and waits until the job is DONE. The
 * SDK's write stream polls the job and fails with the job's own errors (row, column, reason).
 * WRITE_TRUNCATE: a retried load can never leave a row twice. The job runs in the table's
 * location (the Table object carries it).
 */
export async function loadNdjson(request: LoadRequest): Promise<void> {
  const stream = request.table.createWriteStream({
    sourceFormat: 'NEWLINE_DELIMITED_JSON',
    schema: { fields: request.fields.map((field) => ({ ...field })) },
    createDisposition: 'CREATE_NEVER',
    writeDisposition: 'WRITE_TRUNCATE',
    ignoreUnknownValues: false,
    maxBadRecords: 0,
  });
  const done = new Promise<void>((resolve, reject) => {
    stream.once('complete', () => resolve());
    stream.once('error', reject);
  });
  // A failure while writing must not leave an unobserved rejection (or a wait for 'drain' forever).
  done.catch(() => undefined);
  for await (const chunk of request.body) {
    if (!stream.write(chunk)) await Promise.race([new Promise<void>((resolve) => stream.once('drain', () => resolve())), done]);
  }
  stream.end();
  await done;
}
