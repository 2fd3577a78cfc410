/**
 * Conversions from raw JSON values to the cell conventions of src/schema/types.ts. Every function
 * is total: it never throws on odd input. Values that cannot be represented in the target type
 * become NULL, except where docs/schema.md promises otherwise (text and JSON keep everything);
 * the shaper records each such value in `_loader_rejects` (see `isBlank`).
 *
 * "Represented" means accepted by all four warehouses, checked here so that one impossible value
 * (February 30th, 25:61, a 30-digit amount) becomes NULL instead of failing its whole batch at the
 * warehouse, on every run: calendar dates of years 0001–9999 (BigQuery's range, and PostgreSQL has
 * no year 0), times 00:00:00–23:59:59, integers within 64 bits (BIGINT, INT64), decimals below
 * 10^29 after rounding to nine decimals (DECIMAL(38,9), BigQuery NUMERIC, NUMBER(38,9)).
 *
 * This is the hot path: regexes are module constants and canonical inputs return early.
 */
import type { CellValue, LogicalType } from './types.js';
import { assertNever } from '../assert-never.js';

const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** v1 timestamps: UTC without a zone designator. */
const V1_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})(?:[ T]|$)/;
const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/;
const INTEGER_TEXT = /^-?\d+$/;
/** 64-bit integers: BIGINT (DuckDB, PostgreSQL), INT64 (BigQuery); Snowflake's NUMBER(38,0) holds more. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT64_BOUND = 2 ** 63;
const DECIMAL_LIMIT = 10n ** 38n;
const NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const ZERO_MILLIS = '.000Z';
/** Pipedrive times without a zone designator are UTC; Date.parse would read them as local. */
const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/;
const DATE_TIME_PREFIX = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?/;

/** The two decimal digits at `i` (the caller's regexp has checked that they are digits). */
function twoDigits(text: string, i: number): number {
  return (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether `YYYY-MM-DD` at the start of `text` is a day of the calendar, years 0001–9999. */
function isCalendarDate(text: string): boolean {
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  if (day <= 28) return true;
  if (month === 2 && day === 29) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (DAYS_IN_MONTH[month] ?? 0);
}

/** Whether `HH:MM` (and `:SS` when `seconds`) at `i` is a time of day, 00:00:00–23:59:59. */
function isClock(text: string, i: number, seconds: boolean): boolean {
  return twoDigits(text, i) <= 23 && twoDigits(text, i + 3) <= 59 && (!seconds || twoDigits(text, i + 6) <= 59);
}

/** `YYYY-MM-DD[ T]HH:MM:SS` at the start of a value both regexps above matched. */
function isDateTime(text: string): boolean {
  return isCalendarDate(text) && isClock(text, 11, true);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a raw value means "no value", so that its NULL cell is no loss: '' (v1's empty field)
 * and a reference object without an id ({ value: null }). Any other non-null value that converts
 * to NULL is a reject.
 */
export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  return isPlainObject(value) && (value.value ?? value.id) == null;
}

/** Normalises v1 `YYYY-MM-DD HH:MM:SS` (UTC) and RFC3339 with any offset to `…Z` in UTC. */
export function toTimestamp(value: unknown): string | null {
  if (typeof value !== 'string') {
    if (typeof value === 'number' && Number.isFinite(value)) return isoFromMillis(value < 1e11 ? value * 1000 : value);
    return null;
  }
  if (CANONICAL_TIMESTAMP.test(value)) return isDateTime(value) ? value : null;
  const v1 = V1_TIMESTAMP.exec(value);
  if (v1) return isDateTime(value) ? `${v1[1]}T${v1[2]}Z` : null;
  if (DATE_ONLY.test(value)) return isCalendarDate(value) ? `${value}T00:00:00Z` : null;
  if (value === '') return null;
  // Date.parse rolls impossible fields over (February 30th is March 1st): check them first.
  const fields = DATE_TIME_PREFIX.exec(value);
  if (fields && !(isCalendarDate(value) && (fields[0].length === 10 || isClock(value, 11, fields[0].length > 16)))) return null;
  const utc = LOCAL_DATE_TIME.test(value) && !HAS_ZONE.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  return isoFromMillis(Date.parse(utc));
}

function isoFromMillis(millis: number): string | null {
  if (!Number.isFinite(millis)) return null;
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  // Years outside 0001–9999 print as '+010000-…', '-000001-…' or '0000-…'.
  if (iso.length !== 24 || iso.startsWith('0000')) return null;
  return iso.endsWith(ZERO_MILLIS) ? `${iso.slice(0, -ZERO_MILLIS.length)}Z` : iso;
}

export function toDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = DATE_PREFIX.exec(value);
  return match && isCalendarDate(value) ? (match[1] ?? null) : null;
}

/** `HH:MM` and `HH:MM:SS(.fff)` → `HH:MM:SS`. */
export function toTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = TIME_OF_DAY.exec(value);
  if (!match || !isClock(value, 0, match[3] !== undefined)) return null;
  return `${match[1]}:${match[2]}:${match[3] ?? '00'}`;
}

/**
 * Integers and references. Accepts a number, an integer string, or an object carrying the id in
 * `value` or `id` (v1 expands user/person/org references into such objects).
 */
export function toBigint(value: unknown): number | bigint | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) || (Number.isInteger(value) && Math.abs(value) < INT64_BOUND) ? value : null;
  if (typeof value === 'bigint') return value >= INT64_MIN && value <= INT64_MAX ? value : null;
  if (typeof value === 'string') {
    if (!INTEGER_TEXT.test(value)) return null;
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
    const big = BigInt(value);
    return big >= INT64_MIN && big <= INT64_MAX ? big : null;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (isPlainObject(value)) return toBigint(value.value ?? value.id);
  return null;
}

