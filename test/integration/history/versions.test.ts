/**
 * History mode's SQL on real DuckDB and PostgreSQL, batch by batch through HistoryWriter and
 * upsertBatch as commitBatch composes them: re-reads add nothing, a late older version lands in
 * place, a re-read with other values at the same update_time replaces its version, a delete
 * closes the last version, a record found live again reopens it, and turning history on later
 * starts from the current rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdapter } from '../../../adapters/postgres/index.js';
import type { WarehouseClient } from '../../../adapters/types.js';
import { migrate } from '../../../migrations/index.js';
import { Reporter } from '../../../src/cli/output.js';
import { HistoryWriter } from '../../../src/history/writer.js';
import type { SchemaSync, TableModels } from '../../../src/load/schema-sync.js';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { TableModel } from '../../../src/schema/shape.js';
import type { ColumnSpec, Row } from '../../../src/schema/types.js';
import { StateStore } from '../../../src/state/store.js';
import { createTestDatabase, type PostgresTestDatabase } from '../../helpers/postgres.js';
import { tempDatabase, type TempDatabase } from '../duckdb/helpers.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'labels', type: 'string_list' },
  { name: 'update_time', type: 'timestamp' },
  { name: '_loaded_at', type: 'timestamp' },
  { name: '_load_id', type: 'string' },
  { name: '_deleted_at', type: 'timestamp' },
];
const T = (minute: number): string => `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`;
const row = (id: number, minute: number, title: string, deleted?: number): Row => ({
  id,
  title,
  labels: [title, 'x'],
  update_time: T(minute),
  _loaded_at: T(59),
  _load_id: 'load',
  _deleted_at: deleted === undefined ? null : T(deleted),
});

const quiet = { write: () => true };
const reporterLines: string[] = [];
const reporter = new Reporter('text', { stdout: { write: (text: string) => reporterLines.push(text) }, stderr: quiet });

interface Harness {
  readonly client: WarehouseClient;
  readonly schema: string;
  batch(rows: readonly Row[]): Promise<void>;
  versions(): Promise<{ id: number; from: string; to: string | null; current: boolean; title: string; hash: string }[]>;
}

async function harness(client: WarehouseClient, schema: string, seedRows: readonly Row[] = []): Promise<{ harness: Harness; writer: HistoryWriter }> {
  await migrate(client, schema);
  const store = new StateStore(client, schema);
  const { dialect } = client;
  const deals = { schema, name: 'deals' };
  await client.transaction(async (session) => {
    for (const sql of dialect.createTable(deals, { name: 'deals', columns: COLUMNS, primaryKey: ['id'] })) await session.execute(sql);
  });
  const upsert = (rows: readonly Row[], after?: Parameters<typeof upsertBatch>[2]) =>
    upsertBatch(client, { target: deals, columns: COLUMNS, rows, primaryKey: ['id'], newestBy: 'update_time' }, after);
  if (seedRows.length > 0) await upsert(seedRows);
  const writer = new HistoryWriter({ warehouse: client, schema, store, reporter, loadId: 'load', loadedAt: T(59) });
  const models: TableModels = new Map([['deals', {} as TableModel]]);
  const sync = { writePlan: () => ({ primaryKey: ['id'], columns: COLUMNS }) } as unknown as SchemaSync;
  await writer.start([{ table: 'deals', validFrom: 'update_time' }], models, sync, await store.readBookmarks());
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const toText = (column: string): string =>
    dialect.name === 'duckdb' ? `strftime(timezone('UTC', ${q(column)}), '%Y-%m-%dT%H:%M:%SZ')` : `to_char(${q(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
  return {
    writer,
    harness: {
      client,
      schema,
      async batch(rows) {
        const step = await writer.forBatch('deals', COLUMNS, rows);
        await upsert(rows, step);
      },
      async versions() {
        const found = await client.query(
          `SELECT ${q('id')}, ${toText('_valid_from')} AS ${q('vf')}, ${toText('_valid_to')} AS ${q('vt')}, ${q('_is_current')}, ${q('title')}, ${q('_version_hash')} ` +
            `FROM ${dialect.qualify({ schema, name: 'deals_history' })} ORDER BY ${q('id')}, ${q('_valid_from')}`,
        );
        return found.map((r) => ({
          id: Number(r['id']),
          from: String(r['vf']),
          to: r['vt'] === null ? null : String(r['vt']),
          current: r['_is_current'] === true,
          title: String(r['title']),
          hash: String(r['_version_hash']),
        }));
      },
    },
  };
}

const brief = (versions: Awaited<ReturnType<Harness['versions']>>) => versions.map((v) => [v.id, v.from, v.to, v.current, v.title]);

function scenario(name: string, open: () => Promise<{ client: WarehouseClient; schema: (tag: string) => string }>): void {
  describe(`history versions on ${name}`, () => {
    it('adds each version once, in place, replaces a same-time re-read, and follows deletes', async () => {
      const { client, schema } = await open();
      const { harness: h, writer } = await harness(client, schema('versions'));
      await h.batch([row(1, 1, 'a'), row(2, 1, 'x')]);
      await h.batch([row(1, 1, 'a'), row(2, 1, 'x')]); // a re-read: nothing changes
      expect(brief(await h.versions())).toEqual([[1, T(1), null, true, 'a'], [2, T(1), null, true, 'x']]);
      const [first] = await h.versions();

      await h.batch([row(1, 3, 'c'), row(1, 3, 'c')]); // twice in one batch: one version
      await h.batch([row(1, 2, 'b')]); // an older version read late: in place
      expect(brief(await h.versions()).filter(([id]) => id === 1)).toEqual([
        [1, T(1), T(2), false, 'a'],
        [1, T(2), T(3), false, 'b'],
        [1, T(3), null, true, 'c'],
      ]);
      await h.batch([row(1, 3, 'c, edited in the same second')]);
      const replaced = (await h.versions()).filter((v) => v.id === 1);
      expect(replaced.map((v) => v.title)).toEqual(['a', 'b', 'c, edited in the same second']);
      expect(replaced[0]?.hash).toBe(first?.hash);
      expect(new Set(replaced.map((v) => v.hash)).size).toBe(3);

      await h.batch([row(2, 4, 'x', 4)]); // deleted (as deals arrive): closes, adds nothing
      expect(brief(await h.versions()).filter(([id]) => id === 2)).toEqual([[2, T(1), T(4), false, 'x']]);

      // A delete marked outside a batch (a key scan), then the record listed again unchanged.
      const deals = client.dialect.qualify({ schema: h.schema, name: 'deals' });
      const mark = async (value: string | null) =>
        client.transaction(async (session) => {
          await session.execute(`UPDATE ${deals} SET ${client.dialect.quoteIdentifier('_deleted_at')} = ${value === null ? 'NULL' : `CAST('${value}' AS ${client.dialect.nativeType('timestamp')})`} WHERE ${client.dialect.quoteIdentifier('id')} = 1`);
          await writer.followDeletes(session, 'deals');
        });
      await mark(T(5));
      expect((await h.versions()).filter((v) => v.id === 1).at(-1)).toMatchObject({ to: T(5), current: false });
      await mark(null);
      expect((await h.versions()).filter((v) => v.id === 1).map((v) => [v.to, v.current])).toEqual([[T(2), false], [T(3), false], [null, true]]);
    });

    it('turned on later, starts from the current rows and says so; started once', async () => {
      const { client, schema } = await open();
      reporterLines.length = 0;
      const named = schema('later');
      const { harness: h } = await harness(client, named, [row(1, 1, 'a'), row(2, 2, 'b'), row(3, 3, 'gone', 3)]);
      expect(brief(await h.versions())).toEqual([[1, T(1), null, true, 'a'], [2, T(2), null, true, 'b']]);
      expect(reporterLines.join('')).toContain('deals_history starts with the 2 current row(s) as their first versions (_valid_from = update_time)');
      reporterLines.length = 0;
      await harness(client, named); // a second run: the history has begun, nothing is copied again
      expect(reporterLines.join('')).toBe('');
      expect((await h.versions()).length).toBe(2);
    });
  });
}

let duckdb: TempDatabase;
let postgres: PostgresTestDatabase | undefined;
const postgresClients: WarehouseClient[] = [];
beforeAll(async () => {
  duckdb = tempDatabase();
  if (process.env.TEST_DATABASE_URL) postgres = await createTestDatabase();
});
afterAll(async () => {
  await duckdb?.cleanup();
  for (const client of postgresClients) await client.close();
  await postgres?.dispose();
});

scenario('DuckDB', async () => ({ client: await duckdb.open(), schema: (tag) => `h_${tag}` }));
describe.runIf(process.env.TEST_DATABASE_URL)('PostgreSQL', () => {
  scenario('PostgreSQL', async () => {
    if (!postgres) throw new Error('no PostgreSQL');
    const client = postgresAdapter.createClient(postgres.target());
    await client.open();
    postgresClients.push(client);
    return { client, schema: (tag) => `h_${tag}` };
  });
});
