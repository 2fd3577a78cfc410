/**
 * Reads one catalog stream from Pipedrive as pages, choosing the request parameters from the
 * stream's replication method and its committed bookmark:
 * - incremental: `updated_since=<bookmark − overlap>` in ascending update_time (v2 `sort_by` +
 *   `sort_direction`, v1 `sort=update_time ASC`). Ascending order is what makes a bookmark safe:
 *   once a batch is committed, every record updated before its newest update_time has been read.
 *   The overlap re-reads the boundary second, because Pipedrive timestamps have one-second
 *   resolution; the merge makes re-reads harmless.
 * - newest_first: descending update_time with no server filter; the reader stops at the first
 *   record older than the bookmark (minus the same overlap), so an unchanged list costs one page.
 * - full, or no bookmark: everything, in the API's default (id) order for full streams.
 *
 * A long incremental read whose endpoint accepts `updated_until` gets a second cursor, from the
 * newest end, once it has read a few pages (windows.ts); its pages say how far the bookmark may go.
 *
 * Reads that go to the end ask for each next page while the current one is processed; a
 * newest-first read with a bookmark stops early, so it asks one page at a time. No read asks for
 * a page once a stop is requested (read-ahead.ts).
 */
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient, QueryParams } from '../pipedrive/client.js';
import { paginate, type Page } from '../pipedrive/paginate.js';
import { bookmarkWithOverlap } from '../state/bookmarks.js';
import { readPages } from './read-ahead.js';
import { canReadTwoEnded, maxCursorsPerRead, secondCursorAfterPages, twoEndedPages, type StreamPage } from './windows.js';

function sortParams(stream: StreamDefinition, key: string, direction: 'asc' | 'desc'): QueryParams {
  return stream.api === 'v1'
    ? { sort: `${key} ${direction.toUpperCase()}` }
    : { sort_by: key, sort_direction: direction };
}

export function requestParams(stream: StreamDefinition, bookmark: string | undefined): QueryParams {
  const key = stream.replicationKey;
  if (key === undefined || stream.replication === 'full') return {};
  if (stream.replication === 'newest_first') return sortParams(stream, key, 'desc');
  const order = sortParams(stream, key, 'asc');
  return bookmark === undefined ? order : { ...order, updated_since: bookmarkWithOverlap(bookmark) };
}

/** Milliseconds of a v1 (`YYYY-MM-DD HH:MM:SS`, UTC) or RFC3339 timestamp; NaN when absent. */
export function timestampMillis(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  return Date.parse(iso);
}

/** Pages newest first until a record is older than `since`; that page is cut there. */
async function* newestFirstUntil(pages: AsyncIterable<Page>, key: string, since: number): AsyncGenerator<Page> {
  for await (const page of pages) {
    const cut = page.records.findIndex((record) => timestampMillis(record[key]) < since);
    if (cut === -1) {
      yield page;
      continue;
    }
    yield { ...page, records: page.records.slice(0, cut) };
    return;
  }
}

export function readStream(
  client: PipedriveClient,
  stream: StreamDefinition,
  bookmark: string | undefined,
  stopRequested: () => boolean,
): AsyncIterable<StreamPage> {
  const params = requestParams(stream, bookmark);
  const afterPages = secondCursorAfterPages();
  if (afterPages !== undefined && canReadTwoEnded(stream)) return twoEndedPages(client, stream, params, { stopRequested, afterPages, maxCursors: maxCursorsPerRead() });
  const pages = paginate(client, stream, params);
  const key = stream.replicationKey;
  if (stream.replication !== 'newest_first' || bookmark === undefined || key === undefined) {
    return readPages(pages, { readAhead: true, stopRequested });
  }
  return readPages(newestFirstUntil(pages, key, Date.parse(bookmarkWithOverlap(bookmark))), { readAhead: false, stopRequested });
}
