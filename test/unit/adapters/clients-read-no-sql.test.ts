/**
 * The adapter contract: a client runs every statement as it is given. Where and when a statement
 * runs is decided by the generic code from `StatementPlan` and `Capabilities`, never by a client
 * reading SQL text. This keeps that true: no client may test, match or search its `sql` argument
 * (it may still reformat it for an error message).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ADAPTERS = fileURLToPath(new URL('../../../adapters/', import.meta.url));
const READS_SQL = [
  /\.(?:test|exec|get|has)\(\s*sql\b/,
  /\bsql(?:\.trim\(\))?\.(?:match|matchAll|startsWith|endsWith|includes|search|indexOf)\(/,
  /\b(?:DDL|WRITE|DROP_TABLE)\s*=\s*\//,
];

describe('warehouse clients', () => {
  const clients = readdirSync(ADAPTERS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'base')
    .map((entry) => `${entry.name}/client.ts`);

  it('exist for the four warehouses', () => {
    expect(clients.sort()).toEqual(['bigquery/client.ts', 'duckdb/client.ts', 'postgres/client.ts', 'snowflake/client.ts']);
  });

  for (const client of clients) {
    it(`${client} reads no SQL text to decide what to run`, () => {
      const source = readFileSync(`${ADAPTERS}${client}`, 'utf8');
      for (const pattern of READS_SQL) expect(source, String(pattern)).not.toMatch(pattern);
    });
  }
});
