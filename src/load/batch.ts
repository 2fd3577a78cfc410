/**
 * Rows are committed in batches bounded by count AND approximate size, so memory stays flat
 * whatever the volume and whatever the width of a company's custom fields.
 */
import type { BatchLimits, CommitUnitLimits, WarehouseClient } from '../../adapters/types.js';
import type { CellValue, Row } from '../schema/types.js';

export type { BatchLimits, CommitUnitLimits };

/**
 * 12 MB of estimated heap (estimateRowBytes counts what V8 really holds) is ~1,500 wide deal rows
 * (~8 kB each, 111 columns); narrower tables reach the 2,000-row cap first. Up to four batches
 * are alive at once (two streams of a table read together, each filling one while one commits),
 * which kept a 100,000-deal load into PostgreSQL near 230 MB peak RSS. Smaller batches cost
 * DuckDB, whose merge has a price per batch: ~1,000-row batches made the same load 12% slower.
 */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRows: 2_000, maxBytes: 12 * 1024 * 1024 };

/**
 * How a load run batches rows on one warehouse: the adapter's `batchSizing` (adapters/types.ts),
 * or DEFAULT_BATCH_LIMITS with one merge per batch where the adapter names none (DuckDB,
 * PostgreSQL), possibly overridden by `--batch-rows`.
 */
export interface RunBatching {
  /** Rows shaped and held in memory at once (without `unit`: also the rows of one merge). */
  readonly batch: BatchLimits;
  /** Rows staged through a file and merged once, where the warehouse stages that way. */
  readonly unit?: CommitUnitLimits;
}

/**
 * The batching of a run on `warehouse`. `rowsPerCommit` (`--batch-rows`) is the rows one commit
 * holds at most: the commit unit's where the warehouse stages units, else the batch's (today's
 * meaning on every warehouse: rows per merge and per bookmark).
 */
export function runBatching(warehouse: Pick<WarehouseClient, 'batchSizing' | 'openStagingFile'>, rowsPerCommit?: number): RunBatching {
  const sizing = warehouse.batchSizing;
  const batch = sizing?.memory ?? DEFAULT_BATCH_LIMITS;
  const unit = warehouse.openStagingFile === undefined ? undefined : sizing?.unit;
  if (unit === undefined) return { batch: rowsPerCommit === undefined ? batch : { ...batch, maxRows: rowsPerCommit } };
  if (rowsPerCommit === undefined) return { batch, unit };
  return { batch: { ...batch, maxRows: Math.min(batch.maxRows, rowsPerCommit) }, unit: { ...unit, maxRows: rowsPerCommit } };
}

/**
 * Rows at the start of a batch whose size is measured one by one; after them one row in
 * SAMPLE_EVERY is measured and stands for the rows in between. Walking the keys of a wide row
 * costs about a sixth of shaping it (measured: 5.5 µs against 31 µs for 111 columns), and the
 * rows of one stream are alike; the row limit still bounds a batch whatever the estimate.
 */
const MEASURED_ROWS = 64;
const SAMPLE_EVERY = 8;

/**
 * A cheap upper bound of a row's heap size; exactness does not matter, the order of magnitude
 * does. Shaped rows are built key by key, so V8 keeps them as hash tables: about 48 bytes per
 * column before its value (measured: a 111-column deal row takes 7.6 kB of heap; this says 8.7).
 */
export function estimateRowBytes(row: Row): number {
  let bytes = 64;
  for (const key in row) {
    const value: CellValue | undefined = row[key];
    bytes += 48;
    if (typeof value === 'string') bytes += 16 + value.length * 2;
    else if (Array.isArray(value)) {
      bytes += 16;
      for (const item of value) bytes += 24 + item.length * 2;
    } else bytes += 16;
  }
  return bytes;
}

export class RowBatch {
  private rows: Row[] = [];
  private bytes = 0;

  constructor(private readonly limits: BatchLimits) {}

  add(row: Row): void {
    const count = this.rows.push(row);
    if (count <= MEASURED_ROWS) this.bytes += estimateRowBytes(row);
    else if (count % SAMPLE_EVERY === 0) this.bytes += estimateRowBytes(row) * SAMPLE_EVERY;
  }

  get size(): number {
    return this.rows.length;
  }

  isFull(): boolean {
    return this.rows.length >= this.limits.maxRows || this.bytes >= this.limits.maxBytes;
  }

  /** Hands the rows over and starts a new batch. */
  take(): Row[] {
    const rows = this.rows;
    this.rows = [];
    this.bytes = 0;
    return rows;
  }
}
