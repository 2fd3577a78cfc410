/**
 * The BigQuery adapter: dialect.ts renders GoogleSQL, client.ts runs it as jobs through
 * @google-cloud/bigquery (sessions for transactions, load jobs for staging). README.md inside.
 */
import { parseBigQuerySettings, type BigQuerySettings } from '../../src/config/bigquery-settings.js';
import { ConfigurationError } from '../../src/errors.js';
import type { TargetConfig } from '../../src/config/target.js';
import type { Adapter, WarehouseClient } from '../types.js';
import { BigQueryClient } from './client.js';
import { bigqueryDialect } from './dialect.js';

export { BigQueryClient } from './client.js';
export { bigqueryDialect, createBigQueryDialect } from './dialect.js';

export interface BigQueryConnection extends BigQuerySettings {
  /**
   * `api_endpoint` in the profile: another base URL for the BigQuery REST API (a local emulator,
   * a private endpoint, the tests' fake server). Not a dbt-bigquery key; absent in normal use.
   */
  readonly apiEndpoint?: string;
}

/** The profile's settings (validated by src/config/bigquery-settings.ts) plus `api_endpoint`. */
export function parseBigQueryConnection(settings: Readonly<Record<string, unknown>>): BigQueryConnection {
  const parsed = parseBigQuerySettings(settings);
  const endpoint = settings['api_endpoint'];
  if (endpoint === undefined || endpoint === null) return parsed;
  if (typeof endpoint !== 'string' || !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new ConfigurationError('The bigquery target: `api_endpoint` must be an http(s) URL such as http://127.0.0.1:9050.');
  }
  return { ...parsed, apiEndpoint: endpoint.replace(/\/+$/, '') };
}

export const bigqueryAdapter: Adapter = {
  dialect: bigqueryDialect,
  createClient(target: TargetConfig): WarehouseClient {
    return new BigQueryClient(parseBigQueryConnection(target.settings), target.secrets);
  },
};

export default bigqueryAdapter;
