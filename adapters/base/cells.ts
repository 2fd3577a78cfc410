/**
 * What every adapter's value conversion shares: the error for a cell of the wrong type, the text
 * forms integers and decimals must have, and NUL removal.
 *
 * NUL: PostgreSQL cannot store U+0000 in text or jsonb, so the loader removes it on every
 * warehouse alike (a company that switches warehouses gets the same data): from text and list
 * elements, and from JSON text both the raw character and the `\u0000` escape. 'a\u0000b' is
 * stored as 'ab'; nothing else changes.
 */
import type { CellValue, LogicalType } from '../../src/schema/types.js';

/** A cell whose value does not fit its column's type; adapters name the column when they catch it. */
export class CellTypeError extends Error {}

export function cellMismatch(type: LogicalType, value: CellValue): CellTypeError {
  const shown = Array.isArray(value) ? 'a list' : `${typeof value} ${String(value).slice(0, 40)}`;
  return new CellTypeError(`expected a ${type} value, got ${shown}`);
}

export const INTEGER_TEXT = /^-?\d+$/;
export const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const NUL = '\u0000';
/** A `\u0000` escape in JSON text, unless its backslash is itself escaped. */
const JSON_NUL_ESCAPE = /(?<=(?:^|[^\\])(?:\\\\)*)\\u0000/g;

/** Removes NUL characters from text. */
export function stripNul(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, '') : text;
}

/** Removes raw NULs and `\u0000` escapes from JSON text. */
export function stripJsonNul(json: string): string {
  return json.includes('\\u0000') || json.includes(NUL) ? stripNul(json).replace(JSON_NUL_ESCAPE, '') : json;
}
