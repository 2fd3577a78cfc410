/**
 * Value conversion between the loader's conventions (src/schema/types.ts) and PostgreSQL's.
 *
 * Writing: cells become fields of COPY's text format. A field is the value's text form with
 * backslash, tab, newline and carriage return escaped by a backslash; `\N` is NULL, so NULL and
 * the empty string stay distinct. Lists become array literals (`{"a","b"}`, every element quoted)
 * and JSON goes in as its text, which PostgreSQL parses into jsonb.
 *
 * NUL: PostgreSQL cannot store U+0000 in text or jsonb and would fail the whole batch, so every
 * NUL is removed from text and list cells, and from JSON cells both the raw character and the
 * `\u0000` escape. Nothing else changes: 'a\u0000b' is stored as 'ab'.
 *
 * Reading: query results come back in the same conventions as the DuckDB adapter's (timestamps
 * as ISO strings ending in 'Z', dates 'YYYY-MM-DD', decimals as exact strings without trailing
 * zeros, jsonb as its text, 64-bit integers as numbers when safe and bigints otherwise).
 */
import pg from 'pg';
import type { CellValue, LogicalType } from '../../src/schema/types.js';
import { CellTypeError, cellMismatch as mismatch, decimalText, integerText, stripJsonNul, stripNul } from '../base/cells.js';
import { assertNever } from '../../src/assert-never.js';

export { CellTypeError, stripJsonNul, stripNul };

const NEEDS_COPY_ESCAPE = /[\\\t\n\r]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const COPY_ESCAPE_PATTERN = /[\\\t\n\r]/g;

export const COPY_NULL = '\\N';

/** Escapes one field for COPY's text format (and drops NULs). */
export function escapeCopyText(text: string): string {
  const clean = stripNul(text);
  return NEEDS_COPY_ESCAPE.test(clean) ? clean.replace(COPY_ESCAPE_PATTERN, (ch) => COPY_ESCAPES[ch] ?? ch) : clean;
}

/** `{"a","b \"c\""}`: a text[] literal with every element quoted, so no element is read as NULL. */
export function arrayLiteral(items: readonly unknown[]): string {
  const quoted = items.map((item) => `"${stripNul(String(item)).replace(/["\\]/g, (ch) => `\\${ch}`)}"`);
  return `{${quoted.join(',')}}`;
}


/** The unescaped text PostgreSQL parses for a cell, or undefined for NULL. */
export function cellText(type: LogicalType, value: CellValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (type) {
    case 'bigint':
      return integerText(value);
    case 'double':
      // JS prints the shortest round-tripping form; NaN and ±Infinity are PostgreSQL's spellings too.
      if (typeof value === 'number' || typeof value === 'bigint') return String(value);
      throw mismatch(type, value);
    case 'decimal':
      return decimalText(value);
    case 'boolean':
      if (typeof value === 'boolean') return value ? 't' : 'f';
      throw mismatch(type, value);
    case 'string_list':
      if (Array.isArray(value)) return arrayLiteral(value);
      throw mismatch(type, value);
    case 'json':
      if (typeof value === 'string') return stripJsonNul(value);
      throw mismatch(type, value);
    case 'string':
      if (typeof value === 'string') return stripNul(value);
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
      throw mismatch(type, value);
    case 'date':
    case 'time':
    case 'timestamp':
      // The shaper's ISO text, which PostgreSQL parses directly.
      if (typeof value === 'string') return stripNul(value);
      throw mismatch(type, value);
    default:
      return assertNever(type, 'logical type');
  }
}

/** One COPY text-format field. */
export function copyField(type: LogicalType, value: CellValue | undefined): string {
  const text = cellText(type, value);
  return text === undefined ? COPY_NULL : escapeCopyText(text);
}

// Reading ------------------------------------------------------------------------------------

const OID = {
  int8: 20,
  numeric: 1700,
  json: 114,
  jsonb: 3802,
  timestamp: 1114,
  timestamptz: 1184,
  date: 1082,
} as const;

/** '123.4500' → '123.45', '5.000' → '5': the exact value, without the scale's padding. */
function trimDecimal(text: string): string {
  return /^-?\d+\.\d+$/.test(text) ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function int8(text: string): number | bigint {
  const value = BigInt(text);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

const TIMESTAMP_TEXT = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

/**
 * Converts PostgreSQL's ISO timestamp output ('2024-07-01 07:46:33.5+02') into ISO-8601 UTC
 * ('2024-07-01T05:46:33.5Z'). Sessions run in UTC, but the offset is honoured whatever it is.
 * Values it cannot represent (infinity, BC dates) come back as PostgreSQL wrote them.
 */
export function isoTimestamp(text: string): string {
  const match = TIMESTAMP_TEXT.exec(text);
  if (!match) return text;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetHours, offsetMinutes, offsetSeconds] = match;
  let millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  if (Number(year) < 100) millis = new Date(millis).setUTCFullYear(Number(year));
  if (sign) {
    const offset = (Number(offsetHours) * 3600 + Number(offsetMinutes ?? 0) * 60 + Number(offsetSeconds ?? 0)) * 1000;
    millis += sign === '+' ? -offset : offset;
  }
  const base = new Date(millis).toISOString().slice(0, 19);
  const digits = fraction.replace(/0+$/, '');
  return `${base}${digits === '.' ? '' : digits}Z`;
}

/**
 * pg's type parsers, per client (never the process-wide defaults, which other code may rely on):
 * everything keeps pg's default parsing except the types converted above.
 */
export function parserFor(oid: number, format?: string): (text: string) => unknown {
  if (format === 'binary') return pg.types.getTypeParser(oid, 'binary') as (text: string) => unknown;
  switch (oid) {
    case OID.int8:
      return int8;
    case OID.numeric:
      return trimDecimal;
    case OID.json:
    case OID.jsonb:
    case OID.date:
      return (text: string) => text;
    case OID.timestamp:
    case OID.timestamptz:
      return isoTimestamp;
    default:
      return pg.types.getTypeParser(oid, 'text');
  }
}
