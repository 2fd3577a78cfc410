/**
 * Drift made by hand in the warehouse between two loads: a table dropped, rows deleted, a column
 * the loader made dropped, the loader's own state table dropped. The next load must notice each
 * and heal it (re-read the table, restore rows through the key scan, recreate the loader tables),
 * so that the warehouse equals the sandbox again rather than "succeeding" over a hole.
 */
import { expect } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { record, verify, type ReliabilityTarget, type Tally } from './harness.js';

interface DriftCase {
  readonly name: string;
  /** SQL statements that damage the schema, given its name. */
  damage(target: ReliabilityTarget, schema: string): Promise<string[]>;
}

export const DRIFT_CASES: readonly DriftCase[] = [
  { name: 'a dropped table', damage: async (_target, schema) => [`DROP TABLE "${schema}"."persons"`] },
  {
    name: 'rows deleted by hand',
    damage: async (_target, schema) => [`DELETE FROM "${schema}"."deals" WHERE id IN (SELECT id FROM "${schema}"."deals" ORDER BY id LIMIT 25)`],
  },
  {
    name: 'a dropped custom-field column',
    damage: async (target, schema) => {
      const [mapped] = await target.sql(
        `SELECT column_name FROM "${schema}"."_loader_columns" WHERE table_name = 'organizations' AND subfield = '' ORDER BY column_name LIMIT 1`,
      );
      const column = String(mapped?.['column_name']);
      return [`ALTER TABLE "${schema}"."organizations" DROP COLUMN "${column.replaceAll('"', '""')}"`];
    },
  },
  { name: 'a dropped _loader_state', damage: async (_target, schema) => [`DROP TABLE "${schema}"."_loader_state"`] },
];

export async function runDriftScenario(target: ReliabilityTarget, sandbox: Sandbox, drift: DriftCase, index: number, tally: Tally): Promise<void> {
  const schema = `drift_${index}`;
  const base = await target.load(sandbox, schema);
  expect(base.code, base.stderr).toBe(0);
  for (const sql of await drift.damage(target, schema)) await target.sql(sql);
  tally.driftCases += 1;
  // The key scan is what restores rows deleted by hand: ask for it on this run.
  const healed = await target.load(sandbox, schema, ['--reconcile-deletes', 'always']);
  expect(healed.code, `${drift.name}\n${healed.stdout.slice(-1500)}\n${healed.stderr}`).toBe(0);
  const verdict = await verify(target, sandbox, schema);
  if (record(tally, verdict)) tally.driftHealed += 1;
  expect(verdict.examples, drift.name).toEqual([]);
}
