/**
 * Field metadata between its cadence reads (list-cadence.ts). A run whose field metadata is not
 * due takes the definitions the last read stored in the `<entity>_fields` tables, which is what
 * Pipedrive said then. A field or option created since then is caught when a record uses it:
 * before a page is shaped, its records are checked against the definitions in use, and a custom
 * field key or an option id they do not know makes the run read that entity's field metadata
 * again (once per entity and run) and rebuild the tables' models, so the field gets its column,
 * named from its name, and the option its label, before any row of that page is written.
 *
 * A key the refreshed metadata still does not describe (Pipedrive hides a few) is loaded as an
 * inferred column, as before; its mapping is then remembered in `_loader_columns`, which counts as
 * known, so later runs do not re-read the metadata for it again and again.
 */
import type { WarehouseClient } from '../../adapters/types.js';
import { fieldDefinitionsFromRows } from '../dbt/field-rows.js';
import { fieldsStreamFor, type FieldEntity, type MetadataEntity, type StreamDefinition } from '../pipedrive/catalog.js';
import { isCustomFieldKey, type FieldDefinition } from '../pipedrive/fields.js';
import { fetchFieldDefinitions } from '../pipedrive/paginate.js';
import type { ColumnMapping } from '../schema/column-map.js';
import { buildTableModel } from '../schema/shape.js';
import { commitBatch, withSystemColumns, type LoadContext } from './context.js';
import { markMissing } from './deletes.js';
import { listedKey } from './list-cadence.js';
import { finishStats } from './stream-loader.js';

/** The columns of a `<entity>_fields` table that make a FieldDefinition. */
const DEFINITION_COLUMNS = [
  'field_code',
  'field_name',
  'field_type',
  'description',
  'options',
  'subfields',
  'is_custom_field',
  'is_optional_response_field',
] as const;

/**
 * The definitions the last read of an entity's field metadata stored, or undefined when the table
 * holds none (never loaded, emptied or dropped by hand): then the metadata must be read again.
 */
export async function storedFieldDefinitions(
  warehouse: WarehouseClient,
  schema: string,
  entity: MetadataEntity,
): Promise<FieldDefinition[] | undefined> {
  const { dialect } = warehouse;
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const rows = await warehouse.query(
    `SELECT ${DEFINITION_COLUMNS.map(q).join(', ')} FROM ${dialect.qualify({ schema, name: `${entity}_fields` })} ` +
      `WHERE ${q('_deleted_at')} IS NULL`,
  );
  const definitions = fieldDefinitionsFromRows(rows);
  return definitions.length === 0 ? undefined : definitions;
}

/** What the definitions in use know: field code → the option ids of an enum or set field (else null). */
type KnownFields = Map<string, ReadonlySet<string> | null>;

function knownFieldsOf(definitions: readonly FieldDefinition[], alsoKnown: Iterable<string>, unresolved: readonly string[]): KnownFields {
  const known: KnownFields = new Map();
  for (const key of alsoKnown) known.set(key, null);
  for (const definition of definitions) {
    const optioned = definition.field_type === 'enum' || definition.field_type === 'set';
    known.set(definition.field_code, optioned ? new Set((definition.options ?? []).map((option) => String(option.id))) : null);
  }
  for (const item of unresolved) {
    const [key = '', id] = item.split('=');
    const options = known.get(key);
    if (id === undefined) known.set(key, options ?? null);
    else if (options instanceof Set) options.add(id);
    else if (options === undefined) known.set(key, new Set([id]));
  }
  return known;
}

/**
 * The `_loader_state` key listing what a re-read of an entity's field metadata did not explain
 * (an option deleted in Pipedrive that old records still name, a field the metadata hides), as a
 * JSON array of `<key>` and `<key>=<option id>`: counted as known, so a record that keeps naming
 * one does not cost a re-read every run. Its value is loaded as before (the id as text, an
 * inferred column).
 */
export function unresolvedKey(entity: MetadataEntity): string {
  return `${entity}_fields#unresolved`;
}

