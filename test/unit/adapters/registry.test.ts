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

  it.each([
    ['bigquery', 300],
    ['snowflake', 255],
  ] as const)('loads the %s adapter lazily, without connecting', async (name, maxIdentifierBytes) => {
    const adapter = await loadAdapter(name);
    expect(adapter.dialect.name).toBe(name);
    expect(adapter.dialect.capabilities.maxIdentifierBytes).toBe(maxIdentifierBytes);
    expect(adapter.dialect.capabilities.ddlInTransaction).toBe(false);
  });

  it('rejects an unknown warehouse type with a ConfigurationError', async () => {
    await expect(loadAdapter('oracle' as WarehouseName)).rejects.toThrow(ConfigurationError);
    await expect(loadAdapter('toString' as WarehouseName)).rejects.toThrow(/Unknown warehouse type "toString"/);
  });
});
