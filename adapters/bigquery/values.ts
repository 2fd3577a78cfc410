/**
 * Value conversion between the loader's conventions (src/schema/types.ts) and BigQuery's.
 *
 * Writing: a staged row is one line of newline-delimited JSON for a load job, encoded per
 * BigQuery's JSON load rules:
 * - INT64 and NUMERIC as JSON strings of their digits (JSON numbers lose integers above 2^53,
 *   and BigQuery documents strings as the safe form);
 * - FLOAT64 as a JSON number, or "NaN" / "Infinity" / "-Infinity";
 * - DATE, TIME as their text; TIMESTAMP as the shaper's ISO text with a space for the 'T'
 *   (and at most six fractional digits);
 * - JSON columns take the raw JSON value embedded in the line (a JSON string would be stored as a
 *   JSON string value), after checking that the text parses;
 * - ARRAY<STRING> as a JSON array of strings;
 * - NULL as an absent field (BigQuery stores no NULL array: an absent list reads back as []).
 * Cells are checked before anything is sent, so a wrong-typed cell fails with its column named.
 *
 * NUL, as in the PostgreSQL adapter: every U+0000 is removed from text, list elements and JSON
 * text, and from JSON text the `\u0000` escape too (unless its backslash is itself escaped).
 * 'a\u0000b' is stored as 'ab'; nothing else changes.
 *
 * Reading: query results arrive as the REST API's `{f: [{v}]}` rows with a schema, and are
 * returned in the DuckDB adapter's conventions (timestamps as ISO strings ending in 'Z', dates
 * 'YYYY-MM-DD', decimals as exact strings, JSON as text, INT64 as numbers when safe, else bigint).
 */
import type { CellValue, ColumnSpec, LogicalType, Row } from '../../src/schema/types.js';
import { CellTypeError, cellMismatch as mismatch, decimalText, integerText, stripJsonNul, stripNul } from '../base/cells.js';
import { assertNever } from '../../src/assert-never.js';

export { CellTypeError, stripJsonNul, stripNul };

const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const TIME_TEXT = /^\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$/;
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The JSON text of one cell in a load-job line, or undefined for NULL (the field is left out). */
export function jsonCell(type: LogicalType, value: CellValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (type) {
    case 'bigint':
      return `"${integerText(value)}"`;
    case 'double':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
      throw mismatch(type, value);
    case 'decimal':
      return JSON.stringify(decimalText(value));
    case 'boolean':
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      throw mismatch(type, value);
    case 'string_list':
      if (Array.isArray(value)) return JSON.stringify(value.map((item: unknown) => stripNul(String(item))));
      throw mismatch(type, value);
    case 'json':
      return rawJson(value);
    case 'string':
      if (typeof value === 'string') return JSON.stringify(stripNul(value));
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return JSON.stringify(String(value));
      throw mismatch(type, value);
    case 'date':
      return checkedText(type, value, DATE_TEXT);
    case 'time':
      return checkedText(type, value, TIME_TEXT);
    case 'timestamp':
      // BigQuery keeps microseconds: further digits are cut (PostgreSQL rounds them away too).
      return checkedText(type, value, TIMESTAMP_TEXT, (text) => text.replace('T', ' ').replace(/(\.\d{6})\d+/, '$1'));
    default:
      return assertNever(type, 'logical type');
  }
}

function checkedText(type: LogicalType, value: CellValue, pattern: RegExp, normalise: (text: string) => string = (t) => t): string {
  if (typeof value === 'string' && pattern.test(value)) return JSON.stringify(normalise(value));
  throw mismatch(type, value);
}

