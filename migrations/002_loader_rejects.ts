/**
 * `_loader_rejects`: the values the loader could not store (they became NULL) and the records it
 * could not load (no usable primary key), one row per (table, record, column), replaced whenever
 * the record is read again, so reruns never add duplicates. Logical types only, as in 001.
 */
import type { TableSpec } from '../src/schema/types.js';
import type { Migration } from './types.js';
import { LOADER_TABLES } from './tables.js';

export const REJECTS_TABLE: TableSpec = {
  name: LOADER_TABLES.rejects,
  columns: [
    { name: 'table_name', type: 'string' },
    // The record's primary key as text; '#' + a digest of the record when it has none.
    { name: 'record_id', type: 'string' },
    { name: 'column_name', type: 'string' },
    // The value as Pipedrive sent it (at most 1,000 characters).
    { name: 'original_text', type: 'string' },
    { name: 'reason', type: 'string' },
    { name: 'load_id', type: 'string' },
    { name: 'rejected_at', type: 'timestamp' },
  ],
  primaryKey: ['table_name', 'record_id', 'column_name'],
};

export const loaderRejects: Migration = {
  version: 2,
  name: 'loader_rejects',
  async up({ session, dialect, schema }) {
    for (const sql of dialect.createTable({ schema, name: REJECTS_TABLE.name }, REJECTS_TABLE)) await session.execute(sql);
  },
};
