/**
 * Prints a rough rows/s for 100k rows through upsertBatch (first load, then the same keys again
 * as updates). Nothing here asserts speed; it asserts only that every row arrived.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { ColumnSpec, Row } from '../../../src/schema/types.js';
import { tempDatabase, type TempDatabase } from './helpers.js';

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
    title: `Deal number ${id} for Ärztekammer «${round}»`,
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

let db: TempDatabase | undefined;
afterEach(async () => {
  await db?.cleanup();
});

describe('throughput (printed, not asserted)', () => {
  it(`moves ${ROWS} rows through upsertBatch in batches of ${BATCH}`, async () => {
    db = tempDatabase();
    const client = await db.open();
    const target = { schema: 'bench', name: 'deals' };
    for (const sql of client.dialect.createSchema('bench')) await client.execute(sql);
    for (const sql of client.dialect.createTable(target, { name: 'deals', columns: COLUMNS, primaryKey: ['id'] })) {
      await client.execute(sql);
    }
    for (const round of [1, 2]) {
      let inserted = 0;
      let updated = 0;
      let milliseconds = 0;
      for (let from = 0; from < ROWS; from += BATCH) {
        const rows = Array.from({ length: BATCH }, (_, i) => row(from + i, round));
        const started = performance.now(); // building the rows is the shaper's cost, not ours
        const result = await upsertBatch(client, { target, columns: COLUMNS, rows, primaryKey: ['id'], newestBy: 'update_time' });
        inserted += result.inserted;
        updated += result.updated;
        milliseconds += performance.now() - started;
      }
      const seconds = milliseconds / 1000;
      console.log(
        `duckdb upsertBatch round ${round} (${round === 1 ? 'inserts' : 'updates'}): ${ROWS} rows, ` +
          `${COLUMNS.length} columns, batches of ${BATCH}: ${seconds.toFixed(2)} s, ~${Math.round(ROWS / seconds)} rows/s`,
      );
      expect({ inserted, updated }).toEqual(round === 1 ? { inserted: ROWS, updated: 0 } : { inserted: 0, updated: ROWS });
    }
    expect(await client.query('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM bench.deals')).toEqual([
      { n: ROWS, ids: ROWS },
    ]);
  });
});
