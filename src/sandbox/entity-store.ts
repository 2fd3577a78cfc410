/**
 * One entity's records: generated on demand from (seed, id), with compact typed columns for the
 * attributes that filtering and sorting need, and an overlay Map holding only mutated and
 * inserted records. Untouched records are never materialized except to be served; what list
 * pages serve is kept as JSON bytes (up to SERVED_JSON_CACHE_BYTES) so the next read is a copy.
 */
import type { Core, EntityGenerator, SandboxEntity, SandboxRecord } from './generation-context.js';
import { DEAL_STATUS_NAMES, DealStatus } from './generation-context.js';
import type { Direction, KeyedId, Order, SortKey } from './sort-index.js';
import { IdOrder, SortIndex } from './sort-index.js';
import { parseRfc3339 } from './time.js';

const DELETED = 1;
const ARCHIVED = 2;
const STATUS_SHIFT = 2;

/** Sort fields whose keys come from the typed columns; anything else reads the records. */
const COLUMN_SORTS = new Set(['id', 'add_time', 'update_time']);

export interface ListQuery {
  readonly sortBy: string;
  readonly direction: Direction;
  readonly after?: KeyedId;
  readonly limit: number;
  readonly accept: (id: number) => boolean;
  /** When given (the `ids` parameter), only these ids are considered: no full scan. */
  readonly candidates?: ReadonlySet<number>;
  /** Seconds; with sort_by=update_time they bound the scan instead of filtering it. */
  readonly updatedSince?: number;
  readonly updatedUntil?: number;
}

export interface ListResult {
  readonly ids: number[];
  /** The keyset position of the last id returned, when another page may follow. */
  readonly next?: KeyedId;
}

function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Bytes of served JSON one store keeps (UTF-8). Wide deals serialize to ~4 kB, so a 100,000-deal
 * store fits; past the cap records are rendered on every request, as before the cache existed.
 */
export const SERVED_JSON_CACHE_BYTES = 512 * 1024 * 1024;

export class EntityStore {
  private size: number;
  private addTime: Uint32Array;
  private updateTime: Uint32Array;
  private owner: Uint16Array;
  private visible: Uint8Array;
  private state: Uint8Array;
  private readonly overlay = new Map<number, SandboxRecord>();
  private readonly orders = new Map<string, Order>();
  /** Bumped by every mutation: offset pages may resume from a remembered position only while it is unchanged. */
  private mutations = 0;
  /**
   * Each record's JSON as list pages serve it in their default shape, so paging through a large
   * store costs a copy instead of generating and serializing every record again. An entry is
   * dropped when its record changes (`put`); all of them when the shape changes (`servedJson`).
   */
  private readonly servedCache = new Map<number, Buffer>();
  private servedCacheBytes = 0;
  private servedCacheShape: number | undefined;

  constructor(
    readonly entity: SandboxEntity,
    private readonly generator: EntityGenerator,
    baseCount: number,
  ) {
    this.size = baseCount;
    const capacity = baseCount + 16;
    this.addTime = new Uint32Array(capacity);
    this.updateTime = new Uint32Array(capacity);
    this.owner = new Uint16Array(capacity);
    this.visible = new Uint8Array(capacity);
    this.state = new Uint8Array(capacity);
    for (let id = 1; id <= baseCount; id++) this.setColumns(id, generator.core(id));
  }

  get count(): number {
    return this.size;
  }

  get version(): number {
    return this.mutations;
  }

  private setColumns(id: number, core: Core): void {
    const i = id - 1;
    this.addTime[i] = core.addTime;
    this.updateTime[i] = core.updateTime;
    this.owner[i] = core.ownerId;
    this.visible[i] = core.visibleTo;
    this.state[i] = (core.deleted ? DELETED : 0) | (core.archived ? ARCHIVED : 0) | (core.status << STATUS_SHIFT);
  }

  private grow(): void {
    const capacity = this.addTime.length * 2;
    const grown = <T extends Uint32Array | Uint16Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.addTime = grown(this.addTime, (n) => new Uint32Array(n));
    this.updateTime = grown(this.updateTime, (n) => new Uint32Array(n));
    this.owner = grown(this.owner, (n) => new Uint16Array(n));
    this.visible = grown(this.visible, (n) => new Uint8Array(n));
    this.state = grown(this.state, (n) => new Uint8Array(n));
  }

