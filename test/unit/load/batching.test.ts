/**
 * Batch sizes per warehouse (src/load/batch.ts runBatching): the adapter's sizing, today's
 * limits where it names none, and `--batch-rows` as the rows of one commit on either kind.
 */
import { describe, expect, it } from 'vitest';
import type { BatchSizing, StagingFile } from '../../../adapters/types.js';
import { BIGQUERY_BATCH_SIZING } from '../../../adapters/bigquery/staging-file.js';
import { SNOWFLAKE_BATCH_SIZING } from '../../../adapters/snowflake/staging-file.js';
import { DEFAULT_BATCH_LIMITS, runBatching } from '../../../src/load/batch.js';

const openStagingFile = (): Promise<StagingFile> => Promise.reject(new Error('not opened in this test'));
const staged: BatchSizing = { memory: { maxRows: 2_000, maxBytes: 12 * 1024 * 1024 }, unit: { maxRows: 50_000, maxStagedBytes: 256 * 1024 * 1024 } };

describe('runBatching', () => {
  it('keeps 2,000 rows / 12 MB per merge where the adapter names no sizing (DuckDB, PostgreSQL)', () => {
    expect(runBatching({})).toEqual({ batch: DEFAULT_BATCH_LIMITS });
    expect(DEFAULT_BATCH_LIMITS).toEqual({ maxRows: 2_000, maxBytes: 12 * 1024 * 1024 });
  });

  it("takes the adapter's commit units where it can stage them through a file", () => {
    expect(runBatching({ batchSizing: staged, openStagingFile })).toEqual({ batch: staged.memory, unit: staged.unit });
    // A sizing with units but no staging file would never stage one: batches merge one by one.
    expect(runBatching({ batchSizing: staged })).toEqual({ batch: staged.memory });
  });

  it('reads --batch-rows as the rows of one commit: the unit where there is one, else the batch', () => {
    expect(runBatching({}, 100_000)).toEqual({ batch: { ...DEFAULT_BATCH_LIMITS, maxRows: 100_000 } });
    expect(runBatching({ batchSizing: staged, openStagingFile }, 10_000)).toEqual({ batch: staged.memory, unit: { ...staged.unit, maxRows: 10_000 } });
    // Fewer rows per commit than a memory batch holds: the batch shrinks too, so a unit is one batch.
    expect(runBatching({ batchSizing: staged, openStagingFile }, 500)).toEqual({ batch: { ...staged.memory, maxRows: 500 }, unit: { ...staged.unit, maxRows: 500 } });
  });

  it('gives BigQuery and Snowflake units of tens of thousands of rows, at most ten per 100,000 rows, with batches as small as today', () => {
    for (const sizing of [BIGQUERY_BATCH_SIZING, SNOWFLAKE_BATCH_SIZING]) {
      expect(sizing.memory).toEqual(DEFAULT_BATCH_LIMITS);
      expect(sizing.unit.maxRows).toBeGreaterThanOrEqual(10_000);
      expect(Math.ceil(100_000 / sizing.unit.maxRows)).toBeLessThanOrEqual(10);
    }
  });
});
