/**
 * What `state show` prints: text tables on a terminal or in CI logs, or one JSON object per row
 * with `--log-format json` (events state_bookmark, state_marker, state_run, state_column).
 */
import { findStream } from '../pipedrive/catalog.js';
import type { PersistedColumnMapping, RunRecord, StreamState } from '../state/index.js';
import { formatTable, type Reporter } from './output.js';

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
  return run.streams.reduce((total, stream) => {
    const records = (stream as { records?: unknown }).records;
    return total + (typeof records === 'number' ? records : stream.inserted + stream.updated);
  }, 0);
}

function durationOf(run: RunRecord): number | undefined {
  if (run.finishedAt === null) return undefined;
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return Number.isFinite(seconds) ? seconds : undefined;
}

export function printRuns(reporter: Reporter, runs: readonly RunRecord[]): void {
  if (reporter.format === 'json') {
    for (const run of runs) {
      reporter.info('state_run', `${run.loadId}: ${run.status}`, {
        load_id: run.loadId,
        rows: rowsOf(run),
        requests: run.requests,
        tokens: run.tokens,
        duration: durationOf(run),
        status: run.status,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        error: run.error,
      });
    }
    return;
  }
  reporter.text(`\nLast runs (${runs.length}), newest first`);
  if (runs.length > 0) {
    reporter.text(
      formatTable(
        ['load id', 'started', 'status', 'seconds', 'rows', 'requests', 'tokens', 'error'],
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