function parseUnresolved(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The first option id `value` names that `options` lacks, as text; undefined when it knows them
 * all. Values: a v2 id or id list, a v1 id text or comma list, `{ id }` objects, in the order the
 * value lists them. Runs on every custom value of every record read, so it walks the value in
 * place and builds no list: only an unknown id, a part of a comma list, and the text of a number
 * missing from V8's number-string cache allocate.
 */
function unknownOption(options: ReadonlySet<string>, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return unknownInIdText(options, value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unknownOption(options, value[i]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  // An `{ id }` object's id is one id, even text with a comma in it.
  const id = typeof value === 'object' ? (value as Record<string, unknown>).id : value;
  if (id === null || id === undefined) return undefined;
  const text = String(id);
  return options.has(text) ? undefined : text;
}

/** The first id of a v1 id text or comma list (`'5'`, `'5, 6'`) that `options` lacks; blank parts name none. */
function unknownInIdText(options: ReadonlySet<string>, text: string): string | undefined {
  for (let start = 0; start <= text.length; ) {
    const comma = text.indexOf(',', start);
    const end = comma === -1 ? text.length : comma;
    // slice and trim return `text` itself when there is nothing to cut: a single id allocates nothing.
    const id = text.slice(start, end).trim();
    if (id !== '' && !options.has(id)) return id;
    start = end + 1;
  }
  return undefined;
}

function describe(what: string): string {
  const [key, id] = what.split('=');
  return id === undefined ? `custom field ${key}` : `option ${id} of custom field ${key}`;
}

const SUBFIELD_KEY = /^[0-9a-f]{40}_[a-z0-9_]+$/;

const isEmpty = (value: unknown): boolean => value === null || value === undefined || value === '';

/** `key` when the known fields do not describe it, `<key>=<id>` for an option they lack; else undefined. */
function unknownValue(known: KnownFields, key: string, value: unknown): string | undefined {
  if (isEmpty(value)) return undefined;
  const options = known.get(key);
  if (options === undefined) return key;
  if (options === null) return undefined;
  const id = unknownOption(options, value);
  return id === undefined ? undefined : `${key}=${id}`;
}

/**
 * The first value in `record` the known fields do not cover: `<key>` for a field, `<key>=<id>`
 * for an option; undefined when all is known. An empty value loses nothing, so it needs nothing:
 * v2 lists a new field's key with null on every record until someone fills it in.
 */
function unknownIn(known: KnownFields, record: Readonly<Record<string, unknown>>, v1: boolean): string | undefined {
  if (!v1) {
    const custom = record.custom_fields;
    if (typeof custom !== 'object' || custom === null) return undefined;
    for (const key in custom) {
      const found = unknownValue(known, key, (custom as Record<string, unknown>)[key]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  // v1 (leads): custom values are top-level keys, with `<key>_<subfield>` companions.
  for (const key in record) {
    if (isCustomFieldKey(key)) {
      const found = unknownValue(known, key, record[key]);
      if (found !== undefined) return found;
      continue;
    }
    // Emptiness first: it is cheaper than the pattern, and an empty companion needs nothing.
    if (isEmpty(record[key]) || !SUBFIELD_KEY.test(key)) continue;
    const parent = key.slice(0, 40);
    if (!known.has(parent)) return parent;
  }
  return undefined;
}

/** Every unknown value in `records`, each once; marks them known in `known` (its entries, not their sets) as it goes. */
function collectUnknown(known: KnownFields, records: readonly Readonly<Record<string, unknown>>[], v1: boolean): string[] {
  const found: string[] = [];
  for (const record of records) {
    for (let what = unknownIn(known, record, v1); what !== undefined; what = unknownIn(known, record, v1)) {
      found.push(what);
      const [key = '', id] = what.split('=');
      const options = known.get(key);
      // A new set, never the one in `known`: a caller may pass a shallow copy to look without changing.
      known.set(key, id === undefined ? (options ?? null) : new Set([...(options ?? []), id]));
    }
  }
  return found;
}

/** What in `records` the definitions do not describe (`<key>`, `<key>=<option id>`): the check before shaping, alone. */
export function unknownFieldValues(
  definitions: readonly FieldDefinition[],
  records: readonly Readonly<Record<string, unknown>>[],
  api: 'v1' | 'v2',
): string[] {
  return collectUnknown(knownFieldsOf(definitions, [], []), records, api === 'v1');
}

/**
 * The field metadata of one run: the definitions in use per entity, and the re-read a record with
 * something unknown triggers. `fields` is the run's own map, updated in place, so the pipeline,
 * the models it builds and this class agree.
 */
export class FieldMetadata {
  private readonly known = new Map<MetadataEntity, KnownFields>();
  private readonly refreshes = new Map<FieldEntity, Promise<void>>();
  private readonly unresolved = new Map<MetadataEntity, Set<string>>();

  constructor(
    private readonly fields: Map<MetadataEntity, FieldDefinition[]>,
    /** `_loader_columns` as read at the start: keys already given a column count as known. */
    private readonly persisted: readonly ColumnMapping[],
    /** `_loader_state` as read at the start (for `unresolvedKey`). */
    state: ReadonlyMap<string, string>,
    private readonly streams: readonly StreamDefinition[],
    /** Entities whose metadata this run read from Pipedrive already: a record cannot need a second read. */
    private readonly fresh: Set<MetadataEntity>,
    /** False for a token that may not see everything: no field is marked deleted (preflight.ts). */
    private readonly inferDeletes: boolean,
  ) {
    for (const [entity, definitions] of fields) {
      const unresolved = parseUnresolved(state.get(unresolvedKey(entity)));
      this.unresolved.set(entity, new Set(unresolved));
      this.known.set(entity, knownFieldsOf(definitions, this.mappedKeys(entity), unresolved));
    }
  }

  /** Keys `_loader_columns` maps for the tables shaped by an entity's fields (deleted and inferred fields too). */
  private mappedKeys(entity: MetadataEntity): string[] {
    const tables = new Set(this.streams.filter((stream) => stream.fieldsOf === entity).map((stream) => stream.table));
    return this.persisted.filter((mapping) => tables.has(mapping.table_name)).map((mapping) => mapping.field_key);
  }

  /**
   * Before a page of `stream` is shaped: re-reads the field metadata its records need. Resolves
   * once the models of the tables that entity shapes are rebuilt (or at once: the common case).
   */
  async beforeShaping(context: LoadContext, stream: StreamDefinition, records: readonly Readonly<Record<string, unknown>>[]): Promise<void> {
    const entity = stream.fieldsOf;
    if (entity === undefined) return;
    await this.refreshes.get(entity);
    const v1 = stream.api === 'v1';
    const before = this.known.get(entity);
    if (before === undefined) return;
    // Checked on a copy first: the common page knows everything and changes nothing.
    let found = collectUnknown(new Map(before), records, v1);
    if (found.length === 0) return;
    if (!this.fresh.has(entity)) {
      this.fresh.add(entity);
      const first = found[0] ?? '';
      const refresh = this.refresh(context, entity, `${stream.name}: a record carries ${describe(first)}`);
      this.refreshes.set(entity, refresh);
      await refresh;
    }
    // What the metadata just read does not explain either is remembered (unresolvedKey).
    const known = this.known.get(entity) ?? before;
    found = collectUnknown(known, records, v1);
    if (found.length > 0) await this.remember(context, entity, found);
  }

  private async remember(context: LoadContext, entity: MetadataEntity, found: readonly string[]): Promise<void> {
    const unresolved = this.unresolved.get(entity) ?? new Set<string>();
    for (const item of found) unresolved.add(item);
    this.unresolved.set(entity, unresolved);
    const value = JSON.stringify([...unresolved].sort());
    await context.writes.run(() =>
      context.warehouse.transaction((session) => context.store.saveBookmark(session, unresolvedKey(entity), value, context.loadId)),
    );
  }

  private async refresh(context: LoadContext, entity: FieldEntity, why: string): Promise<void> {
    const stream = fieldsStreamFor(entity);
    context.reporter.info('fields_refreshed', `${why}, unknown to the stored field metadata: reading ${stream.name} again before loading it.`, {
      stream: stream.name,
    });
    const definitions = await fetchFieldDefinitions(context.pipedrive, entity);
    this.fields.set(entity, definitions);
    // One slot of the write queue: no batch commits while the models change.
    await context.writes.run(async () => {
      const persisted = await context.store.readColumnMappings();
      const tables = [...new Set(this.streams.filter((s) => s.fieldsOf === entity).map((s) => s.table))];
      const models = tables.flatMap((table) => {
        const old = context.models.get(table);
        if (old === undefined) return [];
        return [buildTableModel({ table, primaryKey: old.spec.primaryKey, fields: definitions, persisted, now: context.loadedAt })];
      });
      const added = await context.sync.ensure(new Map(models.map((model) => [model.table, model])));
      for (const model of models) context.models.set(model.table, model);
      for (const [table, count] of added) {
        const writer = this.streams.find((s) => s.table === table && !s.describes);
        if (writer !== undefined) context.statsFor(writer.name, table).columnsAdded += count;
      }
      const mapped = persisted.filter((m) => tables.includes(m.table_name)).map((m) => m.field_key);
      this.known.set(entity, knownFieldsOf(definitions, mapped, [...(this.unresolved.get(entity) ?? [])]));
    });
    await writeFieldTable(context, entity, definitions, this.inferDeletes);
  }
}

/**
 * Writes an entity's field definitions, just read from Pipedrive, to its `<entity>_fields` table
 * with the time they were read (`<entity>_fields#listed_at`, same transaction), then marks the
 * fields Pipedrive no longer lists as deleted (the metadata is always listed in full).
 */
export async function writeFieldTable(
  context: LoadContext,
  entity: MetadataEntity,
  definitions: readonly FieldDefinition[],
  inferDeletes: boolean,
): Promise<void> {
  const table = `${entity}_fields`;
  const model = context.models.get(table);
  if (!model) return;
  const stats = context.statsFor(table, table);
  const started = Date.now();
  const rows = definitions.map((definition) => withSystemColumns(context, model.shape(definition as unknown as Record<string, unknown>)));
  stats.records += rows.length;
  stats.pages += 1;
  await commitBatch(context, stats, model, rows, undefined, (session) =>
    context.store.saveBookmark(session, listedKey(table), context.loadedAt, context.loadId),
  );
  if (inferDeletes) stats.deleted += await markMissing(context, table, definitions.map((definition) => definition.field_code));
  stats.status = 'loaded';
  finishStats(context, fieldsStreamFor(entity), stats, started); // its stream_finished line, like every stream's
}
