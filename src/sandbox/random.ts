/**
 * Deterministic randomness for the sandbox. Every record is derived from (seed, entity, id)
 * alone, so record 999,999 can be produced without producing the ones before it, and a
 * mutation of one record never shifts the values of another.
 */
import { createHash } from 'node:crypto';

/** Mixes integers into one 32-bit hash (murmur3-style finalizer per part). */
export function hash32(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(part | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // Fold in the high bits of large parts (ids beyond 2^32 never occur, but seeds may).
    h ^= Math.floor(part / 4294967296) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small, fast PRNG (mulberry32). */
export class Rng {
  private state: number;

  constructor(...seedParts: readonly number[]) {
    this.state = hash32(...seedParts);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** A value rounded to `decimals` places, uniformly in [min, max). */
  decimal(min: number, max: number, decimals: number): number {
    const scale = 10 ** decimals;
    return Math.round((min + this.next() * (max - min)) * scale) / scale;
  }
}

/** A Pipedrive-style 40-hex custom field key, stable for (seed, entity, ordinal). */
export function fieldKey(seed: number, entity: string, ordinal: number | string): string {
  return createHash('sha1').update(`sandbox:${seed}:${entity}:${ordinal}`).digest('hex');
}

/** Stable small integer code for an entity name, used as a hash part. */
export function entityCode(entity: string): number {
  let code = 0;
  for (let i = 0; i < entity.length; i++) code = (Math.imul(code, 31) + entity.charCodeAt(i)) | 0;
  return code >>> 0;
}
