/**
 * A batch as COPY text-format lines (values.ts defines each field), in UTF-8 buffers of about
 * 1 MB, each sent as one CopyData message.
 *
 * This runs for every cell of every row (111 columns × 100,000 rows in the bench), so the common
 * cells take short paths decided once per column: text with nothing to escape is the field
 * itself, numbers print, booleans are one letter. Anything else goes through `copyField`, which
 * also rejects values of the wrong type. Each line is joined once and written into the current
 * buffer, rather than concatenated into a string that is re-encoded as a whole.
 */
import { WarehouseTerminalError } from '../../src/errors.js';
import type { CellValue, ColumnSpec, LogicalType, Row } from '../../src/schema/types.js';
import { CellTypeError, COPY_NULL, copyField } from './values.js';
import { assertNever } from '../../src/assert-never.js';

const CHUNK_BYTES = 1024 * 1024;
/** UTF-8 needs at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_CHAR = 3;

/** Characters COPY's text format escapes, and NUL, which PostgreSQL rejects (dropped). */
// eslint-disable-next-line no-control-regex -- NUL is one of the characters looked for
const NEEDS_ESCAPE = /[\\\t\n\r\u0000]/;
// eslint-disable-next-line no-control-regex -- as above
const ESCAPED = /[\\\t\n\r\u0000]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u0000': '' };

/** How a column's cells are written. TEXT: string, date, time, timestamp (a string cell is its own text). */
const TEXT = 0;
const INTEGER = 1;
const DOUBLE = 2;
const BOOLEAN = 3;
const DECIMAL = 4;
/** json, string_list: through copyField. */
const OTHER = 5;

/** Decimal text PostgreSQL parses as is; nothing in it needs escaping (values.ts checks the rest). */
const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;

function kindOf(type: LogicalType): number {
  switch (type) {
    case 'string':
    case 'date':
    case 'time':
    case 'timestamp':
      return TEXT;
    case 'bigint':
      return INTEGER;
    case 'double':
      return DOUBLE;
    case 'boolean':
      return BOOLEAN;
    case 'decimal':
      return DECIMAL;
    case 'json':
    case 'string_list':
      return OTHER;
    default:
      return assertNever(type, 'logical type');
  }
}

function escapeText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, (ch) => ESCAPES[ch] ?? ch) : text;
}

function slowField(column: ColumnSpec, value: CellValue): string {
  try {
    return copyField(column.type, value);
  } catch (error) {
    if (error instanceof CellTypeError) throw new WarehouseTerminalError(`Column ${column.name}: ${error.message}`, { cause: error });
    throw error;
  }
}

export interface CopyLayout {
  readonly columns: readonly ColumnSpec[];
  /** Appends each row's position in the batch as a last field (the staging table's row column). */
  readonly rowNumbers: boolean;
}

/** The COPY text of `rows`, in buffers of about CHUNK_BYTES. */
export function* copyChunks(layout: CopyLayout, rows: readonly Row[]): Generator<Buffer> {
  const { columns, rowNumbers } = layout;
  const count = columns.length;
  const names = columns.map((column) => column.name);
  const kinds = columns.map((column) => kindOf(column.type));
  const fields: string[] = new Array<string>(count + (rowNumbers ? 1 : 0));
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index] as Row;
    for (let i = 0; i < count; i++) {
      const value: CellValue | undefined = row[names[i] as string];
      let field: string;
      if (value === null || value === undefined) field = COPY_NULL;
      else {
        const kind = kinds[i];
        if (kind === TEXT && typeof value === 'string') field = escapeText(value);
        else if (kind === INTEGER && typeof value === 'number' && Number.isInteger(value)) field = String(value);
        else if (kind === DOUBLE && typeof value === 'number') field = String(value);
        else if (kind === BOOLEAN && typeof value === 'boolean') field = value ? 't' : 'f';
        else if (kind === DECIMAL && typeof value === 'number' && Number.isFinite(value)) field = String(value);
        else if (kind === DECIMAL && typeof value === 'string' && PLAIN_DECIMAL.test(value)) field = value;
        else field = slowField(columns[i] as ColumnSpec, value);
      }
      fields[i] = field;
    }
    if (rowNumbers) fields[count] = String(index);
    const line = `${fields.join('\t')}\n`;
    const room = line.length * MAX_BYTES_PER_CHAR;
    if (used + room > buffer.length) {
      if (used > 0) yield buffer.subarray(0, used);
      buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
      used = 0;
    }
    used += buffer.write(line, used, 'utf8');
  }
  if (used > 0) yield buffer.subarray(0, used);
}
