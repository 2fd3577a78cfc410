/**
 * A resolved warehouse target: one `outputs.<name>` entry of profiles.yml after env_var()
 * templating. Each adapter validates the keys it needs.
 */
export type WarehouseName = 'duckdb' | 'postgres' | 'bigquery' | 'snowflake';

export const WAREHOUSE_NAMES: readonly WarehouseName[] = ['duckdb', 'postgres', 'bigquery', 'snowflake'];

export interface TargetConfig {
  readonly type: WarehouseName;
  /** The target's name in profiles.yml (`dev`, `prod` …), or `default` for the embedded DuckDB. */
  readonly name: string;
  /** The output's remaining keys, as written in profiles.yml (strings, numbers, booleans …). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Values that must never be printed (passwords, DBT_ENV_SECRET_* expansions). */
  readonly secrets: readonly string[];
}
