/**
 * Paginators: a stream's pages as an async iterable, driven only by its catalog entry.
 *
 * - cursor: `limit` + `cursor`, following `additional_data.next_cursor` until it is null, empty
 *   or absent (some v2 endpoints omit `additional_data` entirely on the last page).
 * - offset: v1 `start` + `limit`. The paging object is `additional_data.pagination`, or
 *   `additional_data` itself (v1 /leads, /dealFields); more pages follow while
 *   `more_items_in_collection` is true, from `next_start`, or `start + records` when
 *   `next_start` is missing.
 * - none: one request.
 *
 * v1's `data: null` (nothing matched) is an empty page. A server that would make us loop
 * forever (the same cursor again, no progress, or a fresh cursor on every page over records it
 * already served) is an error, not a hang.
 */
import { createHash } from 'node:crypto';
import { SourceTerminalError } from '../errors.js';
import { fieldsStreamFor, pageSizeOf, type MetadataEntity, type StreamDefinition } from './catalog.js';
import type { Envelope, PipedriveClient, QueryParams } from './client.js';
import { parseFieldDefinition, parseV1FieldDefinition, type FieldDefinition } from './fields.js';

export interface Page {
  readonly records: Record<string, unknown>[];
  readonly envelope: Envelope;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The records of one envelope: `data` as an array of objects, `null`/absent as none, and a single
 * object (e.g. `/users/me`) as one record.
 */
export function recordsOf(envelope: Envelope, where: string, recordsAt?: string): Record<string, unknown>[] {
  const data = recordsAt === undefined ? envelope.data : asObject(envelope.data)?.[recordsAt];
  if (data === null || data === undefined) return [];
  const single = asObject(data);
  if (single) return [single];
  if (!Array.isArray(data)) {
    throw new SourceTerminalError(`${where} returned data of an unexpected shape (${typeof data}).`, 200);
  }
  return data.map((item, index) => {
    const record = asObject(item);
    if (!record) throw new SourceTerminalError(`${where} returned a non-object record at index ${index}.`, 200);
    return record;
  });
}

/** `additional_data.next_cursor` when it names another page; undefined on the last page. */
export function nextCursorOf(envelope: Envelope): string | undefined {
  const next = asObject(envelope.additional_data)?.next_cursor;
  return typeof next === 'string' && next !== '' ? next : undefined;
}

/** The next `start` of a v1 offset page, or undefined when this was the last page. */
export function nextStartOf(envelope: Envelope, start: number, recordCount: number): number | undefined {
  const additional = asObject(envelope.additional_data);
  const pagination = asObject(additional?.pagination) ?? additional;
  if (pagination?.more_items_in_collection !== true) return undefined;
  const next = pagination.next_start;
  return typeof next === 'number' && Number.isInteger(next) ? next : start + recordCount;
}

/** Pages of `stream`, with `params` (e.g. `updated_since`, `sort_by`) on top of the catalog's. */
export function paginate(client: PipedriveClient, stream: StreamDefinition, params: QueryParams = {}): AsyncIterable<Page> {
  switch (stream.pagination) {
    case 'cursor':
      return cursorPages(client, stream, params);
    case 'offset':
      return offsetPages(client, stream, params);
    case 'none':
      return singlePage(client, stream, params);
  }
}

function where(stream: StreamDefinition): string {
  return `${stream.api} ${stream.path} (stream ${stream.name})`;
}

/** Empty pages in a row that may still announce another page before we call it a loop. */
export const MAX_EMPTY_PAGES_IN_A_ROW = 50;

/**
 * Notices a server that keeps announcing another page while serving records it already served
 * (a new cursor each time over the same records, or an offset it ignores): a page whose records
 * are exactly those of an earlier page. Memory stays bounded for million-row streams: one short
 * digest of each page's primary keys (about 2,000 digests for a million records), never the keys.
 */
export class RepeatedPageGuard {
  private readonly digests = new Set<string>();
  private emptyInARow = 0;

  constructor(private readonly stream: StreamDefinition) {}

