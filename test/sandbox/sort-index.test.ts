import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sandbox/random.js';
import type { Direction, KeyedId, SortKey } from '../../src/sandbox/sort-index.js';
import { compareKeyed, IdOrder, SortIndex } from '../../src/sandbox/sort-index.js';

function bruteForce(keys: Map<number, SortKey>, direction: Direction, after?: KeyedId): number[] {
  const entries = [...keys].map(([id, key]) => ({ id, key }));
  entries.sort((a, b) => compareKeyed(a.key, a.id, b.key, b.id));
  if (direction === 'desc') entries.reverse();
  const sign = direction === 'asc' ? 1 : -1;
  return entries.filter((e) => !after || sign * compareKeyed(e.key, e.id, after.key, after.id) > 0).map((e) => e.id);
}

function check(index: SortIndex, keys: Map<number, SortKey>, rng: Rng): void {
  for (const direction of ['asc', 'desc'] as const) {
    expect([...index.scan(direction)].map((e) => e.id)).toEqual(bruteForce(keys, direction));
    for (let i = 0; i < 5; i++) {
      const id = rng.int(1, keys.size);
      const after = { key: keys.get(id) as SortKey, id };
      expect([...index.scan(direction, after)].map((e) => e.id)).toEqual(bruteForce(keys, direction, after));
    }
  }
}

describe('SortIndex', () => {
  it.each([
    ['numeric, packed', true, (rng: Rng) => rng.int(0, 50)],
    ['numeric, not packable', true, (rng: Rng) => rng.decimal(-5, 5, 1)],
    ['strings', false, (rng: Rng) => rng.pick(['a', 'b', 'c', 'Zed', 'ä'])],
  ] as const)('%s: scans equal a brute-force sort through touches, inserts and rebuilds', (_name, numeric, draw) => {
    const rng = new Rng(42);
    const keys = new Map<number, SortKey>();
    for (let id = 1; id <= 300; id++) keys.set(id, draw(rng));
    const index = new SortIndex((id) => keys.get(id) as SortKey, () => keys.size, numeric);
    check(index, keys, rng);
    // Enough touches to cross the rebuild threshold, with inserted ids among them.
    for (let n = 0; n < 5_000; n++) {
      const id = rng.chance(0.01) ? keys.size + 1 : rng.int(1, keys.size);
      keys.set(id, draw(rng));
      index.touch(id);
      if (n % 1_250 === 0) check(index, keys, rng);
    }
    check(index, keys, rng);
  });

  it('IdOrder walks ids from a cursor both ways', () => {
    const order = new IdOrder(() => 5);
    expect([...order.scan('asc', { key: 2, id: 2 })].map((e) => e.id)).toEqual([3, 4, 5]);
    expect([...order.scan('desc', { key: 4, id: 4 })].map((e) => e.id)).toEqual([3, 2, 1]);
    expect([...order.scan('desc')].map((e) => e.id)).toEqual([5, 4, 3, 2, 1]);
  });
});
