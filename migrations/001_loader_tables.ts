/**
 * The first migration: state, run log and column map. Written against the Dialect with logical
 * types only, so it runs unchanged on every warehouse.
 */
import type { TableSpec } from '../src/schema/types.js';
import type { Migration } from './types.js';
import { LOADER_TABLES } from './tables.js';

const STATE: TableSpec = {
  name: LOADER_TABLES.state,
  columns: [
    { name: 'stream', type: 'string' },
    // The newest committed update_time, ISO-8601 'Z'. Text, not a timestamp, so that it comes back
    // exactly as written on every warehouse and compares as text the way Pipedrive's values do.
    { name: 'bookmark', type: 'string' },
    { name: 'load_id', type: 'string' },
    { name: 'updated_at', type: 'timestamp' },
  ],
  primaryKey: ['stream'],
};

const RUNS: TableSpec = {
  name: LOADER_TABLES.runs,
  columns: [
    { name: 'load_id', type: 'string' },
    { name: 'started_at', type: 'timestamp' },
    { name: 'finished_at', type: 'timestamp' },
    // running | succeeded | failed | interrupted | budget_exhausted
    { name: 'status', type: 'string' },
    // Per-stream figures: rows inserted/updated, requests, tokens, seconds.
    { name: 'streams', type: 'json' },
    { name: 'requests', type: 'bigint' },
    { name: 'tokens', type: 'bigint' },
    { name: 'error', type: 'string' },
  ],
  primaryKey: ['load_id'],
};

const COLUMNS: TableSpec = {
  name: LOADER_TABLES.columns,
  columns: [
    { name: 'table_name', type: 'string' },
    { name: 'field_key', type: 'string' },
    // '' for the main column of a field, else the component ('currency', 'until' …).
    { name: 'subfield', type: 'string' },
    { name: 'column_name', type: 'string' },
    { name: 'field_name', type: 'string' },
    { name: 'field_type', type: 'string' },
    { name: 'first_seen_at', type: 'timestamp' },
    { name: 'last_seen_at', type: 'timestamp' },
  ],
  primaryKey: ['table_name', 'field_key', 'subfield'],
};

export const loaderTables: Migration = {
  version: 1,
  name: 'loader_tables',
  async up({ session, dialect, schema }) {
    for (const spec of [STATE, RUNS, COLUMNS]) {
      for (const sql of dialect.createTable({ schema, name: spec.name }, spec)) await session.execute(sql);
    }
  },
};
