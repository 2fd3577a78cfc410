import { afterAll, beforeAll } from 'vitest';
import { loadAdapter } from '../../adapters/index.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';
import { conformanceSuite } from './suite.js';

// One fresh database for this file (see test/helpers/postgres.ts); every test uses its own schemas.
let db: PostgresTestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.dispose();
});

conformanceSuite({
  name: 'postgres',
  adapter: () => loadAdapter('postgres'),
  async freshTarget() {
    if (!db) throw new Error('the test database was not created');
    return db.target();
  },
});
