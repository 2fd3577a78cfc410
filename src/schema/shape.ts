/**
 * The table model: the columns of one warehouse table and the shaper that turns raw API records
 * into rows keyed by column name. Built once per table and run, then applied to every record.
 *
 * Record keys are handled in this order: `custom_fields` (v2 custom values keyed by field code),
 * built-in columns, custom field codes at top level (v1 flat records) and their `<key>_<subfield>`
 * companions, and finally undeclared keys, which get an inferred column so no data is lost.
 */
import { createHash } from 'node:crypto';
import { isCustomFieldKey, type FieldDefinition } from '../pipedrive/fields.js';
import { builtinColumnsOf } from './builtins.js';
import {
  assignCustomColumns,
  candidateColumnName,
  fallbackColumnName,
  INFERRED_FIELD_TYPE,
  type ColumnMapping,
} from './column-map.js';
import { columnLayout } from './columns.js';
import { writeCustomValue, type CustomWriter } from './custom-values.js';
import { uniqueName } from './naming.js';
import { attachRejects, MAX_ORIGINAL_CHARS, type ValueReject } from './rejects.js';
import { SYSTEM_COLUMNS, type ColumnSpec, type LogicalType, type Row, type TableSpec } from './types.js';
import { convertRaw, inferType, isBlank, isPlainObject, toText, toTimestamp, widenInferred } from './values.js';

export interface TableModelInput {
  readonly table: string;
  readonly primaryKey: readonly string[];
  /** The entity's current field definitions; [] for tables without custom fields. */
  readonly fields: readonly FieldDefinition[];
  /** Rows of `_loader_columns` (any table; only this table's rows are used). */
  readonly persisted: readonly ColumnMapping[];
  /** ISO timestamp of this run, recorded in new or updated mappings. */
  readonly now: string;
  /**
   * False when `fields` is the warehouse's copy from an earlier read (the list cadence rests the
   * fields endpoint): a field already mapped then keeps its `last_seen_at`, the time it was last
   * read from Pipedrive. Default true.
   */
  readonly fieldsReadNow?: boolean;
}

export interface TableModel {
  readonly table: string;
  /** Desired table: built-ins, custom columns, inferred columns seen so far, system columns. */
  readonly spec: TableSpec;
  /** Rows to upsert into `_loader_columns`: current custom fields plus inferred keys seen. */
  readonly mappings: readonly ColumnMapping[];
  /**
   * One raw record → one row. `_loaded_at`/`_load_id` are left to the caller. A value that fits
   * no warehouse column of its type becomes NULL, and a record without a usable primary key is
   * marked to be skipped; both are attached to the row (`rejectsOf`, src/schema/rejects.ts).
   */
  shape(record: Readonly<Record<string, unknown>>): Row;
  /**
   * The columns of `spec` whose type is inferred from values (undeclared keys), the only ones
   * whose type can change while rows are shaped: a row shaped before its inferred column widened
   * keeps a cell of the narrower type (a number in what became a text column). Every other
   * column's cells follow its type's convention (src/schema/types.ts) when `shape` writes them.
   */
  readonly inferredColumns: ReadonlySet<string>;
  /**
   * Columns added or widened by `shape` since the last call (undeclared keys seen for the first
   * time, or inferred columns whose values disagreed). Re-plan before loading when non-empty.
   */
  drainSchemaChanges(): ColumnSpec[];
}

interface InferredColumn {
  readonly column: string;
  /** Null while the key has only been seen (or persisted) with null values. */
  type: LogicalType | null;
  mapping: ColumnMapping;
}

const CUSTOM_SUBFIELD_KEY = /^([0-9a-f]{40})_([a-z0-9_]+)$/;

class Model implements TableModel {
  private readonly builtins = new Map<string, LogicalType>();
  private readonly writers = new Map<string, CustomWriter>();
  /** v1 `<key>_<subfield>` → [column, type]. */
  private readonly subKeys = new Map<string, readonly [string, LogicalType]>();
  private readonly inferred = new Map<string, InferredColumn>();
  private readonly customColumns: ColumnSpec[] = [];
  private readonly taken: Set<string>;
  private readonly currentMappings: ColumnMapping[];
  private changes: ColumnSpec[] = [];

  constructor(private readonly input: TableModelInput) {
    this.table = input.table;
    const builtins = builtinColumnsOf(input.table);
    for (const column of builtins) this.builtins.set(column.name, column.type);
    const reserved = new Set([...this.builtins.keys(), ...SYSTEM_COLUMNS.map((c) => c.name)]);
    const assignment = assignCustomColumns({ ...input, reserved });
    this.taken = assignment.taken;
    this.currentMappings = assignment.mappings;
    this.buildWriters(assignment.all, input.fields);
  }

  readonly table: string;

