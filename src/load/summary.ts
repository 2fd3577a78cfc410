/** Per-stream and per-run figures: the end-of-run table, the JSON log, and `_loader_runs`. */
import { formatTable } from '../report/table.js';

import type { RunStatus } from '../state/types.js';

export type { RunStatus };

export interface StreamStats {
  readonly stream: string;
  readonly table: string;
  /** Records read from Pipedrive (a record read twice in a run counts twice). */
  records: number;
  pages: number;
  /** Keys that were not in the table before. */
  inserted: number;
  /** Existing rows whose values changed (any column but `_loaded_at`, `_load_id`). */
  updated: number;
  /** Existing rows read again with every value as stored. */
  unchanged: number;
  /** Rows newly given `_deleted_at` because Pipedrive no longer lists them. */
  deleted: number;
  columnsAdded: number;
  requests: number;
  tokens: number;
  seconds: number;
  status: 'pending' | 'loaded' | 'stopped' | 'failed' | 'skipped';
}

export interface RunSummary {
  readonly loadId: string;
  status: RunStatus;
  readonly streams: StreamStats[];
  requests: number;
  tokens: number;
  seconds: number;
  error?: string;
}

export function newStreamStats(stream: string, table: string): StreamStats {
  return {
    stream,
    table,
    records: 0,
    pages: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    columnsAdded: 0,
    requests: 0,
    tokens: 0,
    seconds: 0,
    status: 'pending',
  };
}

/** The counts every stream line and the run's totals carry, under the JSON log's names. */
export interface CountFields {
  readonly records: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly deleted: number;
  readonly requests: number;
  readonly tokens: number;
}

/** A stream's counts, as its `stream_finished` log line carries them. */
export function streamCounts(stats: StreamStats): CountFields {
  const { records, inserted, updated, unchanged, deleted, requests, tokens } = stats;
  return { records, inserted, updated, unchanged, deleted, requests, tokens };
}

/**
 * The run's totals: the streams' counts summed, and the run's own requests and tokens (which
 * include what no stream was charged, such as the field metadata of the first requests).
 */
export function runTotals(summary: RunSummary): CountFields & { readonly columns_added: number } {
  let records = 0;
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  let deleted = 0;
  let columns = 0;
  for (const s of summary.streams) {
    records += s.records;
    inserted += s.inserted;
    updated += s.updated;
    unchanged += s.unchanged;
    deleted += s.deleted;
    columns += s.columnsAdded;
  }
  return { records, inserted, updated, unchanged, deleted, requests: summary.requests, tokens: summary.tokens, columns_added: columns };
}

const round = (seconds: number): string => seconds.toFixed(1);

export const SUMMARY_HEADERS = [
  'stream',
  'records',
  'inserted',
  'updated',
  'unchanged',
  'deleted',
  'columns added',
  'requests',
  'tokens',
  'seconds',
] as const;

/** One stream's row of the summary table; also `state show --run`'s. */
export function summaryRow(s: Pick<StreamStats, 'stream' | 'status' | 'records' | 'inserted' | 'updated' | 'unchanged' | 'deleted' | 'columnsAdded' | 'requests' | 'tokens' | 'seconds'>): (string | number)[] {
  return [
    s.status === 'skipped' ? `${s.stream} (skipped)` : s.stream,
    s.records,
    s.inserted,
    s.updated,
    s.unchanged,
    s.deleted,
    s.columnsAdded,
    s.requests,
    s.tokens,
    round(s.seconds),
  ];
}

export function formatSummary(summary: RunSummary): string {
  const rows = summary.streams.map(summaryRow);
  const total = runTotals(summary);
  rows.push(['total', total.records, total.inserted, total.updated, total.unchanged, total.deleted, total.columns_added, summary.requests, summary.tokens, round(summary.seconds)]);
  return formatTable(SUMMARY_HEADERS, rows);
}
