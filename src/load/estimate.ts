/**
 * What the next load will spend, estimated without spending anything: requests × tokens per
 * request, per stream and in total. Pure; `pipedrive-loader plan` gathers the inputs (what plan
 * itself just read, bookmarks, recorded runs, row counts) and prints the result.
 *
 * Pipedrive reports no record counts for free, so each figure says how sure it is:
 * - exact: field metadata (plan has just read the same pages) and unpaginated lists (one request);
 * - estimate (≈): a complete read measured by the last run that read the stream to the end, or
 *   the rows the table holds now, divided by the page size;
 * - at least: an incremental read (one page when nothing changed, one more per page of changes),
 *   and "unknown" when there is nothing to go by (a first run), or the stream is of a kind this
 *   module does not know: then the minimum is all we claim.
 * Retries are not included: they depend on how Pipedrive behaves during the run.
 */
import { ACCOUNT_STREAM } from '../check/account.js';
import { fieldsStreamFor, pageSizeOf, STREAMS, type StreamDefinition } from '../pipedrive/catalog.js';
import { tokenCost } from '../pipedrive/costs.js';
import { fieldEntitiesFor } from './schema-sync.js';
import { DEFAULT_LIST_REFRESH_MS, describeRefresh, listDue, listedKey, readsOnCadence } from './list-cadence.js';
import { UNAVAILABLE_RECHECK_MS, unavailableKey } from './stream-loader.js';

/** How long a load skips a stream whose add-on was missing (stream-loader.ts, recentlyUnavailable). */

export type Certainty = 'exact' | 'estimate' | 'at-least';

export interface StreamEstimate {
  readonly stream: string;
  /** Requests the stream will make: exactly, about, or at least this many (see certainty). */
  readonly requests: number;
  readonly tokens: number;
  readonly tokensPerRequest: number;
  readonly certainty: Certainty;
  /** True when nothing was there to go by: `requests` is only the minimum. */
  readonly unknown: boolean;
  /** Why this figure, in words a user can check. */
  readonly basis: string;
}

export interface RunEstimate {
  /** The account check, the field metadata, then the streams in the order given: the order a load reads them. */
  readonly streams: readonly StreamEstimate[];
  readonly requests: number;
  readonly tokens: number;
  /** `at-least` if any stream's figure is a minimum, else `estimate` if any is approximate. */
  readonly certainty: Certainty;
}

/** The pages of the most recent run that read a stream to its end. */
export interface LoadedRead {
  readonly pages: number;
  readonly loadId: string;
}

export interface EstimateBasis {
  /** The next load re-reads everything (`load --full-refresh`): bookmarks are not used. */
  readonly fullRefresh: boolean;
  /** The next load's start date (load --since, start_date): streams without a bookmark read from it. */
  readonly since?: string;
  /** When the next load starts (to tell whether an add-on found missing is asked about again). */
  readonly now: Date;
  readonly bookmarks: ReadonlyMap<string, string>;
  /** Requests plan itself made per field-metadata stream; a load reads the same pages. */
  readonly metadataRequests: ReadonlyMap<string, number>;
  /** Per stream, from `_loader_runs`: the most recent run that loaded it to the end. */
  readonly lastLoaded: ReadonlyMap<string, LoadedRead>;
  /** Rows each existing table of the schema holds now. */
  readonly tableRows: ReadonlyMap<string, number>;
  /** Every stream of the catalog, to know which streams share a table. Default: STREAMS. */
  readonly catalog?: readonly StreamDefinition[];
  /** The load's list cadence (--refresh-lists; list-cadence.ts): 0 reads the lists every run. Default 6 h. */
  readonly refreshListsMs?: number;
}

/** Whether the next load reads a list on the cadence (or an entity's field metadata) in full. */
function listDueIn(basis: EstimateBasis, name: string): boolean {
  return basis.fullRefresh || listDue(basis.refreshListsMs ?? DEFAULT_LIST_REFRESH_MS, basis.bookmarks.get(listedKey(name)), basis.now);
}

