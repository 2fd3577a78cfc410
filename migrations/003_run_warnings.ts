/**
 * `_loader_runs.warnings`: what a run warned about at its start, e.g. that its token's user is not
 * a global admin (so the copy is partial and deletes were not inferred). Text, one warning a line;
 * NULL when there was nothing to say. A column rather than a row of `_loader_state`, so a dbt
 * test or a person can see it beside the run it concerns.
 */
import { LOADER_TABLES } from './tables.js';
import type { Migration } from './types.js';

export const runWarnings: Migration = {
  version: 3,
  name: 'run_warnings',
  async up({ session, dialect, schema }) {
    for (const sql of dialect.addColumns({ schema, name: LOADER_TABLES.runs }, [{ name: 'warnings', type: 'string' }])) {
      await session.execute(sql);
    }
  },
};
