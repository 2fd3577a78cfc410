/**
 * The loader's state, kept in the warehouse next to the data (so a CI run with an empty working
 * directory resumes where the last one stopped): bookmarks, the run log and the column map.
 *
 * Portable SQL only, rendered through the Dialect with bound parameters: rows are replaced by
 * DELETE + INSERT rather than a warehouse-specific upsert, so the same store runs everywhere.
 * Writes that must commit with a batch take that batch's session.
 */
import type { WarehouseClient, WarehouseSession, SqlParam } from '../../adapters/types.js';
import { LOADER_TABLES } from '../../migrations/tables.js';
import { BoundParameters } from '../plan/parameters.js';
import { registerOpenRun, unregisterOpenRun } from './open-runs.js';
import { RejectTable, type RejectCount, type RejectInput, type StoredReject } from './rejects.js';
import type {
  CompanyRecord,
  FinishedRun,
  PersistedColumnMapping,
  RunRecord,
  RunStatus,
  RunStreamStats,
  StreamState,
} from './types.js';

const MAPPING_COLUMNS = [
  'table_name',
  'field_key',
  'subfield',
  'column_name',
  'field_name',
  'field_type',
  'first_seen_at',
  'last_seen_at',
] as const;

/** The `_loader_state` keys of the schema's company record (markers: `state show` lists them). */
export const COMPANY_ID_KEY = '#company_id';
export const COMPANY_DOMAIN_KEY = '#company_domain';

/** The error recorded on a run that a later run found still marked `running`. */
export const ABANDONED_RUN_ERROR =
  'The process ended before recording how this run ended (killed, or stopped by a second signal); its uncommitted batch was rolled back.';

/** The loader tables' json columns (migrations/001_loader_tables.ts): written as JSON text. */
const JSON_COLUMNS: ReadonlySet<string> = new Set(['streams']);

/**
 * Column-map rows per statement: 8 bound values a row, 4,000 a statement, well below the
 * smallest limit of the four warehouses (BigQuery: 10,000 query parameters; PostgreSQL 65,535),
 * and a few tens of kilobytes of SQL text, far below BigQuery's and Snowflake's 1 MB.
 */
const MAPPINGS_PER_STATEMENT = 500;

const RUN_COLUMNS = ['load_id', 'started_at', 'finished_at', 'status', 'streams', 'requests', 'tokens', 'error'] as const;

/** Timestamps come back as ISO strings from DuckDB and as Date objects from some drivers. */
function isoText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

export class StateStore {
  constructor(
    private readonly client: WarehouseClient,
    private readonly schema: string,
  ) {}

  /** The committed bookmark of every stream that has one. */
  async readBookmarks(): Promise<Map<string, string>> {
    const states = await this.readStreamStates();
    return new Map(states.map((state) => [state.stream, state.bookmark]));
  }

  async readStreamStates(): Promise<StreamState[]> {
    const rows = await this.client.query(
      `SELECT ${this.list(['stream', 'bookmark', 'load_id', 'updated_at'])} FROM ${this.table('state')} ` +
        `ORDER BY ${this.id('stream')}`,
    );
    return rows.map((row) => ({
      stream: text(row['stream']),
      bookmark: text(row['bookmark']),
      loadId: text(row['load_id']),
      updatedAt: isoText(row['updated_at']),
    }));
  }

  /**
   * Records `bookmark` as the stream's newest committed update_time. Call it with the batch's
   * session (upsertBatch's afterMerge), so the bookmark commits with the rows it covers and never
   * runs ahead of them.
   */
  async saveBookmark(
    session: WarehouseSession,
    stream: string,
    bookmark: string,
    loadId: string,
    now: Date = new Date(),
  ): Promise<void> {
    await session.execute(`DELETE FROM ${this.table('state')} WHERE ${this.id('stream')} = ${this.p(1)}`, [stream]);
    await this.insert(session, 'state', ['stream', 'bookmark', 'load_id', 'updated_at'], [[stream, bookmark, loadId, now.toISOString()]]);
  }

