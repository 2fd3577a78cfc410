/**
 * The adapter registry. Each adapter is imported lazily, so a DuckDB run never loads the
 * Postgres, BigQuery or Snowflake drivers (and their start-up cost).
 */
import { ConfigurationError } from '../src/errors.js';
import type { Adapter, WarehouseName } from './types.js';

function notAvailableYet(label: string): () => Promise<Adapter> {
  return () =>
    Promise.reject(
      new ConfigurationError(
        `The ${label} target is not available in this version of pipedrive-loader yet. ` +
          'Use a DuckDB target (type: duckdb) for now.',
      ),
    );
}

export const ADAPTERS: Record<WarehouseName, () => Promise<Adapter>> = {
  duckdb: async () => (await import('./duckdb/index.js')).duckdbAdapter,
  postgres: async () => (await import('./postgres/index.js')).postgresAdapter,
  bigquery: notAvailableYet('BigQuery'),
  snowflake: notAvailableYet('Snowflake'),
};

/** Loads the adapter for `name`; rejects with a ConfigurationError for unknown or unbuilt ones. */
export async function loadAdapter(name: WarehouseName): Promise<Adapter> {
  const load = Object.hasOwn(ADAPTERS, name) ? ADAPTERS[name] : undefined;
  if (!load) {
    throw new ConfigurationError(
      `Unknown warehouse type "${String(name)}". Supported types: ${Object.keys(ADAPTERS).join(', ')}.`,
    );
  }
  return load();
}
