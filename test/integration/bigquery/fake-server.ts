/**
 * A fake BigQuery REST API on 127.0.0.1 for driving the real @google-cloud/bigquery SDK through
 * its `apiEndpoint` option. It records every request and answers like the API: jobs.insert,
 * jobs.get, jobs.getQueryResults, multipart uploads of load jobs, tables.insert/get/delete and
 * datasets.get/insert/delete. It executes no SQL: `onQuery` decides each query's canned answer.
 *
 * It refuses what BigQuery refuses (fake-rules.ts, each rule with its documentation page): a
 * query over 1,024K characters, DDL on permanent tables inside a session's open transaction, a
 * second query in a session while one is running, and unknown types in column definitions,
 * query parameters, table resources and load schemas.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ddlInTransaction, queryTooLarge, sessionBusy, unknownColumnType, unknownParameterType, unknownSchemaType } from './fake-rules.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The parsed JSON body (the metadata part, for a multipart upload). */
  readonly json: Record<string, unknown> | undefined;
  /** The data part of a multipart upload (the NDJSON of a load job). */
  readonly upload?: string;
}

export interface ApiErrorItem {
  readonly reason: string;
  readonly message: string;
  readonly location?: string;
}

/** What a query job does: return rows (with their REST schema), or fail as a job. */
export type QueryOutcome =
  | {
      readonly schema?: { fields: { name: string; type: string; mode?: string }[] };
      readonly rows?: { f: { v: unknown }[] }[];
      /** Answer the rows this many at a time, with page tokens, as BigQuery pages large results. */
      readonly pageSize?: number;
    }
  | { readonly fail: ApiErrorItem };

/** An HTTP error answered once to the next request matching `match`. */
export interface InjectedError {
  readonly match: (request: RecordedRequest) => boolean;
  readonly status: number;
  readonly errors: ApiErrorItem[];
}

/** What a run cost the fake, counted as the requests arrive (kept even when requests are not). */
export interface FakeBigQueryStats {
  /** Load jobs (multipart uploads into a table). */
  loadJobs: number;
  /** Query jobs by what their statement is. `merges`: see isMergeOfStaging. */
  merges: number;
  ddl: number;
  /** BEGIN / COMMIT / ROLLBACK TRANSACTION and CALL BQ.ABORT_SESSION(). */
  transactionControl: number;
  /** Writes to the loader's own tables (_loader_state, _loader_columns, _loader_runs …). */
  stateWrites: number;
  otherQueries: number;
  /** REST calls that are not jobs (tables.insert of staging tables, datasets.get …). */
  otherApiCalls: number;
  /** Bytes of data uploaded by load jobs (the NDJSON, without the job resource). */
  bytesStaged: number;
  /** Time spent handling requests once their body had arrived, in milliseconds. */
  busyMs: number;
}

export const emptyStats = (): FakeBigQueryStats => ({
  loadJobs: 0, merges: 0, ddl: 0, transactionControl: 0, stateWrites: 0, otherQueries: 0, otherApiCalls: 0, bytesStaged: 0, busyMs: 0,
});

/**
 * A statement that moves a batch from a staging table into its target: MERGE, or the
 * INSERT … SELECT … FROM <staging> that replaces it when every key of the batch is new (a
 * backfill). Counted together as the merges a load runs, whichever form the dialect chose.
 */
function isMergeOfStaging(word: string, sql: string): boolean {
  return word === 'MERGE' || (word === 'INSERT' && /\bSELECT\b[\s\S]*\bFROM\b[^,]*_loader_staging_/i.test(sql));
}

/** A write to one of the loader's own tables (`_loader_…` but not a staging table). */
function isStateWrite(word: string, sql: string): boolean {
  return ['INSERT', 'DELETE', 'UPDATE', 'MERGE'].includes(word) && /^\s*\w+\s+(?:INTO\s+|FROM\s+)?\S*_loader_(?!staging_)/i.test(sql);
}

