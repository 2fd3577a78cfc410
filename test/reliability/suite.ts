/**
 * The reliability suite for one target (`reliability-duckdb.test.ts`, `reliability-postgres.test.ts`,
 * one file each so the two run side by side): the loader attacked the way real systems fail,
 * through the real CLI against the sandbox. Prints the totals: kills survived, source faults
 * survived, hostile values loaded or rejected, drift healed, rows lost, rows duplicated. Lost and
 * duplicated must be zero. `npm run test:reliability` runs both.
 *
 * RELIABILITY_SEED picks other kill points (default 1); the seed is printed with the totals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { KILL_SCENARIOS, runKillScenario } from './kills.js';
import { DRIFT_CASES, runDriftScenario } from './drift.js';
import { runHostileScenario } from './hostile.js';
import { runFaultScenario } from './source-faults.js';
import { formatTally, newTally, sandboxIds, seededRandom, type ReliabilityTarget } from './harness.js';

const SEED = Number(process.env['RELIABILITY_SEED'] ?? 1);

export function reliabilitySuite(name: 'duckdb' | 'postgres', makeTarget: () => Promise<ReliabilityTarget>): void {
  const tally = newTally();
  const killed: string[] = [];

  afterAll(() => {
    // Printed whatever happened, so a failing run still shows what it survived.
    process.stdout.write(`\n${formatTally(tally, name)}\n  seed ${SEED}; kill points: ${killed.join('; ')}\n`);
  });

  describe(`reliability on ${name}`, () => {
    let target: ReliabilityTarget;
    let sandbox: Sandbox;
    let ids: Map<SandboxEntity, number[]>;
    const random = seededRandom(SEED * 7919 + (name === 'duckdb' ? 1 : 2));

    beforeAll(async () => {
      target = await makeTarget();
      sandbox = await startSandbox({ seed: 40 + SEED, deals: 1_200 });
      ids = await sandboxIds(sandbox);
    });

    afterAll(async () => {
      await sandbox?.close();
      await target?.dispose();
    });

    for (const scenario of KILL_SCENARIOS) {
      it(`survives a SIGKILL at ${scenario.point} on a ${scenario.phase} load`, async () => {
        killed.push(await runKillScenario(target, sandbox, scenario, random, ids, tally));
      }, 180_000);
    }

    it('loads or rejects every hostile value, and loads the rest of the batch', async () => {
      await runHostileScenario(target, sandbox, tally);
    }, 180_000);

    for (const [index, drift] of DRIFT_CASES.entries()) {
      it(`heals ${drift.name}`, async () => {
        await runDriftScenario(target, sandbox, drift, index, tally);
      }, 180_000);
    }

    for (const round of [1, 2]) {
      it(`survives every transient source fault on a ${round === 1 ? 'first' : 'incremental'} load`, async () => {
        await runFaultScenario(target, sandbox, round, ids, tally);
      }, 180_000);
    }

    it('lost and duplicated nothing', () => {
      expect({ lost: tally.rowsLost, duplicated: tally.rowsDuplicated }).toEqual({ lost: 0, duplicated: 0 });
    });
  });
}