  has(id: number): boolean {
    return Number.isInteger(id) && id >= 1 && id <= this.size;
  }

  updateTimeOf(id: number): number {
    return this.updateTime[id - 1] ?? 0;
  }
  ownerOf(id: number): number {
    return this.owner[id - 1] ?? 0;
  }
  visibleToOf(id: number): number {
    return this.visible[id - 1] ?? 0;
  }
  isDeleted(id: number): boolean {
    return ((this.state[id - 1] ?? 0) & DELETED) !== 0;
  }
  isArchived(id: number): boolean {
    return ((this.state[id - 1] ?? 0) & ARCHIVED) !== 0;
  }
  /** Deal status as listed: 'deleted' wins over the stored open/won/lost. */
  statusOf(id: number): string {
    if (this.isDeleted(id)) return 'deleted';
    return DEAL_STATUS_NAMES[((this.state[id - 1] ?? 0) >> STATUS_SHIFT) as DealStatus] ?? 'open';
  }

  /** A private copy of the record as served (callers may modify it). */
  get(id: number): SandboxRecord {
    const stored = this.overlay.get(id);
    if (stored) return deepCopy(stored);
    return this.generator.record(id, this.generator.core(id));
  }

  /**
   * The record's served JSON: from the cache, or `render(id)` (whose result must depend only on
   * the record and on `shapeVersion`) encoded and cached while the cache has room.
   */
  servedJson(id: number, shapeVersion: number, render: (id: number) => string): Buffer {
    if (this.servedCacheShape !== shapeVersion) {
      this.servedCache.clear();
      this.servedCacheBytes = 0;
      this.servedCacheShape = shapeVersion;
    }
    const cached = this.servedCache.get(id);
    if (cached) return cached;
    const json = Buffer.from(render(id), 'utf8');
    if (this.servedCacheBytes + json.length <= SERVED_JSON_CACHE_BYTES) {
      this.servedCache.set(id, json);
      this.servedCacheBytes += json.length;
    }
    return json;
  }

  private forgetServed(id: number): void {
    const cached = this.servedCache.get(id);
    if (!cached) return;
    this.servedCache.delete(id);
    this.servedCacheBytes -= cached.length;
  }

  private order(sortBy: string): Order {
    let order = this.orders.get(sortBy);
    if (!order) {
      const count = () => this.size;
      if (sortBy === 'id') order = new IdOrder(count);
      else if (COLUMN_SORTS.has(sortBy)) {
        const column = () => (sortBy === 'add_time' ? this.addTime : this.updateTime);
        order = new SortIndex((id) => column()[id - 1] ?? 0, count, true);
      } else {
        // Small entities only in practice (products by name, stages by order_nr, activities by due_date).
        order = new SortIndex((id) => sortKeyOf(this.get(id)[sortBy]), count, false);
      }
      this.orders.set(sortBy, order);
    }
    return order;
  }

  /** The keyset key a record has under `sortBy`, for cursors. */
  keyOf(id: number, sortBy: string): SortKey {
    if (sortBy === 'id') return id;
    if (sortBy === 'add_time') return this.addTime[id - 1] ?? 0;
    if (sortBy === 'update_time') return this.updateTime[id - 1] ?? 0;
    return sortKeyOf(this.get(id)[sortBy]);
  }

  list(query: ListQuery): ListResult {
    const byUpdate = query.sortBy === 'update_time';
    let after = query.after;
    // Seek straight to the time window instead of scanning records outside it.
    if (byUpdate && query.direction === 'asc' && query.updatedSince !== undefined) {
      const floor = { key: query.updatedSince, id: 0 };
      if (!after || compareTuple(after, floor) < 0) after = floor;
    }
    if (byUpdate && query.direction === 'desc' && query.updatedUntil !== undefined) {
      const ceiling = { key: query.updatedUntil, id: 0 };
      if (!after || compareTuple(after, ceiling) > 0) after = ceiling;
    }
    const ids: number[] = [];
    let last: KeyedId | undefined;
    const entries = query.candidates ? this.scanCandidates(query.candidates, query.sortBy, query.direction, after) : this.order(query.sortBy).scan(query.direction, after);
    for (const entry of entries) {
      if (byUpdate) {
        const key = entry.key as number;
        if (query.direction === 'asc' && query.updatedUntil !== undefined && key >= query.updatedUntil) break;
        if (query.direction === 'desc' && query.updatedSince !== undefined && key < query.updatedSince) break;
      }
      const time = this.updateTime[entry.id - 1] ?? 0;
      if (query.updatedSince !== undefined && time < query.updatedSince) continue;
      if (query.updatedUntil !== undefined && time >= query.updatedUntil) continue;
      if (!query.accept(entry.id)) continue;
      if (ids.length === query.limit) return { ids, next: last };
      ids.push(entry.id);
      last = entry;
    }
    return { ids };
  }

