/**
 * Hostile values in ordinary records: text that looks like SQL, quotes, backslashes, emoji and
 * very long strings; numbers and timestamps at the edge of their types; and values no column of
 * their type can hold (dates that do not exist, 25:61, amounts of 10^29 and more). Each one must
 * either be loaded exactly or be NULL and recorded in _loader_rejects; every other value and row
 * of the same batch loads as usual.
 */
import { expect } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { record, verify, type ReliabilityTarget, type Tally } from './harness.js';

interface HostileValue {
  readonly id: number;
  /** A built-in key, or `custom:<field type>` for the first custom deal field of that type. */
  readonly key: string;
  readonly value: unknown;
}

/** Deal ids taken for hostile values: small ids, present in every sandbox size. */
const HOSTILE: readonly HostileValue[] = [
  { id: 3, key: 'title', value: `Robert'); DROP TABLE deals; --` },
  { id: 3, key: 'custom:varchar', value: 'quote " backslash \\ tab \t newline \n emoji 🦆 and $$ dollar $$' },
  { id: 4, key: 'title', value: 'x'.repeat(20_000) },
  { id: 4, key: 'custom:double', value: 1e-9 },
  { id: 5, key: 'add_time', value: '1970-01-01T00:00:00Z' },
  { id: 5, key: 'custom:date', value: '2024-02-29' },
  { id: 6, key: 'add_time', value: '2024-02-30T00:00:00Z' },
  { id: 6, key: 'expected_close_date', value: '0000-00-00' },
  { id: 6, key: 'value', value: 1e30 },
  { id: 7, key: 'custom:time', value: '25:61' },
  { id: 7, key: 'close_time', value: '0000-00-00 00:00:00' },
  { id: 8, key: 'custom:monetary', value: { value: 1e29, currency: 'EUR' } },
];

function fieldCode(sandbox: Sandbox, type: string): string {
  const field = sandbox.fields('deal').find((f) => f.is_custom_field && f.field_type === type);
  if (!field) throw new Error(`the sandbox has no ${type} deal field`);
  return field.field_code;
}

export function poisonDeals(sandbox: Sandbox): number {
  sandbox.clock.advance(60);
  for (const hostile of HOSTILE) {
    const patch = hostile.key.startsWith('custom:')
      ? { custom_fields: { [fieldCode(sandbox, hostile.key.slice('custom:'.length))]: hostile.value } }
      : { [hostile.key]: hostile.value };
    sandbox.mutate.update('deals', hostile.id, patch);
  }
  return HOSTILE.length;
}

export async function runHostileScenario(target: ReliabilityTarget, sandbox: Sandbox, tally: Tally): Promise<void> {
  const schema = 'hostile_values';
  const base = await target.load(sandbox, schema);
  expect(base.code, base.stderr).toBe(0);
  const count = poisonDeals(sandbox);
  tally.hostileValues += count;
  const result = await target.load(sandbox, schema);
  expect(result.code, `${result.stdout.slice(-1500)}\n${result.stderr}`).toBe(0);
  // Every value either equals the sandbox's, or is NULL with a reject that names it.
  const verdict = await verify(target, sandbox, schema);
  if (record(tally, verdict)) tally.hostileLoadedOrRejected += count;
  expect(verdict.examples).toEqual([]);
  const rejects = await target.sql(`SELECT count(*) AS n FROM "${schema}"."_loader_rejects" WHERE table_name = 'deals'`);
  expect(Number(rejects[0]?.['n'])).toBeGreaterThanOrEqual(6);
}