export function toDouble(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) return Number(value);
  if (isPlainObject(value)) return toDouble(value.value);
  return null;
}

/**
 * Exact numbers: numbers pass through; numeric strings stay strings so no digit is lost. Values
 * of 10^29 and above (after rounding to nine decimals) fit no warehouse's decimal column.
 */
export function toDecimal(value: unknown): number | string | null {
  // The double nearest 10^29 prints as '1e+29', which is 10^29: refused too.
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) < 1e29 ? value : null;
  if (typeof value === 'bigint') return toDecimal(value.toString());
  if (typeof value === 'string') {
    if (!NUMBER_TEXT.test(value)) return null;
    // Shorter than 29 characters without an exponent: below 10^28, the common case, done.
    if (value.length < 29 && !EXPONENT.test(value)) return value;
    return boundedDecimal(value);
  }
  if (isPlainObject(value)) return toDecimal(value.value);
  return null;
}

const EXPONENT = /[eE]/;
const DECIMAL_PARTS = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/;
/** Nine decimals: the scale of every warehouse's decimal column but PostgreSQL's numeric. */
const SCALE = 9;

/**
 * Long or exponent decimal text: null when it reaches 10^29 after rounding to nine decimals.
 * Text with an exponent is rewritten without one, rounded to nine decimals as the warehouses
 * store it, since exponents far from zero are refused by some (PostgreSQL beyond ±1000).
 */
function boundedDecimal(text: string): string | null {
  const match = DECIMAL_PARTS.exec(text);
  if (!match) return null;
  const [, sign = '', whole = '', fraction = '', exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  const integer = whole.replace(/^0+/, '');
  const significant = fraction.replace(/^0+/, '');
  if (integer === '' && significant === '') return exponentText === undefined ? text : '0';
  // 10^(magnitude - 1) <= |value| < 10^magnitude; bounds the powers of ten below.
  const magnitude = integer !== '' ? integer.length + exponent : exponent - (fraction.length - significant.length);
  if (magnitude > 29) return null;
  if (magnitude < -SCALE - 1) return exponentText === undefined ? text : '0';
  // Scale to an integer of nine decimals, rounding half away from zero as the warehouses do.
  const shift = exponent - fraction.length + SCALE;
  let scaled = BigInt(`${whole}${fraction}` || '0');
  if (shift >= 0) scaled *= 10n ** BigInt(shift);
  else {
    const divisor = 10n ** BigInt(-shift);
    scaled = scaled / divisor + ((scaled % divisor) * 2n >= divisor ? 1n : 0n);
  }
  if (scaled >= DECIMAL_LIMIT) return null;
  if (exponentText === undefined) return text;
  const padded = scaled.toString().padStart(SCALE + 1, '0');
  const decimals = padded.slice(-SCALE).replace(/0+$/, '');
  const plain = decimals === '' ? padded.slice(0, -SCALE) : `${padded.slice(0, -SCALE)}.${decimals}`;
  return sign === '-' && scaled !== 0n ? `-${plain}` : plain;
}

/** v2 booleans are strict; v1 sometimes uses 0/1 or "0"/"1". */
export function toBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  return null;
}

/** JSON text of any value (strings too, so the column always parses as JSON). */
export function toJsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(value, bigintReplacer) ?? null;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Text of any value: strings as they are, scalars printed, objects and arrays as JSON text. */
export function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return toJsonText(value);
}

export function toStringList(value: unknown): readonly string[] | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const item of value) {
      const text = toText(item);
      if (text !== null) out.push(text);
    }
    return out;
  }
  const text = toText(value);
  return text === null ? null : [text];
}

/** Converts a raw JSON value to the cell convention of `type`. */
export function convertRaw(value: unknown, type: LogicalType): CellValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'string':
      return toText(value);
    case 'bigint':
      return toBigint(value);
    case 'double':
      return toDouble(value);
    case 'decimal':
      return toDecimal(value);
    case 'boolean':
      return toBoolean(value);
    case 'date':
      return toDate(value);
    case 'time':
      return toTime(value);
    case 'timestamp':
      return toTimestamp(value);
    case 'json':
      return toJsonText(value);
    case 'string_list':
      return toStringList(value);
    default:
      return assertNever(type, 'logical type');
  }
}

/** The logical type a JSON value suggests, for record keys no definition describes. */
export function inferType(value: unknown): LogicalType | null {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'bigint';
    case 'number':
      return Number.isSafeInteger(value) ? 'bigint' : 'double';
    case 'object':
      return value === null ? null : 'json';
    default:
      return null;
  }
}

/**
 * The narrowest type that holds values of both `a` and `b`, for inferred columns whose values
 * disagree before the column exists: bigint+double → double; json+json → json; anything with
 * string → string; other mixes → string (objects are then stored as JSON text), except that
 * mixes with json (and no string) → json.
 */
export function widenInferred(a: LogicalType, b: LogicalType): LogicalType {
  if (a === b) return a;
  if ((a === 'bigint' && b === 'double') || (a === 'double' && b === 'bigint')) return 'double';
  if (a === 'string' || b === 'string') return 'string';
  if (a === 'json' || b === 'json') return 'json';
  return 'string';
}
