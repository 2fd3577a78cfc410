/** Shared set-up for the DuckDB integration tests: real database files in a fresh temp folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBClient } from '../../../adapters/duckdb/client.js';
import type { TargetConfig } from '../../../src/config/target.js';

export function duckdbTarget(path: string, extra: Record<string, unknown> = {}): TargetConfig {
  return { type: 'duckdb', name: 'test', settings: { path, ...extra }, secrets: [] };
}

export interface TempDatabase {
  readonly dir: string;
  readonly path: string;
  open(): Promise<DuckDBClient>;
  cleanup(): Promise<void>;
}

/** A temp folder holding `db.duckdb`; `open` returns opened clients, closed by `cleanup`. */
export function tempDatabase(): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'pdl-duckdb-'));
  const path = join(dir, 'db.duckdb');
  const clients: DuckDBClient[] = [];
  return {
    dir,
    path,
    async open() {
      const client = new DuckDBClient(duckdbTarget(path));
      await client.open();
      clients.push(client);
      return client;
    },
    async cleanup() {
      for (const client of clients) await client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