  /** Forgets a stream's bookmark, so its next run reads everything (`state reset`, --full-refresh). */
  async clearBookmark(stream: string): Promise<void> {
    await this.client.execute(`DELETE FROM ${this.table('state')} WHERE ${this.id('stream')} = ${this.p(1)}`, [
      stream,
    ]);
  }

  /**
   * The Pipedrive company the schema holds (src/load/preflight.ts): two marker rows, or undefined
   * when the schema has no record yet (never loaded, or loaded before the record existed).
   */
  async readCompany(): Promise<CompanyRecord | undefined> {
    const rows = await this.client.query(
      `SELECT ${this.list(['stream', 'bookmark'])} FROM ${this.table('state')} WHERE ${this.id('stream')} IN (${this.p(1)}, ${this.p(2)})`,
      [COMPANY_ID_KEY, COMPANY_DOMAIN_KEY],
    );
    const value = (key: string): string | undefined => {
      const row = rows.find((r) => text(r['stream']) === key);
      return row === undefined ? undefined : text(row['bookmark']);
    };
    const id = value(COMPANY_ID_KEY);
    if (id === undefined) return undefined;
    return { id: Number(id), domain: value(COMPANY_DOMAIN_KEY) ?? '' };
  }

  /** Records the schema's company: both rows in one transaction. */
  async saveCompany(company: CompanyRecord, loadId: string): Promise<void> {
    await this.client.transaction(async (session) => {
      await this.saveBookmark(session, COMPANY_ID_KEY, String(company.id), loadId);
      await this.saveBookmark(session, COMPANY_DOMAIN_KEY, company.domain, loadId);
    });
  }

  async readColumnMappings(): Promise<PersistedColumnMapping[]> {
    const rows = await this.client.query(
      `SELECT ${this.list(MAPPING_COLUMNS)} FROM ${this.table('columns')} ` +
        `ORDER BY ${this.list(['table_name', 'field_key', 'subfield'])}`,
    );
    return rows.map((row) => ({
      table_name: text(row['table_name']),
      field_key: text(row['field_key']),
      subfield: text(row['subfield']),
      column_name: text(row['column_name']),
      field_name: text(row['field_name']),
      field_type: text(row['field_type']),
      first_seen_at: isoText(row['first_seen_at']),
      last_seen_at: isoText(row['last_seen_at']),
    }));
  }