function notDueBasis(basis: EstimateBasis, name: string): string {
  const every = describeRefresh(basis.refreshListsMs ?? DEFAULT_LIST_REFRESH_MS);
  const needs = name.endsWith('_fields') ? ' or when a record needs it' : '';
  return `not due: read at ${basis.bookmarks.get(listedKey(name)) ?? '?'}; read ${every} (--refresh-lists)${needs}`;
}

/**
 * The properties of StreamDefinition this estimate understands. A stream carrying any other
 * (a kind added to the catalog later) is estimated as unknown rather than guessed at.
 */
const UNDERSTOOD_PROPERTIES: ReadonlySet<string> = new Set([
  'name', 'table', 'api', 'path', 'pagination', 'primaryKey', 'replication', 'replicationKey',
  'params', 'fieldsOf', 'describes', 'pageSize', 'recordsAt', 'requires', 'children',
]);
const UNDERSTOOD_PAGINATION: ReadonlySet<string> = new Set(['cursor', 'offset', 'none']);
const UNDERSTOOD_REPLICATION: ReadonlySet<string> = new Set(['incremental', 'newest_first', 'full']);

export function isUnderstood(stream: StreamDefinition): boolean {
  return (
    Object.keys(stream).every((key) => UNDERSTOOD_PROPERTIES.has(key)) &&
    UNDERSTOOD_PAGINATION.has(stream.pagination) &&
    UNDERSTOOD_REPLICATION.has(stream.replication)
  );
}

/** The account check every load starts with (src/load/preflight.ts): one request to /v1/users/me. */
export function accountEstimate(): StreamEstimate {
  const tokensPerRequest = tokenCost('v1', 'GET', '/users/me');
  return {
    stream: ACCOUNT_STREAM,
    requests: 1,
    tokens: tokensPerRequest,
    tokensPerRequest,
    certainty: 'exact',
    unknown: false,
    basis: 'GET /v1/users/me: the token, its user and company, checked first',
  };
}

export function estimateRun(streams: readonly StreamDefinition[], basis: EstimateBasis): RunEstimate {
  const estimates: StreamEstimate[] = [accountEstimate()];
  for (const entity of fieldEntitiesFor(streams)) {
    const metadata = fieldsStreamFor(entity);
    const read = basis.metadataRequests.get(metadata.name);
    if (!listDueIn(basis, metadata.name)) {
      estimates.push(figure(metadata, 0, 'exact', notDueBasis(basis, metadata.name)));
      continue;
    }
    estimates.push(
      read === undefined
        ? figure(metadata, 1, 'at-least', 'unknown (at least 1 page): plan did not read it', true)
        : figure(metadata, read, 'exact', 'plan read the same pages just now'),
    );
  }
  // Field-metadata streams were counted above: a load reads them once, before the streams.
  for (const stream of streams) if (!stream.describes) estimates.push(estimateStream(stream, basis));
  const certainty: Certainty = estimates.some((e) => e.certainty === 'at-least')
    ? 'at-least'
    : estimates.some((e) => e.certainty === 'estimate')
      ? 'estimate'
      : 'exact';
  return {
    streams: estimates,
    requests: estimates.reduce((sum, e) => sum + e.requests, 0),
    tokens: estimates.reduce((sum, e) => sum + e.tokens, 0),
    certainty,
  };
}

/**
 * The fewest tokens with which a load can move some stream's bookmark (src/load/token-cap.ts):
 * everything read before, each at its figure, then the first page of the first stream known to
 * advance on it (an incremental stream read in ascending order, without a bookmark yet). Without
 * such a stream, the whole estimate: only finishing the run gets further. A minimum either way:
 * streams read at the same time may spend their first pages first.
 */
