/** The reliability suite (suite.ts) on the embedded DuckDB file. */
import { duckdbTarget } from './harness.js';
import { reliabilitySuite } from './suite.js';

reliabilitySuite('duckdb', async () => duckdbTarget());
