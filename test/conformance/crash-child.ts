/**
 * Run by the conformance suite's crash test in a separate process, for any adapter: commits one
 * batch (rows 1–1000 and the bookmark), then stops inside the second batch's transaction, after
 * its merge and bookmark write but before COMMIT, and waits there to be SIGKILLed.
 *
 * argv: <target config as JSON> <schema> <rows in the second batch>
 */
import { loadAdapter } from '../../adapters/index.js';
import { migrate } from '../../migrations/index.js';
import type { TargetConfig } from '../../src/config/target.js';
import { upsertBatch } from '../../src/load/upsert.js';
import { StateStore } from '../../src/state/store.js';
import type { ColumnSpec, Row } from '../../src/schema/types.js';

const [targetJson, schema, secondBatchRows] = process.argv.slice(2);
if (!targetJson || !schema || !secondBatchRows) throw new Error('usage: crash-child.ts <target json> <schema> <rows>');
const targetConfig = JSON.parse(targetJson) as TargetConfig;

const target = { schema, name: 'deals' };
const columns: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'update_time', type: 'timestamp' },
];
const rows = (from: number, to: number, time: string): Row[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, title: `deal ${from + i}`, update_time: time }));

const client = (await loadAdapter(targetConfig.type)).createClient(targetConfig);
await client.open();
await migrate(client, schema);
for (const sql of client.dialect.createTable(target, { name: target.name, columns, primaryKey: ['id'] })) {
  await client.execute(sql);
}
const store = new StateStore(client, schema);
const batch = (batchRows: Row[]) => ({ target, columns, rows: batchRows, primaryKey: ['id'], newestBy: 'update_time' });

await upsertBatch(client, batch(rows(1, 1000, '2024-01-01T00:00:00Z')), (session) =>
  store.saveBookmark(session, 'deals', '2024-01-01T00:00:00Z', 'load-1'),
);
process.stdout.write('FIRST_BATCH_COMMITTED\n');

// Large, so that the warehouse has written much of it (DuckDB spills to the file) before COMMIT.
await upsertBatch(client, batch(rows(1001, 1000 + Number(secondBatchRows), '2024-01-02T00:00:00Z')), async (session) => {
  await store.saveBookmark(session, 'deals', '2024-01-02T00:00:00Z', 'load-1');
  process.stdout.write('INSIDE_SECOND_BATCH\n');
  setInterval(() => undefined, 1000); // keep the process alive until the test kills it
  await new Promise(() => undefined);
});