/** JSON text embedded as a value; raw line breaks (only possible between tokens) become spaces. */
function rawJson(value: CellValue): string {
  if (typeof value !== 'string') throw mismatch('json', value);
  const text = stripJsonNul(value);
  try {
    JSON.parse(text);
  } catch {
    throw new CellTypeError(`expected JSON text, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return text.replace(/[\r\n]/g, ' ');
}

/**
 * The NDJSON lines of a batch, one per row, each ending in a newline. `rowColumn`, when given, is
 * added to every line holding the row's position in the batch (the staging tie-breaker).
 * A wrong-typed cell throws CellTypeError naming its column.
 */
export function* ndjsonLines(columns: readonly ColumnSpec[], rows: readonly Row[], rowColumn?: string): Generator<string> {
  const keys = columns.map((column) => `${JSON.stringify(column.name)}:`);
  const rowKey = rowColumn === undefined ? undefined : `${JSON.stringify(rowColumn)}:`;
  for (let position = 0; position < rows.length; position += 1) {
    const row = rows[position] as Row;
    const parts: string[] = [];
    columns.forEach((column, index) => {
      let json: string | undefined;
      try {
        json = jsonCell(column.type, row[column.name]);
      } catch (error) {
        if (error instanceof CellTypeError) throw new CellTypeError(`Column ${column.name}: ${error.message}`);
        throw error;
      }
      if (json !== undefined) parts.push(`${keys[index]}${json}`);
    });
    if (rowKey !== undefined) parts.push(`${rowKey}"${position}"`);
    yield `{${parts.join(',')}}\n`;
  }
}

// Reading ------------------------------------------------------------------------------------

export interface SchemaField {
  readonly name: string;
  readonly type: string;
  readonly mode?: string;
  readonly fields?: readonly SchemaField[];
}

interface Cell {
  readonly v?: unknown;
}

const MICROS_PER_SECOND = 1_000_000n;

/** '1719812793123456' (microseconds since the epoch) → '2024-07-01T05:46:33.123456Z'. */
export function isoFromMicros(text: string): string {
  const micros = BigInt(text);
  let seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += MICROS_PER_SECOND;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = fraction === 0n ? '' : `.${fraction.toString().padStart(6, '0').replace(/0+$/, '')}`;
  return `${base}${digits}Z`;
}

/** A timestamp as BigQuery may print it: int64 microseconds, float seconds, or text. */
function timestampValue(text: string): string {
  if (/^-?\d+$/.test(text)) return isoFromMicros(text);
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return new Date(Number(text) * 1000).toISOString().replace('.000Z', 'Z');
  return text;
}

function int64(text: string): number | bigint {
  const value = BigInt(text);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

function trimDecimal(text: string): string {
  return /^-?\d+\.\d+$/.test(text) ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function scalar(field: SchemaField, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  if (field.type === 'RECORD' || field.type === 'STRUCT') return record(field.fields ?? [], raw as { f?: Cell[] });
  const text = String(raw);
  switch (field.type) {
    case 'INTEGER':
    case 'INT64':
      return int64(text);
    case 'FLOAT':
    case 'FLOAT64':
      return Number(text);
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return trimDecimal(text);
    case 'BOOLEAN':
    case 'BOOL':
      return text === 'true';
    case 'TIMESTAMP':
      return timestampValue(text);
    case 'DATETIME':
      return `${text}Z`;
    default:
      // STRING, JSON (its text), DATE, TIME, BYTES (base64), GEOGRAPHY (WKT) …
      return text;
  }
}

function value(field: SchemaField, cell: Cell | undefined): unknown {
  const raw = cell?.v;
  if (field.mode === 'REPEATED') return Array.isArray(raw) ? (raw as Cell[]).map((item) => scalar(field, item.v)) : [];
  return scalar(field, raw);
}

function record(fields: readonly SchemaField[], row: { f?: Cell[] }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((field, index) => {
    out[field.name] = value(field, row.f?.[index]);
  });
  return out;
}

/** REST rows (`{f: [{v}]}`) and their schema → plain rows in the loader's conventions. */
export function decodeRows(fields: readonly SchemaField[], rows: readonly unknown[]): Record<string, unknown>[] {
  return rows.map((row) => record(fields, row as { f?: Cell[] }));
}