/** The kind of a query job's statement, from its first keyword. */
export function statementKind(sql: string): 'merge' | 'ddl' | 'transactionControl' | 'stateWrites' | 'otherQueries' {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  if (isMergeOfStaging(word, sql)) return 'merge';
  if (isStateWrite(word, sql)) return 'stateWrites';
  if (['CREATE', 'ALTER', 'DROP'].includes(word)) return 'ddl';
  if (['BEGIN', 'COMMIT', 'ROLLBACK'].includes(word) || /^\s*CALL\s+BQ\.ABORT_SESSION/i.test(sql)) return 'transactionControl';
  return 'otherQueries';
}

export interface FakeBigQueryOptions {
  /**
   * Keep every request (with its body) in `requests`; the default. The bench turns it off, so
   * that 100,000 staged rows are counted in `stats` and not held in memory.
   */
  readonly keepRequests?: boolean;
}

/** A session's state: whether a transaction is open, and the job it is running (until seen done). */
interface SessionState {
  inTransaction: boolean;
  running: string | undefined;
}

interface JobRecord {
  readonly resource: Record<string, unknown>;
  readonly outcome: QueryOutcome | undefined;
  readonly loadError?: ApiErrorItem;
}

export class FakeBigQuery {
  readonly requests: RecordedRequest[] = [];
  readonly #jobs = new Map<string, JobRecord>();
  readonly #injected: InjectedError[] = [];
  #server: Server | undefined;
  #sessions = 0;
  /** Live sessions by id; BQ.ABORT_SESSION ends one. */
  readonly #sessionState = new Map<string, SessionState>();
  readonly #keepRequests: boolean;
  stats: FakeBigQueryStats = emptyStats();
  /** Decides each query job's answer from its SQL and configuration. */
  onQuery: (sql: string, config: Record<string, unknown>) => QueryOutcome = () => ({});
  /** Decides whether a load job fails (undefined: it succeeds). */
  onLoad: (metadata: Record<string, unknown>, ndjson: string) => ApiErrorItem | undefined = () => undefined;