  /** Call for each page that announces a next one; throws when following it would loop. */
  check(records: readonly Record<string, unknown>[]): void {
    if (records.length === 0) {
      this.emptyInARow += 1;
      if (this.emptyInARow > MAX_EMPTY_PAGES_IN_A_ROW) {
        throw new SourceTerminalError(
          `${where(this.stream)} served ${this.emptyInARow} empty pages in a row, each announcing another; stopping instead of paging forever.`,
          200,
        );
      }
      return;
    }
    this.emptyInARow = 0;
    const hash = createHash('sha1');
    for (const record of records) {
      const key = this.stream.primaryKey.map((field) => record[field]);
      // A record without its key is told apart by its whole content (rare: keys are always sent).
      hash.update(JSON.stringify(key.some((value) => value === undefined || value === null) ? record : key)).update('\n');
    }
    const digest = hash.digest('base64');
    if (this.digests.has(digest)) {
      const first = records[0]?.[this.stream.primaryKey[0] ?? 'id'];
      throw new SourceTerminalError(
        `${where(this.stream)} served again a page of ${records.length} records it had already served ` +
          `(first id ${JSON.stringify(first) ?? 'none'}) and announced yet another page; stopping instead of paging forever. ` +
          'What was read before is committed; run again later, and report it to Pipedrive if it persists.',
        200,
      );
    }
    this.digests.add(digest);
  }
}

async function* cursorPages(client: PipedriveClient, stream: StreamDefinition, params: QueryParams): AsyncGenerator<Page> {
  const seen = new Set<string>();
  const repeats = new RepeatedPageGuard(stream);
  // A caller may resume from a cursor it kept; otherwise start at the first page.
  let cursor = typeof params.cursor === 'string' && params.cursor !== '' ? params.cursor : undefined;
  for (;;) {
    const envelope = await client.get(
      stream.api,
      stream.path,
      { ...stream.params, limit: pageSizeOf(stream), ...params, cursor },
      { stream: stream.name },
    );
    const records = recordsOf(envelope, where(stream), stream.recordsAt);
    const next = nextCursorOf(envelope);
    if (next !== undefined) repeats.check(records);
    yield { records, envelope };
    cursor = next;
    if (cursor === undefined) return;
    if (seen.has(cursor)) {
      throw new SourceTerminalError(`${where(stream)} returned a cursor it had returned before; stopping to avoid a loop.`, 200);
    }
    seen.add(cursor);
  }
}

async function* offsetPages(client: PipedriveClient, stream: StreamDefinition, params: QueryParams): AsyncGenerator<Page> {
  // A caller may resume from a known offset; anything unusable starts from the beginning.
  const first = Number(params.start ?? 0);
  let start = Number.isInteger(first) && first >= 0 ? first : 0;
  const repeats = new RepeatedPageGuard(stream);
  for (;;) {
    const envelope = await client.get(
      stream.api,
      stream.path,
      { ...stream.params, limit: pageSizeOf(stream), ...params, start },
      { stream: stream.name },
    );
    const records = recordsOf(envelope, where(stream), stream.recordsAt);
    const next = nextStartOf(envelope, start, records.length);
    if (next !== undefined) repeats.check(records);
    yield { records, envelope };
    if (next === undefined) return;
    if (next <= start) {
      throw new SourceTerminalError(
        `${where(stream)} says more items follow but gave no next position after start=${start}; stopping to avoid a loop.`,
        200,
      );
    }
    start = next;
  }
}

async function* singlePage(client: PipedriveClient, stream: StreamDefinition, params: QueryParams): AsyncGenerator<Page> {
  const envelope = await client.get(stream.api, stream.path, { ...stream.params, ...params }, { stream: stream.name });
  yield { records: recordsOf(envelope, where(stream), stream.recordsAt), envelope };
}

/** Reads an entity's fields stream (v2, or v1 for notes and leads) completely, as typed definitions. */
export async function fetchFieldDefinitions(client: PipedriveClient, entity: MetadataEntity): Promise<FieldDefinition[]> {
  const stream = fieldsStreamFor(entity);
  const definitions: FieldDefinition[] = [];
  for await (const page of paginate(client, stream)) {
    for (const raw of page.records) {
      try {
        const definition = stream.api === 'v1' ? parseV1FieldDefinition(raw) : parseFieldDefinition(raw);
        if (definition) definitions.push(definition);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new SourceTerminalError(`${where(stream)} returned a field definition the loader cannot read: ${detail}`, 200, {
          cause: error,
        });
      }
    }
  }
  return definitions;
}
