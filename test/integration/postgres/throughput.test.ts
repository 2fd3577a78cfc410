/**
 * Prints rows/s for 100k rows into PostgreSQL: COPY alone (staging only, the physical limit of
 * this path) and the whole upsertBatch, first as inserts (new keys: the key check and a COPY
 * straight into the table) and then as updates of the same keys (COPY into staging, counting,
 * de-duplicating merge). Nothing here asserts speed; only that every row arrived.
 */
import { describe, expect, it } from 'vitest';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { Row } from '../../../src/schema/types.js';
import { THROUGHPUT_BATCH, THROUGHPUT_COLUMNS, THROUGHPUT_ROWS, throughputRow } from '../../helpers/throughput-rows.js';
import { usePostgresClient } from '../../helpers/postgres-client.js';

const COLUMNS = THROUGHPUT_COLUMNS;
const ROWS = THROUGHPUT_ROWS;
const BATCH = THROUGHPUT_BATCH;
// Tabs and quotes exercise COPY's escaping on every row.
const row = (id: number, round: number): Row => throughputRow(id, round, '\t"quoted"');

const pg = usePostgresClient();

const perSecond = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(2)} s, ~${Math.round(ROWS / (milliseconds / 1000))} rows/s`;

describe('throughput (printed, not asserted)', () => {
  it(`moves ${ROWS} rows by COPY alone and through upsertBatch, in batches of ${BATCH}`, async () => {
    const target = { schema: 'bench', name: 'deals' };
    for (const sql of pg.client.dialect.createSchema('bench')) await pg.client.execute(sql);
    for (const sql of pg.client.dialect.createTable(target, { name: 'deals', columns: COLUMNS, primaryKey: ['id'] })) await pg.client.execute(sql);

    // Warm-up, not counted: the first batches pay for JIT compilation and cold caches.
    for (let i = 0; i < 3; i++) {
      const rows = Array.from({ length: BATCH }, (_, j) => row(j, 0));
      await pg.client.transaction(async (session) => {
        await session.writeStaging(target, COLUMNS, rows);
      });
    }
    let copyMilliseconds = 0;
    for (let from = 0; from < ROWS; from += BATCH) {
      const rows = Array.from({ length: BATCH }, (_, i) => row(from + i, 0));
      const started = performance.now(); // building the rows is the shaper's cost, not ours
      await pg.client.transaction(async (session) => {
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
        const result = await upsertBatch(pg.client, { target, columns: COLUMNS, rows, primaryKey: ['id'], newestBy: 'update_time' });
        milliseconds += performance.now() - started;
        inserted += result.inserted;
        updated += result.updated;
      }
      console.info(
        `postgres upsertBatch round ${round} (${round === 1 ? 'inserts, straight into the table' : 'updates, staged and merged'}): ${ROWS} rows: ${perSecond(milliseconds)} ` +
          `(${Math.round((100 * copyMilliseconds) / milliseconds)}% of the COPY-alone rate)`,
      );
      expect({ inserted, updated }).toEqual(round === 1 ? { inserted: ROWS, updated: 0 } : { inserted: 0, updated: ROWS });
    }
    console.info(`peak RSS so far: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    expect(await pg.client.query('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM bench.deals')).toEqual([{ n: ROWS, ids: ROWS }]);
  });
});