  private *scanCandidates(ids: ReadonlySet<number>, sortBy: string, direction: Direction, after?: KeyedId): Generator<KeyedId> {
    const sign = direction === 'asc' ? 1 : -1;
    const entries = [...ids].filter((id) => this.has(id)).map((id) => ({ key: this.keyOf(id, sortBy), id }));
    entries.sort((a, b) => sign * compareTuple(a, b));
    for (const entry of entries) if (!after || sign * compareTuple(entry, after) > 0) yield entry;
  }

  /** Replaces a record (already patched by the caller) and re-derives its columns. */
  put(id: number, record: SandboxRecord): void {
    if (id > this.size) {
      while (id > this.addTime.length) this.grow();
      this.size = id;
    }
    this.mutations++;
    this.forgetServed(id);
    this.overlay.set(id, deepCopy(record));
    const statusName = String(record.status ?? 'open');
    const status = (DEAL_STATUS_NAMES as readonly string[]).indexOf(statusName);
    const previousStatus = ((this.state[id - 1] ?? 0) >> STATUS_SHIFT) as DealStatus;
    this.setColumns(id, {
      addTime: timeField(record.add_time ?? record.created, this.addTime[id - 1] ?? 0),
      updateTime: timeField(record.update_time ?? record.modified, this.updateTime[id - 1] ?? 0),
      ownerId: ownerOfRecord(record) ?? (this.entity === 'users' ? id : this.owner[id - 1] ?? 0),
      // v1 leads send visible_to as a string ("3").
      visibleTo: Number.isInteger(Number(record.visible_to)) && record.visible_to !== null ? Number(record.visible_to) : this.visible[id - 1] ?? 3,
      deleted: record.is_deleted === true || record[DELETED_MARKER] === true,
      archived: record.is_archived === true,
      status: status >= 0 ? (status as DealStatus) : previousStatus,
    });
    for (const order of this.orders.values()) order.touch(id);
  }

  /** The record a freshly inserted id starts from, before the caller's fields are applied. */
  template(id: number, nowSecond: number): SandboxRecord {
    const core: Core = { addTime: nowSecond, updateTime: nowSecond, ownerId: 1, visibleTo: 3, deleted: false, archived: false, status: DealStatus.open };
    return this.generator.record(id, core);
  }
}

/**
 * Marks a soft-deleted record of an entity whose served shape has no `is_deleted` (leads, notes,
 * v1 lists, projects). Such records are never listed; `serve-entity.ts` strips the marker.
 */
export const DELETED_MARKER = '_sandbox_deleted';

/** The owning user: `owner_id`, or `user_id` for notes, files and call logs, or the first assignee of a task. */
function ownerOfRecord(record: SandboxRecord): number | undefined {
  if (typeof record.owner_id === 'number') return record.owner_id;
  if (typeof record.user_id === 'number') return record.user_id;
  const assignees = record.assignee_ids;
  return Array.isArray(assignees) && typeof assignees[0] === 'number' ? assignees[0] : undefined;
}

function sortKeyOf(value: unknown): SortKey {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value;
  return '';
}

function compareTuple(a: KeyedId, b: KeyedId): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.id - b.id;
}

function timeField(value: unknown, fallback: number): number {
  if (typeof value !== 'string') return fallback;
  // v1 users carry 'YYYY-MM-DD HH:MM:SS' (UTC, no zone).
  const parsed = parseRfc3339(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
  return parsed ?? fallback;
}

