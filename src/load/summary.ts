/** Per-stream and per-run figures: the end-of-run table, the JSON log, and `_loader_runs`. */
import { formatTable } from '../cli/output.js';

import type { RunStatus } from '../state/types.js';

export type { RunStatus };

export interface StreamStats {
  readonly stream: string;
  readonly table: string;
  records: number;
  pages: number;
  inserted: number;
  updated: number;
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
    deleted: 0,
    columnsAdded: 0,
    requests: 0,
    tokens: 0,
    seconds: 0,
    status: 'pending',
  };
}

const round = (seconds: number): string => seconds.toFixed(1);

export function formatSummary(summary: RunSummary): string {
  const rows = summary.streams.map((s) => [
    s.status === 'skipped' ? `${s.stream} (skipped)` : s.stream,
    s.records,
    s.inserted,
    s.updated,
    s.deleted,
    s.columnsAdded,
    s.requests,
    s.tokens,
    round(s.seconds),
  ]);
  const total = summary.streams.reduce(
    (sum, s) => ({
      records: sum.records + s.records,
      inserted: sum.inserted + s.inserted,
      updated: sum.updated + s.updated,
      deleted: sum.deleted + s.deleted,
      columns: sum.columns + s.columnsAdded,
    }),
    { records: 0, inserted: 0, updated: 0, deleted: 0, columns: 0 },
  );
  rows.push([
    'total',
    total.records,
    total.inserted,
    total.updated,
    total.deleted,
    total.columns,
    summary.requests,
    summary.tokens,
    round(summary.seconds),
  ]);
  return formatTable(
    ['stream', 'records', 'inserted', 'updated', 'deleted', 'columns added', 'requests', 'tokens', 'seconds'],
    rows,
  );
}
