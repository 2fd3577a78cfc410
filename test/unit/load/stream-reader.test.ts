import { describe, expect, it } from 'vitest';
import { findStream, type StreamDefinition } from '../../../src/pipedrive/catalog.js';
import { requestParams, timestampMillis } from '../../../src/load/stream-reader.js';

function stream(name: string): StreamDefinition {
  const found = findStream(name);
  if (!found) throw new Error(`no stream ${name}`);
  return found;
}

describe('request parameters by replication method', () => {
  it('asks v2 incremental streams for changes since the bookmark minus one second, oldest first', () => {
    expect(requestParams(stream('persons'), '2026-05-01T10:00:00Z')).toEqual({
      sort_by: 'update_time',
      sort_direction: 'asc',
      updated_since: '2026-05-01T09:59:59Z',
    });
    expect(requestParams(stream('persons'), undefined)).toEqual({ sort_by: 'update_time', sort_direction: 'asc' });
  });

  it('uses v1 `sort=update_time ASC` with updated_since for leads and notes', () => {
    expect(requestParams(stream('notes'), '2026-05-01T10:00:00Z')).toEqual({
      sort: 'update_time ASC',
      updated_since: '2026-05-01T09:59:59Z',
    });
    // Leads' bookmarks carry milliseconds; the fraction is dropped before stepping back.
    expect(requestParams(stream('leads'), '2026-05-01T10:00:00.551Z')).toEqual({
      sort: 'update_time ASC',
      updated_since: '2026-05-01T09:59:59Z',
    });
  });

  it('reads newest-first streams in descending update_time with no server filter', () => {
    expect(requestParams(stream('products'), '2026-05-01T10:00:00Z')).toEqual({ sort_by: 'update_time', sort_direction: 'desc' });
    expect(requestParams(stream('files'), '2026-05-01T10:00:00Z')).toEqual({ sort: 'update_time DESC' });
  });

  it('reads full streams in the API default order', () => {
    expect(requestParams(stream('pipelines'), '2026-05-01T10:00:00Z')).toEqual({});
    expect(requestParams(stream('call_logs'), undefined)).toEqual({});
  });
});

describe('timestampMillis', () => {
  it('reads v1 timestamps as UTC and RFC3339 as written', () => {
    expect(timestampMillis('2026-05-01 10:00:00')).toBe(Date.UTC(2026, 4, 1, 10));
    expect(timestampMillis('2026-05-01T10:00:00.500Z')).toBe(Date.UTC(2026, 4, 1, 10, 0, 0, 500));
    expect(timestampMillis(null)).toBeNaN();
  });
});