export function tokensToAdvance(estimate: RunEstimate, streams: readonly StreamDefinition[], basis: EstimateBasis): number {
  let tokens = 0;
  for (const figure of estimate.streams) {
    const stream = streams.find((s) => s.name === figure.stream && !s.describes);
    const advancesOnFirstPage =
      stream !== undefined &&
      stream.replication === 'incremental' &&
      stream.children === undefined &&
      figure.requests > 0 &&
      (basis.fullRefresh || !basis.bookmarks.has(stream.name));
    if (advancesOnFirstPage) return tokens + figure.tokensPerRequest;
    tokens += figure.tokens;
  }
  return tokens;
}

export function estimateStream(stream: StreamDefinition, basis: EstimateBasis): StreamEstimate {
  if (!isUnderstood(stream)) {
    return figure(stream, 1, 'at-least', 'unknown (at least 1 page): a kind of stream this estimate does not know', true);
  }
  const missingSince = stream.requires === undefined || basis.fullRefresh ? undefined : basis.bookmarks.get(unavailableKey(stream.name));
  if (missingSince !== undefined) {
    const askedAgain = Date.parse(missingSince) + UNAVAILABLE_RECHECK_MS;
    if (basis.now.getTime() < askedAgain) {
      return figure(stream, 0, 'exact', `skipped: ${stream.requires} was missing at ${missingSince}; asked again a day later`);
    }
    return figure(stream, 1, 'at-least', `asks again whether ${stream.requires} is there (missing at ${missingSince})`);
  }
  const resting = readsOnCadence(stream) && (stream.replication === 'full' || basis.bookmarks.has(stream.name));
  if (resting && !listDueIn(basis, stream.name)) return figure(stream, 0, 'exact', notDueBasis(basis, stream.name));
  if (stream.pagination === 'none') return figure(stream, 1, 'exact', 'one request: the list is not paginated');
  if (stream.children) return estimateChildren(stream, stream.children, basis);
  const pageSize = pageSizeOf(stream);
  const bookmark = basis.fullRefresh ? undefined : basis.bookmarks.get(stream.name);
  if (stream.replication !== 'full' && bookmark !== undefined) {
    return figure(stream, 1, 'at-least', `changes since ${bookmark}: 1 page, one more per ${pageSize} changed records`);
  }
  if (stream.replication !== 'full' && stream.replicationKey !== undefined && basis.since !== undefined) {
    return figure(stream, 1, 'at-least', `updated since the start date ${basis.since}: 1 page, one more per ${pageSize} records`);
  }
  // From here on the stream is read to its end.
  const last = stream.replication === 'full' ? basis.lastLoaded.get(stream.name) : undefined;
  if (last !== undefined) {
    const pages = Math.max(1, last.pages);
    return figure(stream, pages, 'estimate', `read in full; load ${last.loadId} read ${pages} page(s)`);
  }
  // A table's rows count a stream's records only when no other stream writes that table.
  const sharing = (basis.catalog ?? STREAMS).filter((other) => other.name !== stream.name && other.table === stream.table);
  const rows = sharing.length === 0 ? basis.tableRows.get(stream.table) : undefined;
  if (rows !== undefined) {
    const pages = Math.max(1, Math.ceil(rows / pageSize));
    return figure(stream, pages, 'estimate', `${rows} rows in ${stream.table} now, ${pageSize} a page`);
  }
  const why =
    basis.tableRows.has(stream.table) && sharing.length > 0
      ? `${stream.table} also holds the rows of ${sharing.map((other) => other.name).join(', ')}`
      : 'nothing loaded yet to go by';
  return figure(stream, 1, 'at-least', `unknown (at least 1 page): ${why}`, true);
}

/**
 * Children are read per batch of parent ids: the parents visited are the parent table's rows
 * changed since the children's own bookmark (child-loader.ts), all of them without one.
 */
