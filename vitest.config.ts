import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // DuckDB files and sandbox ports are per test file; files run in parallel processes.
    pool: 'forks',
  },
});
