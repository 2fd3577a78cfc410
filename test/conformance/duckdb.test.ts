import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAdapter } from '../../adapters/index.js';
import type { TargetConfig } from '../../src/config/target.js';
import { conformanceSuite } from './suite.js';

// One fresh database file per test, in its own temp folder.
conformanceSuite({
  name: 'duckdb',
  adapter: () => loadAdapter('duckdb'),
  async freshTarget(): Promise<TargetConfig> {
    const dir = mkdtempSync(join(tmpdir(), 'pdl-conformance-'));
    return { type: 'duckdb', name: 'conformance', settings: { path: join(dir, 'db.duckdb') }, secrets: [] };
  },
  async releaseTarget(target) {
    rmSync(join(String(target.settings['path']), '..'), { recursive: true, force: true });
  },
  // Big enough that DuckDB spills transaction-local data to the file before COMMIT.
  crashBatchRows: 300_000,
});
