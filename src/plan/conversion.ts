/**
 * The type-conflict rule (docs/schema.md#type-changes): an existing column keeps receiving values
 * when it can hold the new type losslessly, converting them; otherwise new values go to a typed
 * sibling column `<col>__<type>`. Columns are never retyped, dropped or narrowed.
 */
import type { CellValue, LogicalType } from '../schema/types.js';
import { convertRaw, toJsonText, toText } from '../schema/values.js';

/** Which incoming types an existing column of each type holds without losing information. */
const HOLDS: Readonly<Record<LogicalType, ReadonlySet<LogicalType>>> = {
  // Text holds anything: scalars printed, lists and objects as JSON text.
  string: new Set<LogicalType>(['string', 'bigint', 'double', 'decimal', 'boolean', 'date', 'time', 'timestamp', 'json', 'string_list']),
  // JSON holds anything as JSON text.
  json: new Set<LogicalType>(['json', 'string', 'bigint', 'double', 'decimal', 'boolean', 'date', 'time', 'timestamp', 'string_list']),
  // Every JSON-sourced integer and double is exactly representable as an IEEE double.
  double: new Set<LogicalType>(['double', 'bigint']),
  decimal: new Set<LogicalType>(['decimal', 'bigint', 'double']),
  // A date is the timestamp at midnight UTC.
  timestamp: new Set<LogicalType>(['timestamp', 'date']),
  // A single label is a one-element list (an enum field turned into a set).
  string_list: new Set<LogicalType>(['string_list', 'string']),
  bigint: new Set<LogicalType>(['bigint']),
  boolean: new Set<LogicalType>(['boolean']),
  date: new Set<LogicalType>(['date']),
  time: new Set<LogicalType>(['time']),
};

export function canHold(existing: LogicalType, incoming: LogicalType): boolean {
  return HOLDS[existing].has(incoming);
}

/**
 * Converts a shaped cell of logical type `from` to the cell convention of `to`. For pairs where
 * `canHold(to, from)` is true the conversion is lossless. Cells that do not match `from`'s
 * convention (an inferred column widened mid-batch) are normalised too.
 */
export function convertCell(value: CellValue | undefined, from: LogicalType, to: LogicalType): CellValue {
  if (value === null || value === undefined) return null;
  if (to === 'json') {
    // A json cell is already JSON text; any other string (text, dates) must be encoded.
    return from === 'json' && typeof value === 'string' ? value : toJsonText(value);
  }
  if (to === 'string') return toText(value);
  if (from === to) return value;
  return convertRaw(value, to);
}
