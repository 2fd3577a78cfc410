/**
 * How much buffer memory DuckDB needs to commit into a table of a given width.
 *
 * Why: a commit (and the checkpoint it may trigger) holds a few 256 KiB blocks per column of the
 * table written, whatever the number of rows. Below that DuckDB stops with "could not allocate
 * block" (or, inside a rollback, a FATAL error that closes the database). Measured with
 * `bench/duckdb-floor-child.mjs` and the loader, 1,500-row commits (3 December 2026):
 *
 * | columns | fails at             | completes at        |
 * |---------|----------------------|---------------------|
 * | 111     | 64MB (0.58 MB/col)   | 96MB (0.87 MB/col)  |
 * | 400     | 256MB (0.64 MB/col)  | 512MB (1.28 MB/col) |
 * | 801     | 512MB (0.64 MB/col)  |                     |
 * | 1,034   | 512MB (0.50 MB/col: the loader, 500 deal custom fields, exit 6 after 16,500 deals) | 1,162MB |
 *
 * Pipedrive allows 500 custom fields on the Power plan and no limit on Enterprise, and one field
 * can be several columns (an address is twelve), so the 512MB default is not enough for every
 * company. One MB a column plus room for the rest (indexes, the other tables) covers the table
 * with a margin over every failure measured; for up to 384 columns it stays below the default.
 */
const MB_PER_COLUMN = 1;
const MB_BESIDES_THE_TABLE = 128;

/** The memory_limit, in MB, that a commit into a table of `columns` columns needs. */
export function memoryLimitMbFor(columns: number): number {
  return MB_BESIDES_THE_TABLE + Math.ceil(columns * MB_PER_COLUMN);
}