  constructor(options: FakeBigQueryOptions = {}) {
    this.#keepRequests = options.keepRequests ?? true;
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('fake BigQuery not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const started = process.hrtime.bigint();
        this.#handle(req, Buffer.concat(chunks).toString('utf8'), res);
        this.stats.busyMs += Number(process.hrtime.bigint() - started) / 1e6;
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  inject(error: InjectedError): void {
    this.#injected.push(error);
  }

  /** The query jobs inserted, in order: SQL plus configuration. */
  queryJobs(): { sql: string; config: Record<string, unknown>; job: Record<string, unknown> }[] {
    return this.requests
      .filter((r) => r.method === 'POST' && /^\/bigquery\/v2\/projects\/[^/]+\/jobs$/.test(r.path))
      .map((r) => {
        const config = (r.json?.['configuration'] ?? {}) as Record<string, unknown>;
        const query = (config['query'] ?? {}) as Record<string, unknown>;
        return { sql: String(query['query']), config: query, job: r.json ?? {} };
      });
  }

  uploads(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/upload/'));
  }

  #handle(req: IncomingMessage, body: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = parseRequest(req, url, body);
    if (this.#keepRequests) this.requests.push(record);
    this.#count(record);
    const injected = this.#injected.findIndex((candidate) => candidate.match(record));
    if (injected >= 0) {
      const [error] = this.#injected.splice(injected, 1);
      if (error) return sendError(res, error.status, error.errors);
    }
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if (req.method === 'POST' && /^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.test(path)) {
      return this.#insertLoad(record, res);
    }
    if (req.method === 'POST' && /^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.test(path)) {
      return this.#insertQuery(record, res);
    }
    if (req.method === 'GET' && (match = /^\/bigquery\/v2\/projects\/([^/]+)\/(?:queries|jobs)\/([^/]+)$/.exec(path))) {
      this.#seenDone(decodeURIComponent(match[2] ?? ''));
    }
    if (req.method === 'GET' && (match = /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(path))) {
      return this.#queryResults(decodeURIComponent(match[2] ?? ''), record.query['pageToken'], res);
    }
    if (req.method === 'GET' && (match = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(path))) {
      const job = this.#jobs.get(decodeURIComponent(match[2] ?? ''));
      return job ? send(res, 200, doneResource(job)) : sendError(res, 404, [{ reason: 'notFound', message: 'Not found: Job' }]);
    }
    if (req.method === 'POST' && /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables$/.test(path)) {
      const invalid = unknownSchemaType(record.json?.['schema']);
      if (invalid) return sendError(res, 400, [invalid]);
      return send(res, 200, { kind: 'bigquery#table', ...(record.json ?? {}), creationTime: String(Date.now()) });
    }
    if ((match = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)(\/tables\/([^/]+))?$/.exec(path))) {
      if (req.method === 'DELETE') return send(res, 204, undefined);
      return send(res, 200, { kind: match[3] ? 'bigquery#table' : 'bigquery#dataset', id: `${match[1]}:${match[2]}` });
    }
    if (req.method === 'POST' && /^\/bigquery\/v2\/projects\/([^/]+)\/datasets$/.test(path)) return send(res, 200, record.json);
    sendError(res, 404, [{ reason: 'notFound', message: `fake BigQuery has no route ${req.method} ${path}` }]);
  }

  #count(record: RecordedRequest): void {
    const stats = this.stats;
    if (record.method === 'POST' && record.path.startsWith('/upload/')) {
      stats.loadJobs += 1;
      stats.bytesStaged += Buffer.byteLength(record.upload ?? '');
    } else if (record.method === 'POST' && /^\/bigquery\/v2\/projects\/[^/]+\/jobs$/.test(record.path)) {
      const query = ((record.json?.['configuration'] ?? {}) as Record<string, { query?: unknown }>)['query'];
      const kind = statementKind(String(query?.query ?? ''));
      stats[kind === 'merge' ? 'merges' : kind] += 1;
    } else if (!/\/(jobs|queries)\/[^/]+$/.test(record.path)) {
      // Polling a job (jobs.get, getQueryResults) is part of the job; anything else is its own call.
      stats.otherApiCalls += 1;
    }
  }

