/**
 * A local fake of the Snowflake REST endpoints snowflake-sdk 3.3 uses, on 127.0.0.1 only: it
 * records every request and answers with canned but realistically shaped JSON (the shapes the
 * SDK parses: login `data.token/masterToken/sessionId/parameters`, query `data.rowtype/rowset`,
 * errors `success: false` with `code`, `data.sqlState`). It executes no SQL: a test gives a
 * `respond` function that maps a statement to rows or an error.
 *
 * It refuses what Snowflake refuses, or what this loader must never send (fake-rules.ts, each
 * rule with its documentation page): statement text over 1 MB, a request over 128 MB, unknown
 * bind types and unknown column types. And it models what Snowflake does with DDL in an open
 * transaction: it commits that transaction first, then runs the DDL; `transactions` records how
 * each transaction ended, so a test can see what a statement would have committed.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { isDdl, requestTooLarge, statementTooLarge, unknownBindType, unknownColumnType } from './fake-rules.js';
import { FakeStages, type CopiedFile, type StageAnswer } from './fake-stage.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly remoteAddress: string;
  readonly body: Record<string, unknown> | undefined;
}

export interface FakeColumn {
  readonly name: string;
  /** Snowflake's rowtype type: fixed, real, text, boolean, date, time, timestamp_tz, variant, array. */
  readonly type: string;
  readonly scale?: number;
}

export type FakeAnswer =
  | { readonly columns: readonly FakeColumn[]; readonly rows: readonly (readonly (string | null)[])[] }
  | { readonly error: { readonly code: string; readonly sqlState: string; readonly message: string } }
  /** An HTTP status without a Snowflake body (a 503 from the load balancer). */
  | { readonly httpStatus: number };

export interface Bindings {
  readonly [position: string]: { readonly type: string; readonly value: unknown };
}

/** What a run cost the fake, counted as statements arrive (kept even when requests are not). */
export interface FakeSnowflakeStats {
  /**
   * Array-bound INSERTs (staging from memory: one request per chunk of rows), PUTs (a staging
   * file's upload, or the SDK's attempt to stage large array binds) and COPY INTO from a stage.
   */
  loads: number;
  merges: number;
  /** See isMergeOfStaging. */
  ddl: number;
  /** BEGIN, COMMIT, ROLLBACK. */
  transactionControl: number;
  /** Writes to the loader's own tables (_loader_state, _loader_columns, _loader_runs …). */
  stateWrites: number;
  otherStatements: number;
  /** Bytes of the bound values of array-bound INSERTs (their JSON in the request), and of the (gzipped) files COPY read from a stage. */
  bytesStaged: number;
  /** DDL that committed an open transaction holding writes (Snowflake's implicit commit). */
  ddlCommitsOfWrites: number;
  /** Time spent answering statements once their body had arrived, in milliseconds. */
  busyMs: number;
}

/** How one transaction of a session ended, with the statements it held. */
export interface EndedTransaction {
  readonly statements: readonly string[];
  /** 'commit', 'rollback', or the DDL statement that committed it. */
  readonly end: string;
}

