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

const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The digits of a bigint cell: a bigint, a whole number, or a string of digits. */
export function integerText(value: CellValue): string {
  if (typeof value === 'bigint') return value.toString();
  // Through BigInt: String(1e21) is '1e+21', which no warehouse reads as an integer.
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return value;
  throw cellMismatch('bigint', value);
}

/** The text of a decimal cell, exactly as given (no float rounding): a number or numeric text. */
export function decimalText(value: CellValue): string {
  const text = typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string' ? String(value).trim() : '';
  if (DECIMAL_TEXT.test(text)) return text;
  throw cellMismatch('decimal', value);
}

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
