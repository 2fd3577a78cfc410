/**
 * v2 cursors, shaped like the real ones: base64url JSON
 * `{"field":"id","fieldValue":7,"sortDirection":"asc","id":7}` (reference §3). Time keys travel
 * as RFC3339 strings, as a client decoding the cursor would expect.
 */
import type { Direction, KeyedId, SortKey } from './sort-index.js';
import { isoSeconds, parseRfc3339 } from './time.js';

const TIME_FIELDS = new Set(['add_time', 'update_time']);

export function encodeCursor(field: string, direction: Direction, position: KeyedId): string {
  const fieldValue = TIME_FIELDS.has(field) ? isoSeconds(position.key as number) : position.key;
  return Buffer.from(JSON.stringify({ field, fieldValue, sortDirection: direction, id: position.id })).toString('base64url');
}

export class CursorError extends Error {}

/** Decodes a cursor for `field`/`direction`; anything malformed or mismatched is a CursorError (→ 400). */
export function decodeCursor(cursor: string, field: string, direction: Direction): KeyedId {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new CursorError('Invalid cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('Invalid cursor');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new CursorError('Invalid cursor');
  const c = parsed as Record<string, unknown>;
  if (c.field !== field || c.sortDirection !== direction) {
    throw new CursorError('Cursor does not match the sort_by and sort_direction of this request');
  }
  if (typeof c.id !== 'number' || !Number.isSafeInteger(c.id) || c.id < 0) throw new CursorError('Invalid cursor');
  let key: SortKey;
  if (TIME_FIELDS.has(field)) {
    const seconds = typeof c.fieldValue === 'string' ? parseRfc3339(c.fieldValue) : undefined;
    if (seconds === undefined) throw new CursorError('Invalid cursor');
    key = seconds;
  } else if (typeof c.fieldValue === 'number' || typeof c.fieldValue === 'string') {
    key = c.fieldValue;
  } else {
    throw new CursorError('Invalid cursor');
  }
  return { key, id: c.id };
}
