import { describe, expect, it } from 'vitest';
import { ADAPTERS, loadAdapter } from '../../../adapters/index.js';
import { ConfigurationError } from '../../../src/errors.js';
import { WAREHOUSE_NAMES, type WarehouseName } from '../../../src/config/target.js';

describe('adapter registry', () => {
  it('has an entry for every warehouse name', () => {
    expect(Object.keys(ADAPTERS).sort()).toEqual([...WAREHOUSE_NAMES].sort());
  });

  it('loads the DuckDB adapter lazily', async () => {
    const adapter = await loadAdapter('duckdb');
    expect(adapter.dialect.name).toBe('duckdb');
    const client = adapter.createClient({ type: 'duckdb', name: 'default', settings: { path: ':memory:' }, secrets: [] });
    await client.open();
    expect(await client.query('SELECT 40 + 2 AS answer')).toEqual([{ answer: 42 }]);
    await client.close();
  });

  it('loads the PostgreSQL adapter lazily, without connecting', async () => {
    const adapter = await loadAdapter('postgres');
    expect(adapter.dialect.name).toBe('postgres');
    expect(adapter.dialect.capabilities.maxIdentifierBytes).toBe(63);
  });

  it.each(['bigquery', 'snowflake'] as const)('says plainly that %s is not available yet', async (name) => {
    const error = await loadAdapter(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/is not available in this version of pipedrive-loader yet/);
  });

  it('rejects an unknown warehouse type with a ConfigurationError', async () => {
    await expect(loadAdapter('oracle' as WarehouseName)).rejects.toThrow(ConfigurationError);
    await expect(loadAdapter('toString' as WarehouseName)).rejects.toThrow(/Unknown warehouse type "toString"/);
  });
});
