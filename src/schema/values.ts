/**
 * Conversions from raw JSON values to the cell conventions of src/schema/types.ts. Every function
 * is total: it never throws on odd input. Values that cannot be represented in the target type
 * become NULL, except where docs/schema.md promises otherwise (text and JSON keep everything).
 *
 * This is the hot path: regexes are module constants and canonical inputs return early.
 */
import type { CellValue, LogicalType } from './types.js';

const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** v1 timestamps: UTC without a zone designator. */
const V1_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})(?:[ T]|$)/;
const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/;
const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const ZERO_MILLIS = '.000Z';
/** Pipedrive times without a zone designator are UTC; Date.parse would read them as local. */
const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Normalises v1 `YYYY-MM-DD HH:MM:SS` (UTC) and RFC3339 with any offset to `…Z` in UTC. */
export function toTimestamp(value: unknown): string | null {
  if (typeof value !== 'string') {
    if (typeof value === 'number' && Number.isFinite(value)) return isoFromMillis(value < 1e11 ? value * 1000 : value);
    return null;
  }
  if (CANONICAL_TIMESTAMP.test(value)) return value;
  const v1 = V1_TIMESTAMP.exec(value);
  if (v1) return `${v1[1]}T${v1[2]}Z`;
  if (DATE_ONLY.test(value)) return `${value}T00:00:00Z`;
  if (value === '') return null;
  const utc = LOCAL_DATE_TIME.test(value) && !HAS_ZONE.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  return isoFromMillis(Date.parse(utc));
}

function isoFromMillis(millis: number): string | null {
  if (!Number.isFinite(millis)) return null;
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  return iso.endsWith(ZERO_MILLIS) ? `${iso.slice(0, -ZERO_MILLIS.length)}Z` : iso;
}

export function toDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = DATE_PREFIX.exec(value);
  return match ? (match[1] ?? null) : null;
}

/** `HH:MM` and `HH:MM:SS(.fff)` → `HH:MM:SS`. */
export function toTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = TIME_OF_DAY.exec(value);
  if (!match) return null;
  return `${match[1]}:${match[2]}:${match[3] ?? '00'}`;
}

/**
 * Integers and references. Accepts a number, an integer string, or an object carrying the id in
 * `value` or `id` (v1 expands user/person/org references into such objects).
 */
export function toBigint(value: unknown): number | bigint | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string') {
    if (!INTEGER_TEXT.test(value)) return null;
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : BigInt(value);
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

/** Exact numbers: numbers pass through; numeric strings stay strings so no digit is lost. */
export function toDecimal(value: unknown): number | string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return NUMBER_TEXT.test(value) ? value : null;
  if (isPlainObject(value)) return toDecimal(value.value);
  return null;
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