export const emptyStats = (): FakeSnowflakeStats => ({
  loads: 0, merges: 0, ddl: 0, transactionControl: 0, stateWrites: 0, otherStatements: 0, bytesStaged: 0, ddlCommitsOfWrites: 0, busyMs: 0,
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

/** The kind of a statement, from its first keyword and whether its binds are arrays. */
export function statementKind(sql: string, bindings: Bindings | undefined): Exclude<keyof FakeSnowflakeStats, 'bytesStaged' | 'busyMs' | 'ddlCommitsOfWrites'> {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  if (word === 'PUT' || (word === 'COPY' && /^\s*COPY\s+INTO\s+\S+[\s\S]*\bFROM\s+@/i.test(sql))) return 'loads';
  if (word === 'INSERT' && Object.values(bindings ?? {}).some((bind) => Array.isArray(bind.value))) return 'loads';
  if (isMergeOfStaging(word, sql)) return 'merges';
  if (isStateWrite(word, sql)) return 'stateWrites';
  if (['CREATE', 'ALTER', 'DROP', 'UNDROP', 'TRUNCATE', 'COMMENT', 'GRANT', 'REVOKE'].includes(word)) return 'ddl';
  if (['BEGIN', 'COMMIT', 'ROLLBACK'].includes(word)) return 'transactionControl';
  return 'otherStatements';
}

export interface FakeOptions {
  /**
   * Keep every request (with its body) in `requests`; the default. The bench turns it off, so
   * that 100,000 staged rows are counted in `stats` and not held in memory.
   */
  readonly keepRequests?: boolean;
  /** Answer for a statement; undefined → a generic "statement executed" result. */
  respond?(sql: string, bindings: Bindings | undefined): FakeAnswer | undefined;
  /** The request size limit (default: the documented 128 MB), lowered by a test that cannot send 128 MB. */
  readonly maxRequestBytes?: number;
  /** Makes the login fail with Snowflake's answer for bad credentials. */
  readonly rejectLogin?: boolean;
  readonly session?: { readonly database?: string | null; readonly warehouse?: string | null; readonly role?: string };
}

/** What CURRENT_DATABASE()/CURRENT_WAREHOUSE()/CURRENT_ROLE() answer, as the session check asks. */
function sessionAnswer(options: FakeOptions): FakeAnswer {
  const session = options.session ?? {};
  return {
    columns: [
      { name: 'database', type: 'text' },
      { name: 'warehouse', type: 'text' },
      { name: 'role', type: 'text' },
    ],
    rows: [[session.database === undefined ? 'ANALYTICS' : session.database, session.warehouse === undefined ? 'LOADING' : session.warehouse, session.role ?? 'LOADER']],
  };
}

const STATEMENT_DONE: FakeAnswer = { columns: [{ name: 'status', type: 'text' }], rows: [['Statement executed successfully.']] };

function rowtype(column: FakeColumn): Record<string, unknown> {
  return {
    name: column.name,
    database: '',
    schema: '',
    table: '',
    type: column.type,
    scale: column.scale ?? (column.type === 'fixed' ? 0 : column.type.startsWith('time') ? 9 : null),
    precision: column.type === 'fixed' ? 38 : null,
    length: column.type === 'text' ? 16_777_216 : null,
    byteLength: column.type === 'text' ? 16_777_216 : null,
    nullable: true,
    collation: null,
  };
}

let queryCounter = 0;

function queryBody(answer: FakeAnswer): Record<string, unknown> {
  queryCounter += 1;
  const queryId = `01b8fake-0000-0000-0000-${String(queryCounter).padStart(12, '0')}`;
  if ('error' in answer) {
    return {
      data: { internalError: false, errorCode: answer.error.code, age: 0, sqlState: answer.error.sqlState, queryId, line: -1, pos: -1, type: 'COMPILATION' },
      code: answer.error.code,
      message: answer.error.message,
      success: false,
      headers: null,
    };
  }
  if ('httpStatus' in answer) throw new Error('not a body');
  return {
    data: {
      parameters: [
        { name: 'TIMEZONE', value: 'UTC' },
        { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
        // As the adapter's ALTER SESSION sets it; the server echoes session parameters.
        { name: 'TIME_OUTPUT_FORMAT', value: 'HH24:MI:SS.FF9' },
      ],
      rowtype: answer.columns.map(rowtype),
      rowset: answer.rows,
      total: answer.rows.length,
      returned: answer.rows.length,
      queryId,
      databaseProvider: null,
      finalDatabaseName: 'ANALYTICS',
      finalSchemaName: null,
      finalWarehouseName: 'LOADING',
      finalRoleName: 'LOADER',
      numberOfBinds: 0,
      arrayBindSupported: false,
      statementTypeId: 4096,
      version: 1,
      sendResultTime: Date.now(),
      queryResultFormat: 'json',
    },
    code: null,
    message: null,
    success: true,
  };
}

const LOGIN_OK = {
  data: {
    masterToken: 'fake-master-token',
    token: 'fake-session-token',
    validityInSeconds: 3600,
    masterValidityInSeconds: 14_400,
    displayUserName: 'LOADER',
    serverVersion: '9.0.0',
    firstLogin: false,
    healthCheckInterval: 45,
    sessionId: 4_242_424_242,
    parameters: [
      { name: 'TIMEZONE', value: 'UTC' },
      { name: 'CLIENT_SESSION_KEEP_ALIVE', value: false },
    ],
    sessionInfo: { databaseName: 'ANALYTICS', schemaName: null, warehouseName: 'LOADING', roleName: 'LOADER' },
  },
  code: null,
  message: null,
  success: true,
};

const LOGIN_REJECTED = {
  data: { nextAction: 'RETRY_LOGIN', authnMethod: 'USERNAME_PASSWORD', loginName: 'LOADER', errorCode: '390100' },
  code: '390100',
  message: 'Incorrect username or password was specified.',
  success: false,
  headers: null,
};

function readBody(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', reject);
    request.on('end', () => {
      if (chunks.length === 0) return resolve(undefined);
      let buffer = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip' || (buffer[0] === 0x1f && buffer[1] === 0x8b)) buffer = gunzipSync(buffer);
      const text = buffer.toString('utf8');
      try {
        resolve(text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>));
      } catch {
        resolve({ raw: text });
      }
    });
  });
}