  /**
   * Inserts or replaces mappings by (table_name, field_key, subfield), exactly as given (the last
   * of two with one key wins). Two statements per 500 mappings, whatever their number: one
   * DELETE of their keys and one multi-row INSERT (on BigQuery every statement is a job).
   */
  async saveColumnMappings(session: WarehouseSession, mappings: readonly PersistedColumnMapping[]): Promise<void> {
    const byKey = new Map(mappings.map((mapping) => [JSON.stringify([mapping.table_name, mapping.field_key, mapping.subfield]), mapping]));
    const rows = [...byKey.values()];
    for (let start = 0; start < rows.length; start += MAPPINGS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + MAPPINGS_PER_STATEMENT);
      const keys = new BoundParameters(this.client.dialect);
      const match = chunk.map(
        (mapping) =>
          `(${this.id('table_name')} = ${keys.add(mapping.table_name)} AND ${this.id('field_key')} = ${keys.add(mapping.field_key)} ` +
          `AND ${this.id('subfield')} = ${keys.add(mapping.subfield)})`,
      );
      await session.execute(`DELETE FROM ${this.table('columns')} WHERE ${match.join(' OR ')}`, keys.values);
      await this.insert(
        session,
        'columns',
        MAPPING_COLUMNS,
        chunk.map((mapping) => MAPPING_COLUMNS.map((column) => mapping[column])),
      );
    }
  }

  /**
   * Records the start of a run. Call it while holding the schema (the warehouse's lock or
   * DuckDB's file lock): any other run still marked `running` then belongs to a process that
   * ended without recording its end (SIGKILL, a crash, a second signal whose write did not get
   * through), so it is closed as interrupted first. Its uncommitted batch was rolled back.
   */
  async startRun(loadId: string, startedAt: string): Promise<void> {
    await this.closeAbandonedRuns(startedAt);
    await this.insert(this.client, 'runs', ['load_id', 'started_at', 'status'], [[loadId, startedAt, 'running']]);
    registerOpenRun({ loadId, recordInterrupted: (reason) => this.recordInterrupted(loadId, reason) });
  }

  /** Marks every run still recorded as `running` as interrupted; returns how many there were. */
  async closeAbandonedRuns(now: string): Promise<number> {
    const status = this.id('status');
    const abandoned = await this.client.query(
      `SELECT ${this.id('load_id')} FROM ${this.table('runs')} WHERE ${status} = ${this.p(1)}`,
      ['running'],
    );
    if (abandoned.length === 0) return 0;
    await this.client.execute(
      `UPDATE ${this.table('runs')} SET ${status} = ${this.p(1)}, ${this.id('finished_at')} = ${this.p(2)}, ` +
        `${this.id('error')} = ${this.p(3)} WHERE ${status} = ${this.p(4)}`,
      ['interrupted', now, ABANDONED_RUN_ERROR, 'running'],
    );
    return abandoned.length;
  }

  /** Records how a run ended; the row is replaced whole, keeping the recorded start time. */
  async finishRun(loadId: string, run: FinishedRun, finishedAt: string): Promise<void> {
    // From here on the run's end is being written by the run itself; a racing signal handler
    // must not write a second, poorer record.
    unregisterOpenRun(loadId);
    const existing = await this.client.query(
      `SELECT ${this.id('started_at')} FROM ${this.table('runs')} WHERE ${this.id('load_id')} = ${this.p(1)}`,
      [loadId],
    );
    const startedAt = existing[0] ? isoText(existing[0]['started_at']) : finishedAt;
    await this.client.transaction(async (session) => {
      await session.execute(`DELETE FROM ${this.table('runs')} WHERE ${this.id('load_id')} = ${this.p(1)}`, [loadId]);
      await this.insert(session, 'runs', RUN_COLUMNS, [
        [loadId, startedAt, finishedAt, run.status, JSON.stringify(run.streams), run.requests, run.tokens, run.error ?? null],
      ]);
    });
  }

  /**
   * The emergency record of a run stopped without finishing its batch (a second signal): status
   * `interrupted`, with `reason`. A single autocommitted statement, never a transaction of its
   * own: a client runs one transaction at a time, and a batch's may be in flight. Where a statement
   * outside it shares its session (`capabilities.concurrentStatements` false: Snowflake) it joins
   * that transaction and is rolled back with it when the process exits; the next run's `startRun`
   * then closes the record instead.
   */
  async recordInterrupted(loadId: string, reason: string, finishedAt = new Date().toISOString()): Promise<void> {
    await this.client.execute(
      `UPDATE ${this.table('runs')} SET ${this.id('status')} = ${this.p(1)}, ${this.id('finished_at')} = ${this.p(2)}, ` +
        `${this.id('error')} = ${this.p(3)} WHERE ${this.id('load_id')} = ${this.p(4)} AND ${this.id('status')} = ${this.p(5)}`,
      ['interrupted', finishedAt, reason, loadId, 'running'],
    );
  }

  /**
   * Keeps what a run warned about at its start (a non-admin token …) in `_loader_runs.warnings`
   * (migrations/003). Called once the run is recorded as finished: finishRun replaces the row.
   */
  async recordRunWarnings(loadId: string, warnings: readonly string[]): Promise<void> {
    await this.client.execute(
      `UPDATE ${this.table('runs')} SET ${this.id('warnings')} = ${this.p(1)} WHERE ${this.id('load_id')} = ${this.p(2)}`,
      [warnings.join('\n'), loadId],
    );
  }

  /** The most recent runs, newest first. */
  async readRuns(limit = 20): Promise<RunRecord[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a whole number ≥ 1');
    const rows = await this.client.query(
      `SELECT ${this.list(RUN_COLUMNS)} FROM ${this.table('runs')} ` +
        `ORDER BY ${this.id('started_at')} DESC, ${this.id('load_id')} DESC LIMIT ${limit}`,
    );
    return rows.map(runRecord);
  }

  /** One run by its load id (`state show --run`), or undefined when the schema has no such run. */
  async readRun(loadId: string): Promise<RunRecord | undefined> {
    const [row] = await this.client.query(
      `SELECT ${this.list(RUN_COLUMNS)} FROM ${this.table('runs')} WHERE ${this.id('load_id')} = ${this.p(1)}`,
      [loadId],
    );
    return row === undefined ? undefined : runRecord(row);
  }

  // --- _loader_rejects (src/state/rejects.ts) ---

  private get rejects(): RejectTable {
    return new RejectTable(this.client.dialect, this.schema);
  }
  /** Read once per store (one run), then kept up to date by `replaceRejects`. */
  private rejectedTables: Promise<Set<string>> | undefined;

  /** Tables that hold rejects: only their batches need their old rejects cleared. */
  tablesWithRejects(): Promise<Set<string>> {
    // A failed read is not kept: the next batch asks again rather than failing on a stale error.
    this.rejectedTables ??= this.rejects.tablesWithRejects(this.client).catch((error: unknown) => {
      this.rejectedTables = undefined;
      throw error;
    });
    return this.rejectedTables;
  }

  /**
   * Replaces the rejects of the records `recordIds` of `table` by `rejects`, with the batch's
   * session, so they commit (or roll back) with the rows. Only call it from inside the run's
   * write queue, as commitBatch does.
   */
  async replaceRejects(
    session: WarehouseSession,
    table: string,
    recordIds: readonly string[],
    rejects: readonly RejectInput[],
    loadId: string,
    now: string,
  ): Promise<void> {
    await this.rejects.replace(session, table, recordIds, rejects, loadId, now);
    if (rejects.length > 0) (await this.tablesWithRejects()).add(table);
  }

  readRejectCounts(): Promise<RejectCount[]> {
    return this.rejects.counts(this.client);
  }

  readNewestRejects(limit: number): Promise<StoredReject[]> {
    return this.rejects.newest(this.client, limit);
  }

  /**
   * Rows in one statement, every value bound. JSON columns read their text through
   * `parameterAs` (PARSE_JSON where the warehouse needs it); where a VALUES row may not hold
   * such an expression (`capabilities.expressionsInValues`), the rows are SELECTs instead.
   */
  private async insert(
    session: WarehouseSession,
    table: keyof typeof LOADER_TABLES,
    columns: readonly string[],
    rows: readonly (readonly SqlParam[])[],
  ): Promise<void> {
    const { dialect } = this.client;
    const bound = new BoundParameters(dialect);
    const tuples = rows.map((values) =>
      columns.map((column, index) => bound.add(values[index] ?? null, JSON_COLUMNS.has(column) ? 'json' : undefined)).join(', '),
    );
    const selects = !dialect.capabilities.expressionsInValues && columns.some((column) => JSON_COLUMNS.has(column));
    const body = selects ? tuples.map((tuple) => `SELECT ${tuple}`).join(' UNION ALL ') : `VALUES ${tuples.map((tuple) => `(${tuple})`).join(', ')}`;
    await session.execute(`INSERT INTO ${this.table(table)} (${this.list(columns)}) ${body}`, bound.values);
  }

  private table(table: keyof typeof LOADER_TABLES): string {
    return this.client.dialect.qualify({ schema: this.schema, name: LOADER_TABLES[table] });
  }

  private id(name: string): string {
    return this.client.dialect.quoteIdentifier(name);
  }

  private list(names: readonly string[]): string {
    return names.map((name) => this.id(name)).join(', ');
  }

  private p(index: number): string {
    return this.client.dialect.parameter(index);
  }
}

function parseStreams(value: unknown): RunStreamStats[] {
  if (value === null || value === undefined) return [];
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? (parsed as RunStreamStats[]) : [];
}

function runRecord(row: Record<string, unknown>): RunRecord {
  return {
    loadId: text(row['load_id']),
    startedAt: isoText(row['started_at']),
    finishedAt: row['finished_at'] === null ? null : isoText(row['finished_at']),
    status: text(row['status']) as RunStatus,
    streams: parseStreams(row['streams']),
    requests: Number(row['requests'] ?? 0),
    tokens: Number(row['tokens'] ?? 0),
    error: row['error'] === null || row['error'] === undefined ? null : String(row['error']),
  };
}
