/** Row types of the loader's state tables (see migrations/001_loader_tables.ts). */

import type { ColumnMapping } from '../schema/column-map.js';

/** A row of `_loader_columns`: the column model's mapping, stored as it is. */
export type PersistedColumnMapping = ColumnMapping;

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'budget_exhausted';

/**
 * A stream's figures in a run, as `_loader_runs.streams` holds them (a JSON array of the run's
 * StreamStats). The optional ones are absent from runs recorded by older versions: `unchanged`
 * came with the count of unchanged rows; before it, `updated` also counted re-read rows.
 */
export interface RunStreamStats {
  readonly stream: string;
  readonly inserted: number;
  readonly updated: number;
  readonly requests: number;
  readonly tokens: number;
  readonly seconds: number;
  readonly table?: string;
  readonly status?: string;
  readonly records?: number;
  readonly pages?: number;
  readonly unchanged?: number;
  readonly deleted?: number;
  readonly columnsAdded?: number;
}

/** How a run ended, as `finishRun` records it. `RunSummary` (src/load/summary.ts) fits. */
export interface FinishedRun {
  readonly status: RunStatus;
  readonly streams: readonly RunStreamStats[];
  readonly requests: number;
  readonly tokens: number;
  readonly error?: string;
}

export interface RunRecord {
  readonly loadId: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly status: RunStatus;
  /** Parsed from the JSON column; each entry holds at least the RunStreamStats fields. */
  readonly streams: RunStreamStats[];
  readonly requests: number;
  readonly tokens: number;
  readonly error: string | null;
}

export interface StreamState {
  readonly stream: string;
  readonly bookmark: string;
  readonly loadId: string;
  readonly updatedAt: string;
}

/** The Pipedrive company a schema holds (`#company_id`, `#company_domain` in `_loader_state`). */
export interface CompanyRecord {
  readonly id: number;
  readonly domain: string;
}
