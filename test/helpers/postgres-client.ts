/**
 * A fresh test database and an open PostgresClient on it for one test file: registers the
 * beforeAll/afterAll hooks and hands back accessors, so each file does not repeat the setup.
 */
import { afterAll, beforeAll } from 'vitest';
import { PostgresClient } from '../../adapters/postgres/client.js';
import { parsePostgresConnection } from '../../adapters/postgres/index.js';
import { createTestDatabase, type PostgresTestDatabase } from './postgres.js';

export interface PostgresFixture {
  readonly db: PostgresTestDatabase;
  readonly client: PostgresClient;
}

export function usePostgresClient(): PostgresFixture {
  let db: PostgresTestDatabase | undefined;
  let client: PostgresClient | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new PostgresClient(parsePostgresConnection(db.target().settings));
    await client.open();
  });
  afterAll(async () => {
    await client?.close();
    await db?.dispose();
  });
  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only available inside tests (after beforeAll)`);
    return value;
  };
  return {
    get db() {
      return required(db, 'the test database');
    },
    get client() {
      return required(client, 'the client');
    },
  };
}