  private buildWriters(all: readonly ColumnMapping[], fields: readonly FieldDefinition[]): void {
    const byKey = new Map<string, Map<string, string>>();
    const persistedTypes = new Map<string, string>();
    for (const row of all) {
      if (row.subfield === '') persistedTypes.set(row.field_key, row.field_type);
      if (row.field_type === INFERRED_FIELD_TYPE) {
        if (row.subfield === '') this.inferred.set(row.field_key, { column: row.column_name, type: null, mapping: row });
        continue;
      }
      const columns = byKey.get(row.field_key) ?? new Map<string, string>();
      columns.set(row.subfield, row.column_name);
      byKey.set(row.field_key, columns);
    }
    const current = new Map(fields.map((field) => [field.field_code, field]));
    for (const [fieldKey, columns] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const main = columns.get('');
      if (main === undefined) continue;
      // A field deleted in Pipedrive keeps its persisted type, so late values still load.
      const field = current.get(fieldKey);
      const fieldType = field?.field_type ?? persistedTypes.get(fieldKey) ?? '';
      const layout = columnLayout(fieldType);
      const sub = new Map<string, string>();
      for (const part of layout.columns) {
        const column = columns.get(part.subfield);
        if (column === undefined) continue;
        if (part.subfield !== '') {
          sub.set(part.subfield, column);
          this.subKeys.set(`${fieldKey}_${part.subfield}`, [column, part.type]);
        }
        // Fields deleted in Pipedrive stay in the spec: their columns exist and late values load.
        this.customColumns.push({ name: column, type: part.type });
      }
      const labels = new Map<string, string>();
      for (const option of field?.options ?? []) labels.set(String(option.id), option.label);
      const type = layout.columns[0]?.type ?? 'string';
      this.writers.set(fieldKey, { fieldKey, kind: layout.kind, column: main, type, sub, labels });
    }
  }

  /** Cached until `shape` adds or widens a column. */
  private cachedSpec: TableSpec | undefined;
  /** Every column of `spec`, NULL; rebuilt with it. See `shape`. */
  private cachedTemplate: Row | undefined;

  /**
   * Rows start as copies of this object, so that every row of a table has the same fixed layout.
   * A row built key by key on `{}` passes V8's limit of fast properties after a dozen computed
   * keys and becomes a hash table: a 111-column deal took 7.6 kB of heap that way, and every
   * later read of a cell (projection, COPY encoding, the Appender) was a hash lookup. An object
   * made by JSON.parse has fast properties however many columns it has (up to ~1,000), and a
   * spread copy of it keeps its layout, so a row costs about 8 bytes a column plus its values.
   */
  private get template(): Row {
    if (this.cachedTemplate) return this.cachedTemplate;
    const nulls: Record<string, null> = {};
    for (const column of this.spec.columns) nulls[column.name] = null;
    this.cachedTemplate = JSON.parse(JSON.stringify(nulls)) as Row;
    return this.cachedTemplate;
  }

  get spec(): TableSpec {
    if (this.cachedSpec) return this.cachedSpec;
    const inferred: ColumnSpec[] = [];
    for (const entry of this.inferred.values()) {
      if (entry.type !== null) inferred.push({ name: entry.column, type: entry.type });
    }
    const builtins = builtinColumnsOf(this.table);
    this.cachedSpec = {
      name: this.table,
      columns: [...builtins, ...this.customColumns, ...inferred, ...SYSTEM_COLUMNS],
      primaryKey: this.input.primaryKey,
    };
    return this.cachedSpec;
  }

  get inferredColumns(): ReadonlySet<string> {
    const columns = new Set<string>();
    for (const entry of this.inferred.values()) if (entry.type !== null) columns.add(entry.column);
    return columns;
  }

  get mappings(): readonly ColumnMapping[] {
    const seen: ColumnMapping[] = [];
    for (const entry of this.inferred.values()) if (entry.type !== null) seen.push(entry.mapping);
    return [...this.currentMappings, ...seen];
  }

  drainSchemaChanges(): ColumnSpec[] {
    const changes = this.changes;
    this.changes = [];
    return changes;
  }

  /** Rejects of the record being shaped; null (no allocation) for the common clean record. */
  private rejected: ValueReject[] | null = null;

  shape(record: Readonly<Record<string, unknown>>): Row {
    const row: Row = { ...this.template };
    for (const key in record) {
      const value = record[key];
      const builtinType = this.builtins.get(key);
      if (builtinType !== undefined) {
        if (value === null || value === undefined) {
          row[key] = null;
        } else {
          const cell = convertRaw(value, builtinType);
          row[key] = cell;
          if (cell === null) this.check(key, value, builtinType);
        }
        continue;
      }
      if (key === 'custom_fields' && isPlainObject(value)) {
        for (const fieldKey in value) this.writeCustom(row, fieldKey, value[fieldKey]);
        continue;
      }
      this.writeCustom(row, key, value);
    }
    const deleted = record.is_deleted === true || record.status === 'deleted';
    row._deleted_at = deleted ? toTimestamp(record.update_time ?? record.modified) : null;
    let badKey: string | undefined;
    for (const key of this.input.primaryKey) {
      const cell = row[key];
      if (cell === null || cell === undefined || cell === '') badKey = key;
    }
    if (this.rejected !== null || badKey !== undefined) this.attach(row, record, badKey);
    return row;
  }

