/**
 * The SQL the generic code (migrations, upsertBatch, the state store) renders through the
 * Snowflake dialect, recorded from a client that executes nothing, then parsed by
 * node-sql-parser's Snowflake grammar: what is not portable shows up here, before a live run.
 * Statement kinds the parser lacks (MERGE, DELETE, ADD COLUMN IF NOT EXISTS, VARIANT/ARRAY
 * columns, `?` placeholders, BEGIN/COMMIT/ROLLBACK) are counted separately and snapshot-tested
 * in snowflake-dialect.test.ts.
 */
import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { createStagingTable, insertStagingSql, snowflakeDialect } from '../../../adapters/snowflake/dialect.js';
import type { ResultRow, SqlParam, WarehouseClient, WarehouseSession } from '../../../adapters/types.js';
import { migrate } from '../../../migrations/index.js';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { ColumnSpec, Row, TableRef } from '../../../src/schema/types.js';
import { StateStore } from '../../../src/state/store.js';

const parser = new nodeSqlParser.Parser();

/** Statement kinds node-sql-parser 5.4 cannot parse for Snowflake (see snowflake-dialect.test.ts). */
const PARSER_GAPS = [/^MERGE /, /^DELETE /, /^(BEGIN|COMMIT|ROLLBACK)$/, /ADD COLUMN IF NOT EXISTS/, / (VARIANT|ARRAY)[,\n]/, /\(\?(, \?)*\)/];

interface Recorded {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** A WarehouseClient with the real dialect that records SQL and answers every query with `answer`. */
function recordingClient(answer: ResultRow): { client: WarehouseClient; recorded: Recorded[] } {
  const recorded: Recorded[] = [];
  let staged = 0;
  const session: WarehouseSession = {
    async query<R extends ResultRow = ResultRow>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
      recorded.push({ sql, params });
      return [answer as R];
    },
    async execute(sql: string, params: readonly SqlParam[] = []) {
      recorded.push({ sql, params });
    },
    async writeStaging(target: TableRef, columns: readonly ColumnSpec[], _rows: readonly Row[]) {
      staged += 1;
      const staging = { schema: target.schema, name: `_loader_staging_${staged}` };
      recorded.push({ sql: createStagingTable(staging, columns), params: [] }, { sql: insertStagingSql(staging, columns), params: [] });
      return staging;
    },
  };
  const client: WarehouseClient = {
    ...session,
    dialect: snowflakeDialect,
    async open() {},
    async close() {},
    async transaction(work) {
      recorded.push({ sql: 'BEGIN', params: [] });
      const result = await work(session);
      recorded.push({ sql: 'COMMIT', params: [] });
      return result;
    },
    async describeSchema() {
      return new Map();
    },
    describeTarget: () => 'recording',
  };
  return { client, recorded };
}

function partition(recorded: readonly Recorded[]): { parsed: string[]; gaps: string[] } {
  const parsed: string[] = [];
  const gaps: string[] = [];
  for (const { sql } of recorded) (PARSER_GAPS.some((gap) => gap.test(sql)) ? gaps : parsed).push(sql);
  return { parsed, gaps };
}

/** Every `:n` placeholder refers to a bound value, and every value is referred to. */
function expectPlaceholdersMatch({ sql, params }: Recorded): void {
  const used = new Set([...sql.matchAll(/:(\d+)\b/g)].map((match) => Number(match[1])));
  expect([...used].sort((a, b) => a - b), sql).toEqual(params.map((_, index) => index + 1));
}

describe('generic SQL through the Snowflake dialect', () => {
  it('migrations, upsertBatch (staged merge, with and without newestBy) and the state store parse, except the known gaps', async () => {
    const { client, recorded } = recordingClient({ matched: 1, updated: 1, keys: 1, found: 1, version: 1, started_at: '2024-01-01T00:00:00Z' });
    const schema = 'pipedrive';
    // No migration recorded yet, so every one is applied.
    const fresh = recordingClient({});
    await migrate(fresh.client, schema);
    recorded.push(...fresh.recorded);
    const deals = { schema, name: 'deals' };
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'bigint' },
      { name: 'title', type: 'string' },
      { name: 'update_time', type: 'timestamp' },
    ];
    const store = new StateStore(client, schema);
    await upsertBatch(client, { target: deals, columns, rows: [{ id: 1, title: 'a', update_time: '2024-01-01T00:00:00Z' }], primaryKey: ['id'], newestBy: 'update_time' }, (session) =>
      store.saveBookmark(session, 'deals', '2024-01-01T00:00:00Z', 'load-1'),
    );
    await upsertBatch(client, { target: deals, columns, rows: [{ id: 1, title: 'a' }], primaryKey: ['id'] });
    await store.readBookmarks();
    await store.readColumnMappings();
    const mapping = { table_name: 'deals', subfield: '', column_name: 'budget', field_name: 'Budget', field_type: 'monetary', first_seen_at: '2024-01-01T00:00:00Z', last_seen_at: '2024-01-02T00:00:00Z' };
    await client.transaction((session) => store.saveColumnMappings(session, [{ ...mapping, field_key: 'a1' }, { ...mapping, field_key: 'b2', subfield: 'currency' }]));
    await store.startRun('load-2', '2024-01-02T00:00:00Z');
    await store.recordInterrupted('load-2', 'stopped');
    await store.finishRun('load-2', { status: 'succeeded', streams: [], requests: 1, tokens: 2 }, '2024-01-02T00:01:00Z');
    await store.readRuns(5);
    await store.clearBookmark('deals');
    await client.transaction((session) =>
      store.replaceRejects(session, 'deals', ['1', '2'], [{ recordId: '2', column: 'add_time', original: '2024-02-30', reason: 'not a valid timestamp' }], 'load-2', '2024-01-02T00:00:00Z'),
    );
    await store.readRejectCounts();
    await store.readNewestRejects(5);

    const { parsed, gaps } = partition(recorded);
    for (const sql of parsed) expect(() => parser.astify(sql, { database: 'snowflake' }), sql).not.toThrow();
    for (const statement of recorded) if (!/\?/.test(statement.sql)) expectPlaceholdersMatch(statement);
    // The gaps are exactly the kinds listed (CREATE: the VARIANT column of _loader_runs; INSERT:
    // the array-bound staging insert with ?; ALTER: migration 003's ADD COLUMN IF NOT EXISTS),
    // and each appears.
    expect(new Set(gaps.map((sql) => sql.split(/\s/)[0]))).toEqual(new Set(['MERGE', 'DELETE', 'BEGIN', 'COMMIT', 'INSERT', 'CREATE', 'ALTER']));
    expect(parsed.length).toBeGreaterThan(15);
    expect(gaps.some((sql) => sql.includes('"streams" VARIANT'))).toBe(true);
  });
});
