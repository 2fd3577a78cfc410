/**
 * Prints rows/s for 100k rows into PostgreSQL: COPY alone (staging only, the physical limit of
 * this path) and the whole upsertBatch (COPY, counting, de-duplicating merge, commit), first as
 * inserts and then as updates of the same keys. Nothing here asserts speed; only that every row
 * arrived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresClient } from '../../../adapters/postgres/client.js';
import { parsePostgresSettings } from '../../../adapters/postgres/index.js';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { ColumnSpec, Row } from '../../../src/schema/types.js';
import { createTestDatabase, type PostgresTestDatabase } from '../../helpers/postgres.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'title', type: 'string' },
  { name: 'value', type: 'decimal' },
  { name: 'probability', type: 'double' },
  { name: 'active', type: 'boolean' },
  { name: 'close_date', type: 'date' },
  { name: 'update_time', type: 'timestamp' },
  { name: 'add_time', type: 'timestamp' },
  { name: 'labels', type: 'string_list' },
  { name: 'custom', type: 'json' },
  { name: 'owner_name', type: 'string' },
  { name: 'org_id', type: 'bigint' },
  { name: '_loaded_at', type: 'timestamp' },
  { name: '_load_id', type: 'string' },
];
const ROWS = 100_000;
const BATCH = 10_000;

function row(id: number, round: number): Row {
  const time = new Date(Date.UTC(2024, 0, 1) + id * 1000 + round * 86_400_000).toISOString().replace('.000Z', 'Z');
  return {
    id,
    title: `Deal number ${id} for Ärztekammer «${round}»\t"quoted"`,
    value: `${id}.25`,
    probability: (id % 100) / 100,
    active: id % 3 === 0,
    close_date: '2024-12-31',
    update_time: time,
    add_time: '2023-01-01T00:00:00Z',
    labels: id % 2 ? ['hot', 'vip'] : [],
    custom: `{"k":${id}}`,
    owner_name: `owner ${id % 50}`,
    org_id: id % 1000,
    _loaded_at: time,
    _load_id: `load-${round}`,
  };
}

let db: PostgresTestDatabase;
let client: PostgresClient;
beforeAll(async () => {
  db = await createTestDatabase();
  client = new PostgresClient(parsePostgresSettings(db.target().settings));
  await client.open();
});
afterAll(async () => {
  await client?.close();
  await db?.dispose();
});

const perSecond = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(2)} s, ~${Math.round(ROWS / (milliseconds / 1000))} rows/s`;

describe('throughput (printed, not asserted)', () => {
  it(`moves ${ROWS} rows by COPY alone and through upsertBatch, in batches of ${BATCH}`, async () => {
    const target = { schema: 'bench', name: 'deals' };
    for (const sql of client.dialect.createSchema('bench')) await client.execute(sql);
    for (const sql of client.dialect.createTable(target, { name: 'deals', columns: COLUMNS, primaryKey: ['id'] })) await client.execute(sql);

    // Warm-up, not counted: the first batches pay for JIT compilation and cold caches.
    for (let i = 0; i < 3; i++) {
      const rows = Array.from({ length: BATCH }, (_, j) => row(j, 0));
      await client.transaction(async (session) => {
        await session.writeStaging(target, COLUMNS, rows);
      });
    }
    let copyMilliseconds = 0;
    for (let from = 0; from < ROWS; from += BATCH) {
      const rows = Array.from({ length: BATCH }, (_, i) => row(from + i, 0));
      const started = performance.now(); // building the rows is the shaper's cost, not ours
      await client.transaction(async (session) => {
        await session.writeStaging(target, COLUMNS, rows);
      });
      copyMilliseconds += performance.now() - started;
    }
    console.info(`postgres COPY alone (staging, one transaction per batch): ${ROWS} rows, ${COLUMNS.length} columns: ${perSecond(copyMilliseconds)}`);

    for (const round of [1, 2]) {
      let inserted = 0;
      let updated = 0;
      let milliseconds = 0;
      for (let from = 0; from < ROWS; from += BATCH) {
        const rows = Array.from({ length: BATCH }, (_, i) => row(from + i, round));
        const started = performance.now();
        const result = await upsertBatch(client, { target, columns: COLUMNS, rows, primaryKey: ['id'], newestBy: 'update_time' });
        milliseconds += performance.now() - started;
        inserted += result.inserted;
        updated += result.updated;
      }
      console.info(
        `postgres upsertBatch round ${round} (${round === 1 ? 'inserts' : 'updates'}): ${ROWS} rows: ${perSecond(milliseconds)} ` +
          `(${Math.round((100 * copyMilliseconds) / milliseconds)}% of the COPY-alone rate)`,
      );
      expect({ inserted, updated }).toEqual(round === 1 ? { inserted: ROWS, updated: 0 } : { inserted: 0, updated: ROWS });
    }
    console.info(`peak RSS so far: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    expect(await client.query('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM bench.deals')).toEqual([{ n: ROWS, ids: ROWS }]);
  });
});
