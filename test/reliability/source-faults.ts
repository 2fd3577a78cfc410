/**
 * Source faults through the real CLI: every transient fault the sandbox can inject, each armed a
 * fixed number of times on the routes a load reads, so that every one is known to have fired. The
 * load must retry through all of them, exit 0, and leave exactly the sandbox in the warehouse.
 * (The retry policy itself is unit-tested; test/integration/extract-with-faults.test.ts covers
 * every stream through the client.)
 */
import { expect } from 'vitest';
import type { FaultSpec } from '../../src/sandbox/faults.js';
import type { Sandbox, SandboxEntity } from '../../src/sandbox/index.js';
import { mutateSome, record, verify, type ReliabilityTarget, type Tally } from './harness.js';

/**
 * Faults that a load must survive, with the route each one hits. Each fires once, on the first
 * request for its route that no earlier fault took: faults on one route hit the retries of the
 * same request one after another, at most three in a row (six attempts are allowed).
 */
export const SURVIVABLE_FAULTS: readonly FaultSpec[] = [
  { kind: '500', path: '/api/v2/deals', times: 1 },
  { kind: '524', path: '/api/v2/deals', times: 1 },
  { kind: 'drop', path: '/api/v2/deals', times: 1 },
  { kind: '502', path: '/api/v2/persons', times: 1 },
  { kind: 'truncated', path: '/api/v2/persons', times: 1 },
  { kind: '503', path: '/api/v2/organizations', times: 1 },
  { kind: 'non-json', path: '/api/v2/organizations', times: 1 },
  { kind: '504', path: '/api/v2/dealFields', times: 1 },
  { kind: '429-burst', path: '/api/v2/personFields', times: 1 },
  { kind: 'slow', path: '/api/v2/organizationFields', times: 1, delayMs: 300 },
];

export async function runFaultScenario(
  target: ReliabilityTarget,
  sandbox: Sandbox,
  round: number,
  ids: ReadonlyMap<SandboxEntity, readonly number[]>,
  tally: Tally,
): Promise<void> {
  const schema = `faults_${round}`;
  if (round > 1) {
    // The incremental round: a clean first load, then changes read through the faults.
    const base = await target.load(sandbox, schema);
    expect(base.code).toBe(0);
    mutateSome(sandbox, ids, 10 + round, 150);
  }
  for (const fault of SURVIVABLE_FAULTS) sandbox.faults.inject(fault);
  tally.faults += SURVIVABLE_FAULTS.length;
  try {
    const result = await target.load(sandbox, schema);
    expect(result.code, `${result.stdout.slice(-1500)}\n${result.stderr}`).toBe(0);
    // Every armed fault fired: a fault that never fired proves nothing.
    expect(sandbox.faults.pending).toBe(0);
  } finally {
    sandbox.faults.clear();
  }
  const verdict = await verify(target, sandbox, schema);
  if (record(tally, verdict)) tally.faultsSurvived += SURVIVABLE_FAULTS.length;
  expect(verdict.examples).toEqual([]);
}
