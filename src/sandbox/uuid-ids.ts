/**
 * UUID ids for the entities whose real ids are UUIDs (leads, lead labels) and hex ids (call logs,
 * goals). Internally every record still has a dense integer id (its store slot); the public id
 * is derived from (seed, entity, slot) and encodes the slot in its last group, so a filter such
 * as `lead_id=<uuid>` maps back to the slot without an index, and a forged id is rejected.
 */
import { entityCode, hash32 } from './random.js';

function hex(value: number, digits: number): string {
  return (value >>> 0).toString(16).padStart(8, '0').slice(-digits);
}

/** A version-4-shaped UUID whose last 12 hex digits are the slot number. */
export function uuidOf(seed: number, entity: string, slot: number): string {
  const code = entityCode(entity);
  const a = hash32(seed, code, slot, 1);
  const b = hash32(seed, code, slot, 2);
  const c = hash32(seed, code, slot, 3);
  const variant = '89ab'[c & 3] ?? '8';
  return `${hex(a, 8)}-${hex(b, 4)}-4${hex(b >>> 16, 3)}-${variant}${hex(c >>> 4, 3)}-${slot.toString(16).padStart(12, '0')}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-([0-9a-f]{12})$/;

/** The slot a UUID made by `uuidOf` stands for, or undefined for any other string. */
export function slotOfUuid(seed: number, entity: string, uuid: string): number | undefined {
  const match = UUID.exec(uuid.toLowerCase());
  if (!match?.[1]) return undefined;
  const slot = parseInt(match[1], 16);
  return slot >= 1 && uuidOf(seed, entity, slot) === uuid.toLowerCase() ? slot : undefined;
}

/** Call-log style ids: 'CA' + 28 hex, unique per slot. */
export function callLogIdOf(seed: number, slot: number): string {
  const code = entityCode('callLogs');
  return `CA${hex(hash32(seed, code, slot, 1), 8)}${hex(hash32(seed, code, slot, 2), 8)}${slot.toString(16).padStart(12, '0')}`;
}

/** Goal ids: 32 hex digits, unique per slot. */
export function goalIdOf(seed: number, slot: number): string {
  const code = entityCode('goals');
  return `${hex(hash32(seed, code, slot, 1), 8)}${hex(hash32(seed, code, slot, 2), 8)}${hex(hash32(seed, code, slot, 3), 8)}${slot.toString(16).padStart(8, '0')}`;
}

/** The millisecond part of an RFC3339-ms timestamp: stable for (record, second), so re-serving never changes it. */
export function millisOf(seed: number, entity: string, slot: number, second: number): number {
  return hash32(seed, entityCode(entity), slot, second) % 1000;
}
