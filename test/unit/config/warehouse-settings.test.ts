/**
 * Every warehouse's profile keys are read by src/config/<warehouse>-settings.ts with the shared
 * SettingReader, and validated when the profile is resolved: a mistake in a DuckDB or PostgreSQL
 * output is reported before anything connects, as it already was for BigQuery and Snowflake.
 */
import { describe, expect, it } from 'vitest';
import { parseDuckDBSettings } from '../../../src/config/duckdb-settings.js';
import { parsePostgresSettings } from '../../../src/config/postgres-settings.js';
import { targetFromProfiles } from '../../../src/config/profiles.js';
import { ConfigurationError } from '../../../src/errors.js';

const profile = (output: string): string => `pipedrive:\n  target: dev\n  outputs:\n    dev:\n${output}`;

describe('settings of every warehouse', () => {
  it('refuse a broken DuckDB or PostgreSQL output when the profile is resolved', () => {
    const resolve = (output: string) => () => targetFromProfiles(profile(output), 'profiles.yml', { env: {} });
    expect(resolve('      type: postgres\n      user: u\n      dbname: d\n')).toThrow(/The postgres target: `host` is required/);
    expect(resolve('      type: duckdb\n      path: x.duckdb\n      threads: none\n')).toThrow(/The duckdb target: `threads` must be a whole number from 1/);
    expect(resolve('      type: postgres\n      host: h\n      user: u\n      dbname: d\n')).not.toThrow();
  });

  it('read numbers that env_var() renders as text, and keep certificate paths unread', () => {
    expect(() => parseDuckDBSettings({ path: 'x.duckdb', memory_limit: 512 })).toThrow(/`memory_limit` must be text such as "2GB"/);
    expect(parseDuckDBSettings({ path: 'x.duckdb', threads: '4', settings: { memory_limit: '1GB' } })).toEqual({
      path: 'x.duckdb',
      threads: 4,
      memoryLimit: '1GB',
      memoryLimitSet: true,
      checkpointThreshold: '256MB',
    });
    expect(parseDuckDBSettings({ path: 'x.duckdb' })).toMatchObject({ memoryLimit: '512MB', memoryLimitSet: false });
    const postgres = parsePostgresSettings({ host: 'h', user: 'u', database: 'd', port: '6543', sslmode: 'verify-full', sslrootcert: '/nowhere/root.crt' });
    expect(postgres).toMatchObject({ port: 6543, database: 'd', sslmode: 'verify-full', sslrootcert: '/nowhere/root.crt', lockTimeout: 60 });
    expect(() => parsePostgresSettings({ host: 'h', user: 'u', dbname: 'd', sslmode: 'sometimes' })).toThrow(ConfigurationError);
  });
});
