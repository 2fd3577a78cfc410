/**
 * Reads one catalog stream from Pipedrive as pages, choosing the request parameters from the
 * stream's replication method and its committed bookmark:
 * - incremental with a bookmark: `updated_since=<bookmark − overlap>&sort_by=update_time&sort_direction=asc`.
 *   Ascending update_time is what makes a bookmark safe: once a batch is committed, every record
 *   updated before its newest update_time has been read. The overlap re-reads the boundary second,
 *   because Pipedrive timestamps have one-second resolution; the merge makes re-reads harmless.
 * - incremental without a bookmark (first run, --full-refresh): the same order, from the start.
 * - full: the whole list, in the API's default (id) order.
 */
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import { paginate, type Page } from '../pipedrive/paginate.js';
import type { QueryParams } from '../pipedrive/client.js';
import { bookmarkWithOverlap } from '../state/bookmarks.js';

export function requestParams(stream: StreamDefinition, bookmark: string | undefined): QueryParams {
  if (stream.replication !== 'incremental' || stream.replicationKey === undefined) return {};
  const order = { sort_by: stream.replicationKey, sort_direction: 'asc' };
  return bookmark === undefined ? order : { ...order, updated_since: bookmarkWithOverlap(bookmark) };
}

export function readStream(
  client: PipedriveClient,
  stream: StreamDefinition,
  bookmark: string | undefined,
): AsyncIterable<Page> {
  return paginate(client, stream, requestParams(stream, bookmark));
}