  /** Records `value` (non-null, converted to NULL for `column`) unless it means "no value". */
  private check(column: string, value: unknown, type: LogicalType): void {
    if (isBlank(value)) return;
    const original = (toText(value) ?? '').slice(0, MAX_ORIGINAL_CHARS);
    (this.rejected ??= []).push({ column, original, reason: `not a valid ${type}` });
  }

  private attach(row: Row, record: Readonly<Record<string, unknown>>, badKey: string | undefined): void {
    const values = this.rejected ?? [];
    this.rejected = null;
    if (badKey === undefined) {
      const recordId = this.input.primaryKey.map((key) => String(row[key])).join(',');
      attachRejects(row, { recordId, skip: false, values });
      return;
    }
    // No usable key: the record cannot be stored. Its id text when it has one ('abc'), else a
    // digest of the whole record, so that re-reading the same record replaces its reject.
    const raw = record[badKey];
    const json = JSON.stringify(record, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
    const idText = isBlank(raw) ? '' : (toText(raw) ?? '');
    const recordId = idText !== '' ? idText.slice(0, 100) : `#${createHash('sha256').update(json).digest('hex').slice(0, 16)}`;
    const keyReject: ValueReject = {
      column: badKey,
      original: (idText !== '' ? idText : json).slice(0, MAX_ORIGINAL_CHARS),
      reason: `record without a valid ${badKey}: not loaded`,
    };
    attachRejects(row, { recordId, skip: true, values: [keyReject, ...values.filter((v) => v.column !== badKey)] });
  }

  private writeCustom(row: Row, key: string, value: unknown): void {
    const writer = this.writers.get(key);
    if (writer !== undefined) {
      writeCustomValue(writer, row, value);
      if (value !== null && value !== undefined && writer.type !== 'string' && writer.type !== 'string_list') this.checkCustom(writer, row, value);
      return;
    }
    const sub = CUSTOM_SUBFIELD_KEY.test(key) ? this.subKeys.get(key) : undefined;
    if (sub !== undefined) {
      if (value === null || value === undefined) {
        row[sub[0]] = null;
      } else {
        const cell = convertRaw(value, sub[1]);
        row[sub[0]] = cell;
        if (cell === null) this.check(sub[0], value, sub[1]);
      }
      return;
    }
    this.writeInferred(row, key, value);
  }

  /**
   * The typed cells of a custom value (amount, date, time, number, reference, and a range's
   * `until`) that came out NULL from a value that was there. Runs only for non-null values of
   * non-text fields, and allocates nothing unless a value was refused.
   */
  private checkCustom(writer: CustomWriter, row: Row, value: unknown): void {
    // Amounts and ranges come as { value, currency | until }; references are read whole.
    const parts = isPlainObject(value) && writer.kind !== 'reference' && writer.kind !== 'scalar' ? value : undefined;
    if (row[writer.column] === null) this.check(writer.column, parts ? parts.value : value, writer.type);
    const until = parts ? writer.sub.get('until') : undefined;
    if (until !== undefined && row[until] === null) this.check(until, parts?.until, writer.type);
  }

  private writeInferred(row: Row, key: string, value: unknown): void {
    const valueType = inferType(value);
    let entry = this.inferred.get(key);
    if (entry === undefined) {
      if (valueType === null) return; // only nulls so far: nothing to keep, no column yet
      entry = this.addInferred(key);
    }
    if (valueType === null) {
      if (entry.type !== null) row[entry.column] = null;
      return;
    }
    const widened = entry.type === null ? valueType : widenInferred(entry.type, valueType);
    if (widened !== entry.type) {
      if (entry.type === null) entry.mapping = { ...entry.mapping, last_seen_at: this.input.now };
      entry.type = widened;
      this.cachedSpec = undefined;
      this.cachedTemplate = undefined;
      this.changes.push({ name: entry.column, type: widened });
    }
    row[entry.column] = convertRaw(value, widened);
  }

  private addInferred(key: string): InferredColumn {
    // A bare 40-hex key is a custom field with no definition: name it custom_field_<hex8>.
    const candidate = isCustomFieldKey(key) ? fallbackColumnName(key) : candidateColumnName(key, key);
    const column = uniqueName(candidate, this.taken, key);
    this.taken.add(column);
    const mapping: ColumnMapping = {
      table_name: this.table,
      field_key: key,
      subfield: '',
      column_name: column,
      field_name: key,
      field_type: INFERRED_FIELD_TYPE,
      first_seen_at: this.input.now,
      last_seen_at: this.input.now,
    };
    const entry: InferredColumn = { column, type: null, mapping };
    this.inferred.set(key, entry);
    return entry;
  }
}

/** Builds the model of one table from its field definitions and the persisted column map. */
export function buildTableModel(input: TableModelInput): TableModel {
  return new Model(input);
}
