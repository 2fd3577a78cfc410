/**
 * What `state show` prints: text tables on a terminal or in CI logs, or one JSON object per row
 * with `--log-format json` (events state_bookmark, state_marker, state_run, state_column; with
 * `--run`, state_run_stream per stream and the run's state_run).
 */
import { findStream } from '../pipedrive/catalog.js';
import { SUMMARY_HEADERS } from '../load/summary.js';
import type { PersistedColumnMapping, RunRecord, RunStreamStats, StreamState } from '../state/index.js';
import { formatTable, type LogFields, type Reporter } from './output.js';

export function replicationOf(stream: string): string {
  return findStream(stream)?.replication ?? 'not in this version’s catalog';
}

/** Keys like `deals#deletes_reconciled` are the loader's own markers, not stream bookmarks. */
function isMarker(key: string): boolean {
  return key.includes('#');
}

export function printBookmarks(reporter: Reporter, all: readonly StreamState[]): void {
  const states = all.filter((s) => !isMarker(s.stream));
  const markers = all.filter((s) => isMarker(s.stream));
  if (reporter.format === 'json') {
    for (const s of states) {
      reporter.info('state_bookmark', `${s.stream}: ${s.bookmark}`, {
        stream: s.stream,
        load_id: s.loadId,
        bookmark: s.bookmark,
        replication: replicationOf(s.stream),
        updated_at: s.updatedAt,
      });
    }
    for (const s of markers) {
      reporter.info('state_marker', `${s.stream}: ${s.bookmark}`, { key: s.stream, value: s.bookmark, load_id: s.loadId, updated_at: s.updatedAt });
    }
    return;
  }
  reporter.text(`Bookmarks (${states.length}): each stream's newest committed update time`);
  if (states.length > 0) {
    reporter.text(
      formatTable(
        ['stream', 'replication', 'bookmark', 'load id', 'saved at'],
        states.map((s) => [s.stream, replicationOf(s.stream), s.bookmark, s.loadId, s.updatedAt]),
        ['left', 'left', 'left', 'left', 'left'],
      ),
    );
  }
  if (markers.length > 0) {
    reporter.text(`\nMarkers (${markers.length}): e.g. when a table's deletes were last reconciled`);
    reporter.text(
      formatTable(
        ['key', 'value', 'load id', 'saved at'],
        markers.map((s) => [s.stream, s.bookmark, s.loadId, s.updatedAt]),
        ['left', 'left', 'left', 'left'],
      ),
    );
  }
}

/** One line, at most `max` characters: Pipedrive names may be 300 characters long, or hold newlines. */
function cell(text: string, max = 60): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function rowsOf(run: RunRecord): number {
  return run.streams.reduce((total, stream) => total + (stream.records ?? stream.inserted + stream.updated), 0);
}

function durationOf(run: RunRecord): number | undefined {
  if (run.finishedAt === null) return undefined;
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** One run's JSON fields, the same in `state show` and `state show --run`. */
function runFields(run: RunRecord): LogFields {
  return {
    load_id: run.loadId,
    records: rowsOf(run),
    requests: run.requests,
    tokens: run.tokens,
    duration: durationOf(run),
    status: run.status,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    error: run.error,
  };
}

export function printRuns(reporter: Reporter, runs: readonly RunRecord[]): void {
  if (reporter.format === 'json') {
    for (const run of runs) {
      reporter.info('state_run', `${run.loadId}: ${run.status}`, runFields(run));
    }
    return;
  }
  reporter.text(`\nLast runs (${runs.length}), newest first`);
  if (runs.length > 0) {
    reporter.text(
      formatTable(
        ['load id', 'started', 'status', 'seconds', 'records', 'requests', 'tokens', 'error'],
        runs.map((run) => {
          const error = run.error ?? '';
          return [
            run.loadId,
            run.startedAt,
            run.status,
            durationOf(run)?.toFixed(1) ?? '',
            rowsOf(run),
            run.requests,
            run.tokens,
            cell(error, 80),
          ];
        }),
        ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'],
      ),
    );
  }
}

/**
 * One run's figures per stream (`state show --run`), as its end-of-run summary showed them.
 * Runs recorded before `unchanged` was counted show it blank: their `updated` counted re-reads too.
 */
export function printRun(reporter: Reporter, run: RunRecord): void {
  const seconds = (stream: RunStreamStats): number => Number(stream.seconds.toFixed(3));
  if (reporter.format === 'json') {
    for (const stream of run.streams) {
      reporter.info('state_run_stream', `${run.loadId} ${stream.stream}: ${stream.status ?? 'unknown'}`, {
        load_id: run.loadId,
        stream: stream.stream,
        table: stream.table,
        status: stream.status,
        records: stream.records,
        inserted: stream.inserted,
        updated: stream.updated,
        unchanged: stream.unchanged,
        deleted: stream.deleted,
        columns_added: stream.columnsAdded,
        requests: stream.requests,
        tokens: stream.tokens,
        duration: seconds(stream),
      });
    }
    reporter.info('state_run', `${run.loadId}: ${run.status}`, runFields(run));
    return;
  }
  const duration = durationOf(run);
  reporter.text(
    `Run ${run.loadId}: ${run.status}, started ${run.startedAt}` +
      `${duration === undefined ? '' : `, ${duration.toFixed(1)}s`}, ${run.requests} requests, ${run.tokens} tokens`,
  );
  if (run.error !== null) reporter.text(`Error: ${cell(run.error, 300)}`);
  const blank = (value: number | undefined): string | number => value ?? '';
  reporter.text(
    formatTable(
      [...SUMMARY_HEADERS, 'status'],
      run.streams.map((stream) => [
        stream.stream,
        blank(stream.records),
        stream.inserted,
        stream.updated,
        blank(stream.unchanged),
        blank(stream.deleted),
        blank(stream.columnsAdded),
        stream.requests,
        stream.tokens,
        stream.seconds.toFixed(1),
        stream.status ?? '',
      ]),
      [...SUMMARY_HEADERS.map((_, index) => (index === 0 ? 'left' : 'right') as 'left' | 'right'), 'left'],
    ),
  );
}

export function printColumns(reporter: Reporter, mappings: readonly PersistedColumnMapping[]): void {
  if (reporter.format === 'json') {
    for (const m of mappings) {
      reporter.info('state_column', `${m.table_name}.${m.column_name}: ${m.field_name}`, {
        table: m.table_name,
        column: m.column_name,
        field_key: m.field_key,
        subfield: m.subfield,
        field_name: m.field_name,
        field_type: m.field_type,
        first_seen_at: m.first_seen_at,
        last_seen_at: m.last_seen_at,
      });
    }
    return;
  }
  reporter.text(`\nColumn map (${mappings.length}): custom fields and the columns holding them`);
  if (mappings.length > 0) {
    reporter.text(
      formatTable(
        ['table', 'column', 'Pipedrive field', 'type', 'field key', 'part'],
        mappings.map((m) => [m.table_name, m.column_name, cell(m.field_name), m.field_type, m.field_key, m.subfield]),
        ['left', 'left', 'left', 'left', 'left', 'left'],
      ),
    );
  }
}
