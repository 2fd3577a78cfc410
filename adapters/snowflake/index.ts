/** The Snowflake adapter (snowflake-sdk 3.3): see README.md in this folder. */
import type { TargetConfig } from '../../src/config/target.js';
import type { Adapter, WarehouseClient } from '../types.js';
import { SnowflakeClient } from './client.js';
import { snowflakeDialect } from './dialect.js';

export { SnowflakeClient } from './client.js';
export type { SnowflakeClientOptions } from './client.js';
export { snowflakeDialect, SNOWFLAKE_CAPABILITIES } from './dialect.js';

export const snowflakeAdapter: Adapter = {
  dialect: snowflakeDialect,
  createClient(target: TargetConfig): WarehouseClient {
    return new SnowflakeClient(target);
  },
};

export default snowflakeAdapter;
