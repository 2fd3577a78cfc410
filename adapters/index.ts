/**
 * The adapter registry. Each adapter is imported lazily, so a DuckDB run never loads the
 * Postgres, BigQuery or Snowflake drivers (and their start-up cost).
 */
import { ConfigurationError } from '../src/errors.js';
import type { Adapter, WarehouseName } from './types.js';

export const ADAPTERS: Record<WarehouseName, () => Promise<Adapter>> = {
  duckdb: async () => (await import('./duckdb/index.js')).duckdbAdapter,
  postgres: async () => (await import('./postgres/index.js')).postgresAdapter,
  bigquery: async () => (await import('./bigquery/index.js')).bigqueryAdapter,
  snowflake: async () => (await import('./snowflake/index.js')).snowflakeAdapter,
};

/** Loads the adapter for `name`; rejects with a ConfigurationError for an unknown one. */
export async function loadAdapter(name: WarehouseName): Promise<Adapter> {
  const load = Object.hasOwn(ADAPTERS, name) ? ADAPTERS[name] : undefined;
  if (!load) {
    throw new ConfigurationError(
      `Unknown warehouse type "${String(name)}". Supported types: ${Object.keys(ADAPTERS).join(', ')}.`,
    );
  }
  return load();
}
