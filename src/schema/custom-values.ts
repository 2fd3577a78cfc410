/**
 * Reading one custom-field value (v2 shapes from reference §5c, tolerant of v1 shapes) into the
 * cells of its columns. Writers are built once per table; `writeCustomValue` allocates nothing
 * but the cells themselves.
 */
import { ADDRESS_COMPONENTS, type ValueKind } from './columns.js';
import type { LogicalType, Row } from './types.js';
import { convertRaw, isPlainObject, toDate, toDecimal, toText, toTime } from './values.js';

export interface CustomWriter {
  readonly fieldKey: string;
  readonly kind: ValueKind;
  /** Main column name and type. */
  readonly column: string;
  readonly type: LogicalType;
  /** Column names of sub-columns by subfield (currency, until, timezone_name, address parts). */
  readonly sub: ReadonlyMap<string, string>;
  /** Option id (as text) → current label, for enum and set fields. */
  readonly labels: ReadonlyMap<string, string>;
}

function setSub(writer: CustomWriter, row: Row, subfield: string, value: unknown): void {
  const column = writer.sub.get(subfield);
  if (column !== undefined) row[column] = toText(value);
}

/**
 * The label of an option. An id with no known option (a deleted option) is kept as text, never
 * turned into NULL, so no data is hidden.
 */
function optionLabel(writer: CustomWriter, option: unknown): string | null {
  if (option === null || option === undefined) return null;
  if (isPlainObject(option)) {
    const id = option.id;
    const known = id === undefined || id === null ? undefined : writer.labels.get(String(id));
    return known ?? toText(option.label ?? id);
  }
  const text = toText(option);
  return text === null ? null : (writer.labels.get(text) ?? text);
}

function setLabels(writer: CustomWriter, value: unknown): readonly string[] | null {
  // v1 sends a comma-separated string of ids.
  const items = typeof value === 'string' ? (value === '' ? [] : value.split(',')) : value;
  if (!Array.isArray(items)) {
    const label = optionLabel(writer, items);
    return label === null ? null : [label];
  }
  const labels: string[] = [];
  for (const item of items) {
    const label = optionLabel(writer, typeof item === 'string' ? item.trim() : item);
    if (label !== null) labels.push(label);
  }
  return labels;
}

function writeRange(writer: CustomWriter, row: Row, value: unknown, read: (v: unknown) => string | null): void {
  if (isPlainObject(value)) {
    row[writer.column] = read(value.value);
    const until = writer.sub.get('until');
    if (until !== undefined) row[until] = read(value.until);
    setSub(writer, row, 'timezone_name', value.timezone_name);
  } else {
    row[writer.column] = read(value);
  }
}

/**
 * The main column holds the address as typed (`value`); Google's `formatted_address`, which can
 * differ, goes to its own sub-column like the other components.
 */
function writeAddress(writer: CustomWriter, row: Row, value: unknown): void {
  if (!isPlainObject(value)) {
    // v1 (leads): the flat key holds the address as typed; `<key>_formatted_address` and the
    // other `<key>_<component>` keys are companions the table model routes to their sub-columns.
    row[writer.column] = toText(value);
    setSub(writer, row, 'value', value);
    return;
  }
  row[writer.column] = toText(value.value);
  for (const component of ADDRESS_COMPONENTS) setSub(writer, row, component, value[component]);
}

/** Writes the cells of one custom value. `undefined`/null clear the field's columns. */
export function writeCustomValue(writer: CustomWriter, row: Row, value: unknown): void {
  if (value === null || value === undefined) {
    row[writer.column] = null;
    for (const column of writer.sub.values()) row[column] = null;
    return;
  }
  switch (writer.kind) {
    case 'monetary':
      if (isPlainObject(value)) {
        row[writer.column] = toDecimal(value.value);
        setSub(writer, row, 'currency', value.currency);
      } else {
        row[writer.column] = toDecimal(value);
      }
      return;
    case 'daterange':
      writeRange(writer, row, value, toDate);
      return;
    case 'time':
    case 'timerange':
      writeRange(writer, row, value, toTime);
      return;
    case 'enum':
      row[writer.column] = optionLabel(writer, value);
      return;
    case 'set':
      row[writer.column] = setLabels(writer, value);
      return;
    case 'address':
      writeAddress(writer, row, value);
      return;
    case 'text':
    case 'unknown':
      row[writer.column] = toText(value);
      return;
    case 'reference':
    case 'scalar':
      row[writer.column] = convertRaw(value, writer.type);
      return;
  }
}
