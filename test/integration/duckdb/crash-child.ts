/**
 * Run by crash.test.ts in a separate process: commits one batch (rows 1–1000 and the bookmark),
 * then stops inside the second batch's transaction, after its merge and bookmark write but before
 * COMMIT, and waits there to be SIGKILLed.
 */
import { DuckDBClient } from '../../../adapters/duckdb/client.js';
import { migrate } from '../../../migrations/index.js';
import { upsertBatch } from '../../../src/load/upsert.js';
import { StateStore } from '../../../src/state/store.js';
import type { ColumnSpec, Row } from '../../../src/schema/types.js';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-child.ts <database file>');

const target = { schema: 'pipedrive', name: 'deals' };
const columns: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'update_time', type: 'timestamp' },
];
const rows = (from: number, to: number, time: string): Row[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, title: `deal ${from + i}`, update_time: time }));

const client = new DuckDBClient({ type: 'duckdb', name: 'crash', settings: { path }, secrets: [] });
await client.open();
await migrate(client, target.schema);
for (const sql of client.dialect.createTable(target, { name: target.name, columns, primaryKey: ['id'] })) {
  await client.execute(sql);
}
const store = new StateStore(client, target.schema);
const batch = (batchRows: Row[]) => ({ target, columns, rows: batchRows, primaryKey: ['id'], newestBy: 'update_time' });

await upsertBatch(client, batch(rows(1, 1000, '2024-01-01T00:00:00Z')), (session) =>
  store.saveBookmark(session, 'deals', '2024-01-01T00:00:00Z', 'load-1'),
);
process.stdout.write('FIRST_BATCH_COMMITTED\n');

// Big enough that DuckDB spills transaction-local data to the file before COMMIT.
await upsertBatch(client, batch(rows(1001, 300_000, '2024-01-02T00:00:00Z')), async (session) => {
  await store.saveBookmark(session, 'deals', '2024-01-02T00:00:00Z', 'load-1');
  process.stdout.write('INSIDE_SECOND_BATCH\n');
  setInterval(() => undefined, 1000); // keep the process alive until the test kills it
  await new Promise(() => undefined);
});
