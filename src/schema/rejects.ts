/**
 * Values the shaper could not store, carried from `TableModel.shape` to the batch's commit with
 * the row they came from (a WeakMap, so rows need no extra field and the stream loader, which
 * only moves rows, needs no change). The commit writes them to `_loader_rejects` in the batch's
 * own transaction, and leaves out the rows marked `skip`.
 */
import type { Row } from './types.js';

/** One cell that became NULL because its value fits no warehouse column of its type. */
export interface ValueReject {
  readonly column: string;
  /** The value as Pipedrive sent it, as text (at most MAX_ORIGINAL_CHARS). */
  readonly original: string;
  readonly reason: string;
}

export interface RowRejects {
  /** The record's primary key as text; for a record without a usable key, see `shape`. */
  readonly recordId: string;
  /** True when the record has no usable primary key: it is recorded and not loaded. */
  readonly skip: boolean;
  readonly values: readonly ValueReject[];
}

/** Enough to recognise a value; a 10 MB note would not help anyone in a reject list. */
export const MAX_ORIGINAL_CHARS = 1000;

const REJECTS = new WeakMap<Row, RowRejects>();

export function attachRejects(row: Row, rejects: RowRejects): void {
  REJECTS.set(row, rejects);
}

/** The rejects of a shaped row, if any (most rows have none). */
export function rejectsOf(row: Row): RowRejects | undefined {
  return REJECTS.get(row);
}
