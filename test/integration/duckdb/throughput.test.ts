/**
 * Prints a rough rows/s for 100k rows through upsertBatch (first load, then the same keys again
 * as updates). Nothing here asserts speed; it asserts only that every row arrived.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { Row } from '../../../src/schema/types.js';
import { THROUGHPUT_BATCH, THROUGHPUT_COLUMNS, THROUGHPUT_ROWS, throughputRow } from '../../helpers/throughput-rows.js';
import { tempDatabase, type TempDatabase } from './helpers.js';

const COLUMNS = THROUGHPUT_COLUMNS;
const ROWS = THROUGHPUT_ROWS;
const BATCH = THROUGHPUT_BATCH;
const row = (id: number, round: number): Row => throughputRow(id, round);

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
