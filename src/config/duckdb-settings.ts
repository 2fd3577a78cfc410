/**
 * The settings of a `type: duckdb` output, in dbt-duckdb's own keys, so an existing dbt profile
 * works unchanged: `path` (a file, or ":memory:"), `threads`, and DuckDB options either at the top
 * level or under dbt-duckdb's `settings:` map (`settings: {memory_limit: 1GB}`), top-level keys
 * winning. The loader reads `memory_limit` and `checkpoint_threshold` among them; other keys
 * (extensions, attach …) are dbt's business and allowed.
 *
 * Validated here, when the profile is resolved, like every warehouse's settings;
 * adapters/duckdb/ uses the result.
 */
import { SettingReader, type Settings } from './setting-readers.js';

export const DEFAULT_DUCKDB_PATH = './pipedrive.duckdb';
/**
 * DuckDB checkpoints the WAL into the file whenever it passes 16 MB by default; with wide
 * custom-field tables that is every other batch, and each checkpoint costs more as the table
 * (and its key index) grows. Measured with 300,000 rows × 111 columns: 16 MB took 51 s, 128 MB
 * 21 s, 1 GB 14 s plus 4 s at close. The WAL is replayed after a crash, so nothing is lost.
 */
export const DEFAULT_CHECKPOINT_THRESHOLD = '256MB';
/**
 * DuckDB's buffer pool defaults to 80% of RAM and keeps un-checkpointed data cached, so a load's
 * memory grew with its volume (1,000,000 deals peaked at 2 GB). A limit makes DuckDB spill
 * instead: measured 438 MB peak RSS at a 256 MB limit, no slower. 512 MB leaves room for the
 * primary-key indexes of large tables. A table too wide for it raises the limit as it is
 * written, unless the profile sets one (adapters/duckdb/memory.ts).
 */
export const DEFAULT_MEMORY_LIMIT_MB = 512;
export const DEFAULT_MEMORY_LIMIT = `${DEFAULT_MEMORY_LIMIT_MB}MB`;

export interface DuckDBSettings {
  readonly path: string;
  readonly threads?: number;
  readonly memoryLimit: string;
  /** True when the profile names `memory_limit`: the loader then never changes it. */
  readonly memoryLimitSet: boolean;
  readonly checkpointThreshold: string;
}

/** Validates the settings of a duckdb output (after env_var() rendering). */
export function parseDuckDBSettings(output: Settings): DuckDBSettings {
  const nested = output['settings'];
  if (nested !== undefined && (typeof nested !== 'object' || nested === null || Array.isArray(nested))) {
    new SettingReader(output, 'duckdb').fail('`settings` must be a map of DuckDB options, as in dbt-duckdb.');
  }
  const merged: Settings = { ...(nested as Settings | undefined), ...output };
  const read: SettingReader = new SettingReader(merged, 'duckdb');
  // A size is text with its unit: a bare number would be read by DuckDB as bytes.
  const size = (key: string, example: string, fallback: string): string => {
    const value = merged[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || value.trim() === '') read.fail(`\`${key}\` must be text such as "${example}".`);
    return value;
  };
  const path = read.text('path') ?? DEFAULT_DUCKDB_PATH;
  if (path.trim() === '') read.fail('`path` must be a file path (or ":memory:").');
  return {
    path,
    threads: read.whole('threads', 1),
    memoryLimit: size('memory_limit', '2GB', DEFAULT_MEMORY_LIMIT),
    memoryLimitSet: merged['memory_limit'] !== undefined && merged['memory_limit'] !== null,
    checkpointThreshold: size('checkpoint_threshold', '1GB', DEFAULT_CHECKPOINT_THRESHOLD),
  };
}
