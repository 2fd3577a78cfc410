/** The embedded DuckDB adapter: the default target. */
import type { TargetConfig } from '../../src/config/target.js';
import type { Adapter, WarehouseClient } from '../types.js';
import { DuckDBClient } from './client.js';
import { duckdbDialect } from './dialect.js';

export { DuckDBClient } from './client.js';
export { DEFAULT_DUCKDB_PATH, parseDuckDBSettings, type DuckDBSettings } from '../../src/config/duckdb-settings.js';
export { duckdbDialect, DUCKDB_CAPABILITIES } from './dialect.js';

export const duckdbAdapter: Adapter = {
  dialect: duckdbDialect,
  createClient(target: TargetConfig): WarehouseClient {
    return new DuckDBClient(target);
  },
};

export default duckdbAdapter;
