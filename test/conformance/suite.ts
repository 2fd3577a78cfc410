/**
 * The adapter conformance suite: one set of tests that every warehouse adapter must pass, written
 * only against the adapter contract (adapters/types.ts) and the generic load, plan and state code.
 * A test file calls `conformanceSuite` with a subject that says how to reach a fresh target:
 * see duckdb.test.ts and postgres.test.ts. As in dbt's adapter test suite, "supports warehouse X"
 * means "passes this suite".
 */
import { describe } from 'vitest';
import { backfillCases } from './backfill-cases.js';
import { useConformanceContext, type ConformanceSubject } from './context.js';
import { historyCases } from './history-cases.js';
import { mergeCases } from './merge-cases.js';
import { stateCases } from './state-cases.js';
import { valueCases } from './value-cases.js';

export type { ConformanceSubject } from './context.js';

export function conformanceSuite(subject: ConformanceSubject): void {
  describe(`adapter conformance: ${subject.name}`, () => {
    const ctx = useConformanceContext(subject);
    mergeCases(ctx);
    backfillCases(ctx);
    valueCases(ctx);
    stateCases(ctx);
    historyCases(ctx);
  });
}
