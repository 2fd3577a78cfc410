/**
 * Keyset order over one sort field, built lazily and kept valid under mutations without
 * re-sorting: the base order is an immutable sorted id array, and records whose key changed
 * since (or that were inserted) live in a small sorted "dirty" list merged in while scanning.
 * This keeps a million-record index at ~12 bytes per record and makes mutations O(dirty).
 */
export type SortKey = number | string;

export interface KeyedId {
  readonly key: SortKey;
  readonly id: number;
}

export type Direction = 'asc' | 'desc';

export function compareKeyed(aKey: SortKey, aId: number, bKey: SortKey, bId: number): number {
  if (aKey !== bKey) return aKey < bKey ? -1 : 1;
  return aId - bId;
}

export interface Order {
  /** Ids in order, strictly after `after` in the scan direction, with their current keys. */
  scan(direction: Direction, after?: KeyedId): Generator<KeyedId>;
  /** Tells the order that `id`'s key may have changed (or that `id` is new). */
  touch(id: number): void;
}

/** Sorting by id needs no index: ids are 1..count. */
export class IdOrder implements Order {
  constructor(private readonly count: () => number) {}

  *scan(direction: Direction, after?: KeyedId): Generator<KeyedId> {
    const n = this.count();
    if (direction === 'asc') {
      for (let id = after ? Math.floor(after.id) + 1 : 1; id <= n; id++) yield { key: id, id };
    } else {
      for (let id = after ? Math.min(n, Math.ceil(after.id) - 1) : n; id >= 1; id--) yield { key: id, id };
    }
  }

  touch(): void {}
}

/** Packing (key, id) into one double sorts a million entries without a comparator. */
const ID_BITS = 2 ** 22;

export class SortIndex implements Order {
  private ids: Uint32Array | undefined;
  private baseKeys: Float64Array | SortKey[] = [];
  private readonly dirty = new Map<number, SortKey>();
  private dirtySorted: KeyedId[] = [];

  constructor(
    private readonly keyOf: (id: number) => SortKey,
    private readonly count: () => number,
    private readonly numeric: boolean,
  ) {}

  private build(): Uint32Array {
    const n = this.count();
    const ids = new Uint32Array(n);
    if (this.numeric) {
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = this.keyOf(i + 1) as number;
      const packable = n < ID_BITS && keys.every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 31);
      if (packable) {
        const packed = new Float64Array(n);
        for (let i = 0; i < n; i++) packed[i] = (keys[i] ?? 0) * ID_BITS + i + 1;
        packed.sort();
        for (let i = 0; i < n; i++) {
          const value = packed[i] ?? 0;
          ids[i] = value % ID_BITS;
          keys[i] = Math.floor(value / ID_BITS);
        }
      } else {
        const order = Array.from({ length: n }, (_, i) => i + 1).sort((a, b) => compareKeyed(keys[a - 1] ?? 0, a, keys[b - 1] ?? 0, b));
        const sortedKeys = new Float64Array(n);
        order.forEach((id, i) => {
          ids[i] = id;
          sortedKeys[i] = keys[id - 1] ?? 0;
        });
        keys.set(sortedKeys);
      }
      this.baseKeys = keys;
    } else {
      const keyed = Array.from({ length: n }, (_, i) => ({ key: this.keyOf(i + 1), id: i + 1 }));
      keyed.sort((a, b) => compareKeyed(a.key, a.id, b.key, b.id));
      keyed.forEach((entry, i) => (ids[i] = entry.id));
      this.baseKeys = keyed.map((entry) => entry.key);
    }
    this.dirty.clear();
    this.dirtySorted = [];
    this.ids = ids;
    return ids;
  }

  touch(id: number): void {
    if (!this.ids) return; // not built yet: the build will read current keys
    if (this.dirty.has(id)) {
      const old = this.dirty.get(id) as SortKey;
      const at = this.lowerBound(this.dirtySorted, old, id);
      this.dirtySorted.splice(at, 1);
    }
    const key = this.keyOf(id);
    this.dirty.set(id, key);
    this.dirtySorted.splice(this.lowerBound(this.dirtySorted, key, id), 0, { key, id });
    // Past a point, merging costs more than a rebuild.
    if (this.dirty.size > Math.max(4096, this.ids.length / 16)) this.ids = undefined;
  }

  /** First position whose (key, id) is >= (key, id). */
  private lowerBound(list: readonly KeyedId[], key: SortKey, id: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const entry = list[mid] as KeyedId;
      if (compareKeyed(entry.key, entry.id, key, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First base position whose (key, id) is > (key, id) when `strict`, else >=. */
  private baseBound(ids: Uint32Array, key: SortKey, id: number, strict: boolean): number {
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compareKeyed(this.baseKeys[mid] as SortKey, ids[mid] as number, key, id);
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  *scan(direction: Direction, after?: KeyedId): Generator<KeyedId> {
    const ids = this.ids ?? this.build();
    const asc = direction === 'asc';
    const step = asc ? 1 : -1;
    // Positions of the first candidate in each list, in scan direction.
    let b = after ? (asc ? this.baseBound(ids, after.key, after.id, true) : this.baseBound(ids, after.key, after.id, false) - 1) : asc ? 0 : ids.length - 1;
    const dirtyAll = this.dirtySorted;
    let d = after
      ? asc
        ? this.upperBound(dirtyAll, after.key, after.id)
        : this.lowerBound(dirtyAll, after.key, after.id) - 1
      : asc ? 0 : dirtyAll.length - 1;
    for (;;) {
      // The index may be rebuilt by a touch while the caller pauses the generator; stop then.
      if (this.ids !== ids) return;
      while (b >= 0 && b < ids.length && this.dirty.has(ids[b] as number)) b += step;
      const baseEntry = b >= 0 && b < ids.length ? { key: this.baseKeys[b] as SortKey, id: ids[b] as number } : undefined;
      const dirtyEntry = dirtyAll[d];
      if (!baseEntry && !dirtyEntry) return;
      const takeBase = baseEntry && (!dirtyEntry || compareKeyed(baseEntry.key, baseEntry.id, dirtyEntry.key, dirtyEntry.id) * step < 0);
      if (takeBase) {
        b += step;
        yield baseEntry;
      } else if (dirtyEntry) {
        d += step;
        yield dirtyEntry;
      }
    }
  }

  private upperBound(list: readonly KeyedId[], key: SortKey, id: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const entry = list[mid] as KeyedId;
      if (compareKeyed(entry.key, entry.id, key, id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
