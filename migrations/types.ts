/** The shape of one migration of the loader's own tables. */
import type { Dialect, WarehouseSession } from '../adapters/types.js';

export interface MigrationContext {
  readonly session: WarehouseSession;
  readonly dialect: Dialect;
  /** The target schema: the loader's tables live next to the data they describe. */
  readonly schema: string;
}

export interface Migration {
  /** Applied in ascending order; never reuse or renumber a released version. */
  readonly version: number;
  readonly name: string;
  /**
   * Must be idempotent (CREATE … IF NOT EXISTS, ADD COLUMN IF NOT EXISTS), because where DDL
   * cannot share a transaction with the bookkeeping row, a crash may leave it applied but
   * unrecorded, and it then runs again.
   */
  up(context: MigrationContext): Promise<void>;
}
