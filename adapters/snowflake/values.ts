/**
 * Value conversion between the loader's conventions (src/schema/types.ts) and Snowflake's.
 *
 * Writing: every staged cell is bound as text (or NULL) and Snowflake casts it into the staging
 * column. The SDK picks one bind type per column from the first row, so binding every cell as
 * text keeps a column's type from depending on which row happens to come first. json cells are
 * their JSON text and string_list cells a JSON array, both parsed by PARSE_JSON after staging.
 *
 * NUL: as in the PostgreSQL adapter (so a company that switches warehouses gets the same data),
 * every NUL character is removed from text, list elements and JSON text, and from JSON text the
 * `\u0000` escape too: 'a\u0000b' is stored as 'ab'.
 *
 * Reading: rows come back in the DuckDB adapter's conventions: integers as numbers when safe and
 * bigints otherwise, decimals as exact strings without trailing zeros, timestamps as ISO strings
 * ending in 'Z', dates 'YYYY-MM-DD', times 'HH:MM:SS', json as its text and ARRAY as string[].
 */
import type { CellValue, LogicalType } from '../../src/schema/types.js';
import type { SqlParam } from '../types.js';
import { CellTypeError, cellMismatch as mismatch, decimalText, integerText, stripJsonNul, stripNul } from '../base/cells.js';
import { assertNever } from '../../src/assert-never.js';

export { CellTypeError, stripJsonNul, stripNul };

/** The text bound for one cell of a column of `type`, or null for NULL. */
export function bindText(type: LogicalType, value: CellValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'bigint':
      return integerText(value);
    case 'double':
      // JS prints the shortest round-tripping form; Snowflake reads NaN and Infinity too.
      if (typeof value === 'number' || typeof value === 'bigint') return String(value);
      throw mismatch(type, value);
    case 'decimal':
      return decimalText(value);
    case 'boolean':
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      throw mismatch(type, value);
    case 'string_list':
      if (Array.isArray(value)) return JSON.stringify(value.map((item: unknown) => stripNul(String(item))));
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
      // The shaper's ISO text, which Snowflake's AUTO input format reads.
      if (typeof value === 'string') return stripNul(value);
      throw mismatch(type, value);
    default:
      return assertNever(type, 'logical type');
  }
}

/** snowflake-sdk's bind values: no bigint (sent as exact text), and NUL removed from text. */
export type SdkBind = string | number | boolean | null;

export function toSdkBind(value: SqlParam): SdkBind {
  if (typeof value === 'bigint') return value.toString();
  // The SDK sends numbers through JSON.stringify, which turns NaN and ±Infinity into null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return stripNul(value);
  return value;
}

// Reading ------------------------------------------------------------------------------------

/** What the client knows of a result column (from the SDK's column metadata). */
export interface ResultColumn {
  readonly name: string;
  /** The SDK's lower-case type: fixed, real, text, boolean, date, time, timestamp_tz, variant, array … */
  readonly type: string;
  readonly scale: number;
}

/** '123.450000000' → '123.45', '5.000' → '5': the exact value, without the scale's padding. */
export function trimDecimal(text: string): string {
  return /^-?\d+\.\d+$/.test(text) ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function integer(text: string): number | bigint {
  const value = BigInt(text);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

function fraction(nanoseconds: number): string {
  if (!nanoseconds) return '';
  return `.${String(nanoseconds).padStart(9, '0').replace(/0+$/, '')}`;
}

/** The SDK's date and timestamp values: a Date with the exact epoch seconds and nanoseconds. */
interface SdkTimestamp {
  getEpochSeconds(): number;
  getNanoSeconds(): number;
}

interface SdkTime {
  getMidnightSeconds(): number;
  getNanoSeconds(): number;
}

function hasMethod(value: unknown, method: string): boolean {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[method] === 'function';
}

/** Epoch seconds + nanoseconds → '2024-07-01T05:46:33.123456Z' (whole seconds: no fraction). */
export function isoFromEpoch(seconds: number, nanoseconds: number): string {
  const date = new Date(seconds * 1000);
  return `${date.toISOString().slice(0, 19)}${fraction(nanoseconds)}Z`;
}

/** Converts one value the SDK returned (numbers and JSON fetched as strings) to the loader's. */
export function fromSnowflakeValue(value: unknown, column: ResultColumn): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'fixed':
      return column.scale > 0 ? trimDecimal(String(value)) : integer(String(value));
    case 'real':
      return Number(value);
    case 'array':
      return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    case 'date':
      return hasMethod(value, 'getEpochSeconds') ? isoFromEpoch((value as SdkTimestamp).getEpochSeconds(), 0).slice(0, 10) : value;
    case 'time': {
      // The SDK formats TIME itself, with the session's TIME_OUTPUT_FORMAT (HH24:MI:SS.FF9, set
      // at open); the exact parts are only kept when it hands over its SfTime object instead.
      if (hasMethod(value, 'getMidnightSeconds')) {
        return `${isoFromEpoch((value as SdkTime).getMidnightSeconds(), 0).slice(11, 19)}${fraction((value as SdkTime).getNanoSeconds())}`;
      }
      const match = /(\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(String(value));
      return match ? `${match[1] ?? ''}${(match[2] ?? '').replace(/\.?0+$/, '')}` : value;
    }
    case 'timestamp_tz':
    case 'timestamp_ltz':
    case 'timestamp_ntz':
      if (!hasMethod(value, 'getEpochSeconds')) return value;
      return isoFromEpoch((value as SdkTimestamp).getEpochSeconds(), (value as SdkTimestamp).getNanoSeconds());
    default:
      // text, boolean, variant/object (raw JSON text, fetched as string) pass through.
      return value;
  }
}
