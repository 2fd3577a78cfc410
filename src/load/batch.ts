/**
 * Rows are committed in batches bounded by count AND approximate size, so memory stays flat
 * whatever the volume and whatever the width of a company's custom fields.
 */
import type { CellValue, Row } from '../schema/types.js';

export interface BatchLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRows: 2_000, maxBytes: 8 * 1024 * 1024 };

/** A cheap upper-bound estimate of a row's in-memory size; exactness does not matter. */
export function estimateRowBytes(row: Row): number {
  let bytes = 16;
  for (const key in row) {
    const value: CellValue | undefined = row[key];
    bytes += 8;
    if (typeof value === 'string') bytes += value.length * 2;
    else if (Array.isArray(value)) for (const item of value) bytes += 8 + item.length * 2;
    else bytes += 8;
  }
  return bytes;
}

export class RowBatch {
  private rows: Row[] = [];
  private bytes = 0;

  constructor(private readonly limits: BatchLimits) {}

  add(row: Row): void {
    this.rows.push(row);
    this.bytes += estimateRowBytes(row);
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
