import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Limits that only catch a hang: the e2e tests run the CLI in child processes, and a busy
    // 2-core machine slows them several times over. Nothing in a test is timed.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // DuckDB files and sandbox ports are per test file; files run in parallel processes. Two at a
    // time even on 2 cores (vitest's default would be one): the end-to-end files spend much of
    // their time waiting on CLI child processes and deliberately slow sandbox pages.
    pool: 'forks',
    maxWorkers: 2,
  },
});