  #insertQuery(record: RecordedRequest, res: ServerResponse): void {
    const resource = { ...(record.json ?? {}) } as Record<string, unknown>;
    const configuration = (resource['configuration'] ?? {}) as Record<string, unknown>;
    const query = (configuration['query'] ?? {}) as Record<string, unknown>;
    const sql = String(query['query']);
    const reference = resource['jobReference'] as { jobId: string };
    const sessionId = (query['connectionProperties'] as { key: string; value: string }[] | undefined)?.find((p) => p.key === 'session_id')?.value;
    const session = sessionId === undefined ? undefined : this.#sessionState.get(sessionId);
    const refused =
      queryTooLarge(sql) ??
      unknownParameterType(query['queryParameters']) ??
      unknownColumnType(sql) ??
      (sessionId !== undefined && session === undefined ? { reason: 'invalidQuery', location: 'query', message: `Session ${sessionId} has been terminated or does not exist.` } : undefined) ??
      (session?.running !== undefined && sessionId !== undefined ? sessionBusy(sessionId) : undefined) ??
      (session?.inTransaction ? ddlInTransaction(sql) : undefined);
    const outcome: QueryOutcome = refused ? { fail: refused } : this.onQuery(sql, query);
    // Like BigQuery, the session id of a createSession query is in the job's statistics.
    let statistics = {};
    if (!refused && query['createSession']) {
      const id = `fake-session-${(this.#sessions += 1)}`;
      statistics = { sessionInfo: { sessionId: id } };
      this.#sessionState.set(id, { inTransaction: false, running: undefined });
      this.#track(id, sql, reference.jobId);
    } else if (!refused && sessionId !== undefined) {
      this.#track(sessionId, sql, reference.jobId);
    }
    const job: JobRecord = { resource: { ...resource, kind: 'bigquery#job', statistics, status: { state: 'RUNNING' } }, outcome };
    this.#jobs.set(reference.jobId, job);
    send(res, 200, job.resource);
  }

  /** A session's transaction follows its statements; the job keeps the session busy until seen done. */
  #track(sessionId: string, sql: string, jobId: string): void {
    const state = this.#sessionState.get(sessionId);
    if (!state) return;
    if (/^\s*CALL\s+BQ\.ABORT_SESSION\b/i.test(sql)) {
      this.#sessionState.delete(sessionId);
      return;
    }
    if (/^\s*BEGIN(\s+TRANSACTION)?\s*;?\s*$/i.test(sql)) state.inTransaction = true;
    if (/^\s*(COMMIT|ROLLBACK)(\s+TRANSACTION)?\s*;?\s*$/i.test(sql)) state.inTransaction = false;
    state.running = jobId;
  }

  #seenDone(jobId: string): void {
    for (const state of this.#sessionState.values()) if (state.running === jobId) state.running = undefined;
  }

  #insertLoad(record: RecordedRequest, res: ServerResponse): void {
    const resource = { ...(record.json ?? {}) } as Record<string, unknown>;
    const load = ((resource['configuration'] ?? {}) as Record<string, unknown>)['load'] as Record<string, unknown>;
    const reference = resource['jobReference'] as { jobId: string };
    const loadError = unknownSchemaType(load['schema']) ?? this.onLoad(load, record.upload ?? '');
    const job: JobRecord = { resource: { ...resource, kind: 'bigquery#job', status: { state: 'RUNNING' } }, outcome: undefined, ...(loadError ? { loadError } : {}) };
    this.#jobs.set(reference.jobId, job);
    send(res, 200, job.resource);
  }

  #queryResults(jobId: string, pageToken: string | undefined, res: ServerResponse): void {
    const job = this.#jobs.get(jobId);
    if (!job) return sendError(res, 404, [{ reason: 'notFound', message: `Not found: Job ${jobId}` }]);
    const outcome = job.outcome ?? {};
    if ('fail' in outcome) return sendError(res, 400, [outcome.fail]);
    const start = Number(pageToken ?? 0);
    const end = outcome.rows && outcome.pageSize ? start + outcome.pageSize : undefined;
    const rows = outcome.rows?.slice(start, end);
    send(res, 200, {
      kind: 'bigquery#getQueryResultsResponse',
      jobReference: job.resource['jobReference'],
      jobComplete: true,
      ...(outcome.schema ? { schema: outcome.schema } : {}),
      totalRows: String(outcome.rows?.length ?? 0),
      ...(rows && rows.length > 0 ? { rows } : {}),
      ...(end !== undefined && end < (outcome.rows?.length ?? 0) ? { pageToken: String(end) } : {}),
    });
  }
}

/** A job as jobs.get answers once it is DONE: with errorResult and errors when it failed. */
function doneResource(job: JobRecord): Record<string, unknown> {
  const failure = job.loadError ?? (job.outcome && 'fail' in job.outcome ? job.outcome.fail : undefined);
  const status = failure ? { state: 'DONE', errorResult: failure, errors: [failure] } : { state: 'DONE' };
  return { ...job.resource, status };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, errors: ApiErrorItem[]): void {
  const message = errors[0]?.message ?? 'error';
  send(res, status, { error: { code: status, message, errors: errors.map((e) => ({ domain: 'global', ...e })), status: 'ERROR' } });
}

function parseRequest(req: IncomingMessage, url: URL, body: string): RecordedRequest {
  const base = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
  const type = req.headers['content-type'] ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  if (boundary) {
    // multipart/related: the job resource (JSON), then the data.
    const parts = body
      .split(`--${boundary}`)
      .slice(1, -1)
      .map((part) => part.replace(/^\r\n/, '').split('\r\n\r\n'))
      .map(([, ...rest]) => rest.join('\r\n\r\n').replace(/\r\n$/, ''));
    return { ...base, json: parseJson(parts[0] ?? ''), upload: parts[1] ?? '' };
  }
  return { ...base, json: parseJson(body) };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}