function estimateChildren(
  stream: StreamDefinition,
  children: NonNullable<StreamDefinition['children']>,
  basis: EstimateBasis,
): StreamEstimate {
  const perBatch = `one request per ${children.batchSize} rows of ${children.parentTable}`;
  if (!basis.fullRefresh && basis.bookmarks.has(stream.name)) {
    return figure(stream, 0, 'at-least', `${perBatch} changed since the last run (none when nothing changed)`);
  }
  const parentRows = basis.tableRows.get(children.parentTable) ?? 0;
  if (parentRows > 0) {
    // Every parent row is visited, and the parents this run adds too: a true minimum.
    const batches = Math.ceil(parentRows / children.batchSize);
    return figure(stream, batches, 'at-least', `${perBatch}, every row: ${parentRows} rows in ${children.parentTable} now`);
  }
  return figure(stream, 0, 'at-least', `unknown: ${perBatch} this run loads`, true);
}

function figure(
  stream: StreamDefinition,
  requests: number,
  certainty: Certainty,
  basis: string,
  unknown = false,
): StreamEstimate {
  const tokensPerRequest = tokenCost(stream.api, 'GET', stream.path);
  return { stream: stream.name, requests, tokens: requests * tokensPerRequest, tokensPerRequest, certainty, unknown, basis };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a day of scheduled loads costs once the first load is behind (estimateDay). */
export interface DayEstimate {
  readonly runsPerDay: number;
  /** A run with nothing changed: the account check and one page per stream read every run. */
  readonly quietRunTokens: number;
  /** What a run reads on top when the list cadence is due: the lists and the field metadata. */
  readonly listReadTokens: number;
  readonly listReadsPerDay: number;
  /** runsPerDay × quietRunTokens + listReadsPerDay × listReadTokens; changes and key scans come on top. */
  readonly tokens: number;
}

/**
 * The tokens a day of loads every `everyMs` costs when nothing changes: the steady state of a
 * schedule, whatever the next run needs (a first run, a due cadence). Changes add one page per
 * page of changed records; the daily key scans for deletes (README.md#deletes) come on top.
 */
export function estimateDay(streams: readonly StreamDefinition[], basis: EstimateBasis, everyMs: number): DayEstimate {
  const refreshMs = basis.refreshListsMs ?? DEFAULT_LIST_REFRESH_MS;
  const runsPerDay = Math.max(1, Math.floor(DAY_MS / everyMs));
  const listReadsPerDay = refreshMs <= everyMs ? runsPerDay : Math.min(runsPerDay, Math.ceil(DAY_MS / refreshMs));
  // Every list due, every incremental stream with its bookmark: the two kinds of run of a schedule.
  const due: EstimateBasis = { ...basis, fullRefresh: false, refreshListsMs: 0 };
  let quietRunTokens = accountEstimate().tokens;
  let listReadTokens = 0;
  for (const entity of fieldEntitiesFor(streams)) {
    const metadata = fieldsStreamFor(entity);
    listReadTokens += Math.max(1, basis.metadataRequests.get(metadata.name) ?? 1) * tokenCost(metadata.api, 'GET', metadata.path);
  }
  for (const stream of streams) {
    if (stream.describes || stream.children) continue;
    const cost = tokenCost(stream.api, 'GET', stream.path);
    if (readsOnCadence(stream)) {
      const bookmarked = stream.replication === 'full' || stream.replicationKey === undefined ? due : { ...due, bookmarks: new Map([...due.bookmarks, [stream.name, 'steady']]) };
      listReadTokens += estimateStream(stream, bookmarked).tokens;
    } else {
      quietRunTokens += cost; // one page when nothing changed
    }
  }
  if (refreshMs <= 0) quietRunTokens += listReadTokens;
  const tokens = refreshMs <= 0 ? runsPerDay * quietRunTokens : runsPerDay * quietRunTokens + listReadsPerDay * listReadTokens;
  return { runsPerDay, quietRunTokens, listReadTokens, listReadsPerDay, tokens };
}
