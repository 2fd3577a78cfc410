/**
 * Value conversion between the loader's conventions (src/schema/types.ts) and DuckDB's.
 *
 * Writing: each logical type is appended as the JS value DuckDB can take fastest. Temporal and
 * JSON cells travel as text and the appender casts them into the native column (it accepts the
 * ISO strings the shaper produces). Decimals are scaled to integers here, exactly: DuckDB's own
 * VARCHAR → DECIMAL(38,9) cast measured ~120k values/s, 20× slower than appending scaled values.
 * Reading: query results come back as plain JS values in the same conventions (timestamps as ISO
 * strings ending in 'Z', dates 'YYYY-MM-DD', decimals as exact strings, integers as numbers when
 * they are safe and bigints otherwise).
 */
import {
  BIGINT,
  BOOLEAN,
  DECIMAL,
  DOUBLE,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  HUGEINT,
  INTEGER,
  LIST,
  listValue,
  SQLNULL,
  VARCHAR,
} from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { CellValue, LogicalType } from '../../src/schema/types.js';
import type { SqlParam } from '../types.js';
import { CellTypeError, cellMismatch as mismatch } from '../base/cells.js';
import { assertNever } from '../../src/assert-never.js';

export { CellTypeError };

/** The DataChunk vector type used to stage each logical type (see the module comment). */
export function stagingVectorType(type: LogicalType): DuckDBType {
  switch (type) {
    case 'bigint':
      return BIGINT;
    case 'double':
      return DOUBLE;
    case 'boolean':
      return BOOLEAN;
    case 'string_list':
      return LIST(VARCHAR);
    case 'decimal':
      return DECIMAL(DECIMAL_WIDTH, DECIMAL_SCALE);
    case 'string':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'json':
      // Staged as text; the appender casts it into the native column (see the module comment).
      return VARCHAR;
    default:
      return assertNever(type, 'logical type');
  }
}

/** Must match the dialect's DECIMAL(38,9). */
const DECIMAL_WIDTH = 38;
const DECIMAL_SCALE = 9;
const DECIMAL_LIMIT = 10n ** BigInt(DECIMAL_WIDTH);

/**
 * Parses decimal text ('-12.5', '1e+21', '.5') into an integer scaled by 10^9, rounding half away
 * from zero beyond nine decimals as DuckDB's cast does. Undefined when the text is not a number or
 * does not fit DECIMAL(38,9).
 */
export function scaleDecimal(text: string): bigint | undefined {
  const match = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exponentText] = match;
  if (whole === '' && fraction === '') return undefined;
  const exponent = Number(exponentText ?? 0) - fraction.length + DECIMAL_SCALE;
  if (exponent > 400) return undefined;
  const digits = `${whole}${fraction}`;
  // Fewer digits than places to shift: below 0.1 of the last decimal, so it rounds to zero (and
  // no power of ten is built for an exponent such as -99999999).
  if (-exponent > digits.length) return 0n;
  let scaled = BigInt(digits || '0');
  if (exponent >= 0) {
    scaled *= 10n ** BigInt(exponent);
  } else {
    const divisor = 10n ** BigInt(-exponent);
    const remainder = scaled % divisor;
    scaled /= divisor;
    if (remainder * 2n >= divisor) scaled += 1n;
  }
  if (scaled >= DECIMAL_LIMIT) return undefined;
  return sign === '-' ? -scaled : scaled;
}

/** Converts one row cell to the DuckDB value appended for a column of `type`. */
export function toStagingValue(type: LogicalType, value: CellValue | undefined): DuckDBValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'bigint':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
      throw mismatch(type, value);
    case 'double':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      throw mismatch(type, value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw mismatch(type, value);
    case 'string_list':
      if (Array.isArray(value)) return listValue(value.map((item: unknown) => String(item)));
      throw mismatch(type, value);
    case 'decimal': {
      // Numbers print in their shortest round-tripping form ('0.1', not 0.1000000000000000055…).
      const text = typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string' ? String(value) : undefined;
      const scaled = text === undefined ? undefined : scaleDecimal(text.trim());
      if (scaled === undefined) throw mismatch(type, value);
      return new DuckDBDecimalValue(scaled, DECIMAL_WIDTH, DECIMAL_SCALE);
    }
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
      throw mismatch(type, value);
    case 'date':
    case 'time':
    case 'timestamp':
    case 'json':
      if (typeof value === 'string') return value;
      throw mismatch(type, value);
    default:
      return assertNever(type, 'logical type');
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The type each bound parameter is bound as. As the driver would infer, except that a JS bigint
 * within 64 bits binds as BIGINT, not HUGEINT, so `id = $1` compares like-typed integers.
 */
export function parameterType(value: SqlParam): DuckDBType {
  switch (typeof value) {
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? BIGINT : HUGEINT;
    case 'number':
      if (!Number.isInteger(value)) return DOUBLE;
      return value >= -2_147_483_648 && value <= 2_147_483_647 ? INTEGER : BIGINT;
    case 'boolean':
      return BOOLEAN;
    case 'string':
      return VARCHAR;
    default:
      return SQLNULL;
  }
}

const MICROS_PER_SECOND = 1_000_000n;

/** Formats microseconds since the epoch as ISO-8601 UTC: whole seconds end in 'Z' directly. */
export function isoFromMicros(micros: bigint): string {
  const seconds = micros / MICROS_PER_SECOND - (micros % MICROS_PER_SECOND < 0n ? 1n : 0n);
  const fraction = micros - seconds * MICROS_PER_SECOND;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (fraction === 0n) return `${base}Z`;
  const digits = fraction.toString().padStart(6, '0').replace(/0+$/, '');
  return `${base}.${digits}Z`;
}

/** '123.450000000' → '123.45', '5.000000000' → '5': the exact value, without the scale's padding. */
function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Converts a value read from DuckDB into the loader's plain JS conventions. */
export function fromDuckDBValue(value: DuckDBValue): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') {
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(value)
        : value;
    }
    return value;
  }
  if (value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue) {
    return value.isFinite ? isoFromMicros(value.micros) : value.toString();
  }
  if (value instanceof DuckDBDateValue || value instanceof DuckDBTimeValue) return value.toString();
  if (value instanceof DuckDBDecimalValue) return trimDecimal(value.toString());
  if (value instanceof DuckDBListValue) return value.items.map(fromDuckDBValue);
  return value.toString();
}