export class FakeSnowflake {
  readonly requests: RecordedRequest[] = [];
  #server: Server | undefined;
  #failNext: number[] = [];
  stats: FakeSnowflakeStats = emptyStats();
  /** Ended transactions, in order (kept only when requests are). */
  readonly transactions: EndedTransaction[] = [];
  /** The open transaction of each session (by session token): its statements so far. */
  readonly #open = new Map<string, string[]>();
  #logins = 0;
  readonly #stages = new FakeStages();
  /** What each COPY INTO from a stage read (kept only when requests are). */
  readonly copied: CopiedFile[] = [];

  constructor(private options: FakeOptions = {}) {}

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the fake is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Replaces the answers (e.g. between the open() of a client and the statements under test). */
  configure(options: FakeOptions): void {
    this.options = options;
  }

  /** The next query-requests answer these HTTP statuses, one each, before answering normally. */
  failNextQueries(...statuses: number[]): void {
    this.#failNext.push(...statuses);
  }

  /** The SQL text of every query-request, in order. */
  get statements(): string[] {
    return this.queries.map((request) => String(request.body?.['sqlText']));
  }

  get queries(): RecordedRequest[] {
    return this.requests.filter((request) => request.path === '/queries/v1/query-request');
  }

  /**
   * A session's transaction as Snowflake keeps it (https://docs.snowflake.com/en/sql-reference/transactions):
   * BEGIN opens one (and is ignored while one is open), COMMIT and ROLLBACK end it, and DDL
   * commits the open one before it runs, as its own transaction.
   */
  #transact(session: string, sql: string): void {
    const open = this.#open.get(session);
    const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
    const end = (how: string): void => {
      this.#open.delete(session);
      if (!open) return;
      if (this.options.keepRequests ?? true) this.transactions.push({ statements: open, end: how });
    };
    if (word === 'BEGIN' || /^\s*START\s+TRANSACTION\b/i.test(sql)) {
      if (!open) this.#open.set(session, []);
    } else if (word === 'COMMIT') {
      end('commit');
    } else if (word === 'ROLLBACK') {
      end('rollback');
    } else if (isDdl(sql)) {
      if (open && open.some((statement) => !/^\s*SELECT\b/i.test(statement))) this.stats.ddlCommitsOfWrites += 1;
      end(sql.replace(/\s+/g, ' ').slice(0, 80));
    } else if (open) {
      open.push(sql);
    }
  }

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      void (async () => {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1');
        const body = await readBody(request);
        const started = process.hrtime.bigint();
        response.once('finish', () => {
          this.stats.busyMs += Number(process.hrtime.bigint() - started) / 1e6;
        });
        if (this.options.keepRequests ?? true) this.requests.push({
          method: request.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          remoteAddress: request.socket.remoteAddress ?? '',
          body,
        });
        const send = (status: number, json: unknown): void => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(json));
        };
        switch (url.pathname) {
          case '/session/v1/login-request': {
            if (this.options.rejectLogin) return send(200, LOGIN_REJECTED);
            // Each login is its own session: its own token (the first keeps the plain one).
            this.#logins += 1;
            const token = this.#logins === 1 ? LOGIN_OK.data.token : `${LOGIN_OK.data.token}-${this.#logins}`;
            return send(200, { ...LOGIN_OK, data: { ...LOGIN_OK.data, token, sessionId: LOGIN_OK.data.sessionId + this.#logins - 1 } });
          }
          case '/queries/v1/query-request': {
            const status = this.#failNext.shift();
            if (status !== undefined) return send(status, { message: 'Service Unavailable' });
            const sql = String(body?.['sqlText'] ?? '');
            const bindings = body?.['bindings'] as Bindings | undefined;
            const kind = statementKind(sql, bindings);
            this.stats[kind] += 1;
            if (kind === 'loads' && bindings) this.stats.bytesStaged += Buffer.byteLength(JSON.stringify(bindings));
            const refused =
              statementTooLarge(sql) ??
              requestTooLarge(Buffer.byteLength(JSON.stringify(body ?? {})), this.options.maxRequestBytes) ??
              unknownBindType(bindings) ??
              unknownColumnType(sql);
            if (refused) return send(200, queryBody(refused));
            const session = /Token="([^"]*)"/.exec(request.headers['authorization'] ?? '')?.[1] ?? '';
            this.#transact(session, sql);
            const given = this.options.respond?.(sql, bindings);
            const staged = given === undefined ? this.#stages.handle(session, sql) : undefined;
            if (staged) return send(200, this.#stageBody(staged));
            const answer = given ?? (/CURRENT_DATABASE\(\)/.test(sql) ? sessionAnswer(this.options) : STATEMENT_DONE);
            if ('httpStatus' in answer) return send(answer.httpStatus, { message: 'failure' });
            return send(200, queryBody(answer));
          }
          case '/session':
          case '/telemetry/send':
          case '/session/heartbeat':
          case '/session/token-request':
            return send(200, { data: null, code: null, message: null, success: true });
          default:
            return send(404, { success: false, message: `the fake does not serve ${url.pathname}` });
        }
      })().catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  /** The answer to a PUT, a COPY from a stage, or a refusal of either. */
  #stageBody(answer: StageAnswer): Record<string, unknown> {
    if (answer.kind === 'error') return queryBody({ error: answer });
    if (answer.kind === 'upload') {
      const base = queryBody({ columns: [], rows: [] });
      return { ...base, data: { ...(base['data'] as Record<string, unknown>), ...answer.body } };
    }
    for (const file of answer.files) {
      this.stats.bytesStaged += file.bytes;
      if (this.options.keepRequests ?? true) this.copied.push(file);
    }
    if (answer.files.length === 0) return queryBody({ columns: [{ name: 'status', type: 'text' }], rows: [['Copy executed with 0 files processed.']] });
    return queryBody({
      columns: [
        { name: 'file', type: 'text' },
        { name: 'status', type: 'text' },
        { name: 'rows_parsed', type: 'fixed' },
        { name: 'rows_loaded', type: 'fixed' },
      ],
      rows: answer.files.map((file, index) => [`file_${index}.csv.gz`, 'LOADED', String(file.records.length), String(file.records.length)]),
    });
  }

  async stop(): Promise<void> {
    this.#stages.remove();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
