import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBClient } from '../../../adapters/duckdb/client.js';
import { migrate, MIGRATIONS, type Migration } from '../../../migrations/index.js';
import { bookmarkWithOverlap } from '../../../src/state/bookmarks.js';
import { StateStore } from '../../../src/state/store.js';
import type { PersistedColumnMapping } from '../../../src/state/types.js';
import { tempDatabase, type TempDatabase } from './helpers.js';

const SCHEMA = 'pipe"drive';
let db: TempDatabase;
let client: DuckDBClient;

beforeEach(async () => {
  db = tempDatabase();
  client = await db.open();
});
afterEach(async () => {
  await db.cleanup();
});

describe('migrate', () => {
  it('creates the schema and the loader tables, and records each migration once', async () => {
    expect(await migrate(client, SCHEMA)).toEqual({ applied: MIGRATIONS.map((m) => m.version) });
    expect(await migrate(client, SCHEMA)).toEqual({ applied: [] });
    const tables = await client.describeSchema(SCHEMA);
    expect([...tables.keys()].sort()).toEqual(['_loader_columns', '_loader_migrations', '_loader_rejects', '_loader_runs', '_loader_state']);
    expect(tables.get('_loader_state')).toEqual([
      { name: 'stream', type: 'string' },
      { name: 'bookmark', type: 'string' },
      { name: 'load_id', type: 'string' },
      { name: 'updated_at', type: 'timestamp' },
    ]);
    const recorded = await client.query(`SELECT version, name FROM "pipe""drive"._loader_migrations ORDER BY version`);
    expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('applies later migrations in order, and none twice', async () => {
    const order: number[] = [];
    const extra = (version: number): Migration => ({
      version,
      name: `extra_${version}`,
      async up({ session, dialect, schema }) {
        order.push(version);
        for (const sql of dialect.addColumns({ schema, name: '_loader_runs' }, [{ name: `note_${version}`, type: 'string' }])) {
          await session.execute(sql);
        }
      },
    });
    await migrate(client, SCHEMA);
    // Versions past the released ones, whatever their number.
    await migrate(client, SCHEMA, [...MIGRATIONS, extra(1001), extra(1000)]);
    await migrate(client, SCHEMA, [...MIGRATIONS, extra(1001), extra(1000)]);
    expect(order).toEqual([1000, 1001]);
  });

  it('records nothing when a migration fails', async () => {
    const broken: Migration = {
      version: 1000,
      name: 'broken',
      async up({ session }) {
        await session.execute('CREATE TABLE "pipe""drive".half_done (a INTEGER)');
        throw new Error('broken migration');
      },
    };
    await expect(migrate(client, SCHEMA, [...MIGRATIONS, broken])).rejects.toThrow('broken migration');
    const tables = await client.describeSchema(SCHEMA);
    expect(tables.has('half_done')).toBe(false);
    expect(tables.has('_loader_state')).toBe(true);
    expect(await client.query(`SELECT version FROM "pipe""drive"._loader_migrations ORDER BY version`)).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version })),
    );
  });
});

describe('StateStore', () => {
  let store: StateStore;
  beforeEach(async () => {
    await migrate(client, SCHEMA);
    store = new StateStore(client, SCHEMA);
  });

  it('saves, replaces, reads and clears bookmarks', async () => {
    expect(await store.readBookmarks()).toEqual(new Map());
    await client.transaction((s) => store.saveBookmark(s, 'deals', '2024-01-01T00:00:00Z', 'load-1', new Date('2024-05-01T10:00:00Z')));
    await client.transaction((s) => store.saveBookmark(s, 'deals', '2024-01-02T00:00:00Z', 'load-2', new Date('2024-05-02T10:00:00Z')));
    await client.transaction((s) => store.saveBookmark(s, "per'sons", '2024-01-03T00:00:00Z', 'load-2'));
    expect(await store.readBookmarks()).toEqual(
      new Map([
        ['deals', '2024-01-02T00:00:00Z'],
        ["per'sons", '2024-01-03T00:00:00Z'],
      ]),
    );
    expect((await store.readStreamStates())[0]).toEqual({
      stream: 'deals',
      bookmark: '2024-01-02T00:00:00Z',
      loadId: 'load-2',
      updatedAt: '2024-05-02T10:00:00Z',
    });
    await store.clearBookmark('deals');
    expect([...(await store.readBookmarks()).keys()]).toEqual(["per'sons"]);
  });

  it('upserts column mappings by (table, field key, subfield)', async () => {
    const mapping = (subfield: string, name: string, lastSeen: string): PersistedColumnMapping => ({
      table_name: 'deals',
      field_key: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2',
      subfield,
      column_name: subfield ? `budget_${subfield}` : 'budget',
      field_name: name,
      field_type: 'monetary',
      first_seen_at: '2024-01-01T00:00:00Z',
      last_seen_at: lastSeen,
    });
    await client.transaction((s) => store.saveColumnMappings(s, [mapping('', 'Budget', '2024-01-01T00:00:00Z'), mapping('currency', 'Budget', '2024-01-01T00:00:00Z')]));
    await client.transaction((s) => store.saveColumnMappings(s, [mapping('', 'Budget 💶 renamed', '2024-02-01T00:00:00Z')]));
    expect(await store.readColumnMappings()).toEqual([
      mapping('', 'Budget 💶 renamed', '2024-02-01T00:00:00Z'),
      mapping('currency', 'Budget', '2024-01-01T00:00:00Z'),
    ]);
  });

  it('logs runs from start to finish, newest first', async () => {
    await store.startRun('load-1', '2024-05-01T10:00:00Z');
    await store.startRun('load-2', '2024-05-02T10:00:00Z');
    const streams = [{ stream: 'deals', inserted: 3, updated: 1, requests: 2, tokens: 20, seconds: 1.5, records: 4 }];
    await store.finishRun('load-1', { status: 'failed', streams, requests: 2, tokens: 20, error: "Pipedrive said 'no'" }, '2024-05-01T10:05:00Z');
    const runs = await store.readRuns(10);
    expect(runs).toEqual([
      { loadId: 'load-2', startedAt: '2024-05-02T10:00:00Z', finishedAt: null, status: 'running', streams: [], requests: 0, tokens: 0, error: null },
      {
        loadId: 'load-1',
        startedAt: '2024-05-01T10:00:00Z',
        finishedAt: '2024-05-01T10:05:00Z',
        status: 'failed',
        streams,
        requests: 2,
        tokens: 20,
        error: "Pipedrive said 'no'",
      },
    ]);
    expect(await store.readRuns(1)).toHaveLength(1);
  });
});

describe('bookmarkWithOverlap', () => {
  it('steps back one second by default and drops fractions', () => {
    expect(bookmarkWithOverlap('2024-07-01T05:46:33Z')).toBe('2024-07-01T05:46:32Z');
    expect(bookmarkWithOverlap('2024-07-01T05:46:33.900Z')).toBe('2024-07-01T05:46:32Z');
    expect(bookmarkWithOverlap('2024-01-01T00:00:00Z')).toBe('2023-12-31T23:59:59Z');
    expect(bookmarkWithOverlap('2024-03-01T00:00:05Z', 10)).toBe('2024-02-29T23:59:55Z');
    expect(bookmarkWithOverlap('2024-07-01T05:46:33Z', 0)).toBe('2024-07-01T05:46:33Z');
  });

  it('refuses a bookmark that is not a timestamp', () => {
    expect(() => bookmarkWithOverlap('yesterday')).toThrow(/state reset/);
    expect(() => bookmarkWithOverlap('2024-07-01T05:46:33Z', -1)).toThrow(RangeError);
  });
});
