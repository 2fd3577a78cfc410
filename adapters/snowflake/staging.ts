/**
 * The bulk path: rows into a TEMPORARY staging table next to the target, by array binding.
 *
 * `INSERT … VALUES (?, …)` with `binds: [[row 1], [row 2], …]` is one request per chunk. Up to
 * the SDK's arrayBindingThreshold (100,000 values) the values travel inline in that request;
 * above it the SDK writes them as CSV, PUTs them to a temporary stage and the server reads them
 * from there (falling back to inline values if the upload fails). That is the same stage-and-load
 * path as an explicit PUT + COPY INTO, chosen for us by the SDK, and it needs no local files or
 * cloud-storage client here. It was chosen over an explicit PUT + COPY because its request can be
 * driven and checked against a local fake of Snowflake's REST API (test/integration/snowflake),
 * while PUT needs the cloud storage behind a real account.
 *
 * VALUES cannot hold PARSE_JSON, so json and string_list columns are staged as VARCHAR in a raw
 * table and converted by one CREATE TABLE … AS SELECT PARSE_JSON(…) into the staging table.
 *
 * Above one chunk (10,000 rows) the rows go through a staging file instead: one PUT and one COPY
 * (staging-file.ts), the path commit units take, rather than an INSERT per chunk.
 */
import { WarehouseTerminalError } from '../../src/errors.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import { convertStagingSql, createStagingTable, insertStagingSql, needsConversion, qualify } from './dialect.js';
import { openCsvStagingFile, type StatementResultRows } from './staging-file.js';
import { bindText, CellTypeError, type SdkBind } from './values.js';

/** Rows per INSERT: bounds the bind arrays held in memory at once. */
export const STAGING_CHUNK_ROWS = 10_000;

export interface StatementRunner {
  run(sql: string, binds: readonly SdkBind[] | readonly SdkBind[][]): Promise<StatementResultRows>;
}

/** Encodes the rows `from`…`to` as bind rows: the cells as text, then the row's position. */
export function bindRows(target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[], from: number, to: number): SdkBind[][] {
  const out: SdkBind[][] = [];
  for (let index = from; index < to; index++) {
    const row = rows[index] as Row;
    const values: SdkBind[] = [];
    for (const column of columns) {
      try {
        values.push(bindText(column.type, row[column.name]));
      } catch (error) {
        if (!(error instanceof CellTypeError)) throw error;
        throw new WarehouseTerminalError(`Cannot load column ${column.name} of ${qualify(target)}: ${error.message}.`, { cause: error });
      }
    }
    values.push(String(index));
    out.push(values);
  }
  return out;
}

export async function stageRows(
  runner: StatementRunner,
  target: TableRef,
  staging: TableRef,
  columns: readonly ColumnSpec[],
  rows: readonly Row[],
): Promise<void> {
  // More rows than one INSERT takes (the deletes comparison's keys of a large table): one PUT and
  // one COPY of a staging file (staging-file.ts) rather than an INSERT per 10,000 rows.
  if (rows.length > STAGING_CHUNK_ROWS) return stageThroughFile(runner, target, staging, columns, rows);
  const convert = needsConversion(columns);
  const raw: TableRef = convert ? { schema: staging.schema, name: `${staging.name}_raw` } : staging;
  // Encode the first chunk before any SQL runs: a wrong-typed cell fails before anything is created.
  let chunk = bindRows(target, columns, rows, 0, Math.min(rows.length, STAGING_CHUNK_ROWS));
  await runner.run(createStagingTable(raw, columns), []);
  const insert = insertStagingSql(raw, columns);
  for (let start = 0; start < rows.length; start += STAGING_CHUNK_ROWS) {
    if (start > 0) chunk = bindRows(target, columns, rows, start, Math.min(rows.length, start + STAGING_CHUNK_ROWS));
    await runner.run(insert, chunk);
  }
  if (convert) {
    await runner.run(convertStagingSql(staging, raw, columns), []);
    await runner.run(`DROP TABLE ${qualify(raw)}`, []);
  }
}

async function stageThroughFile(
  runner: StatementRunner,
  target: TableRef,
  staging: TableRef,
  columns: readonly ColumnSpec[],
  rows: readonly Row[],
): Promise<void> {
  const file = await openCsvStagingFile(target, columns, { run: (sql) => runner.run(sql, []), stagingName: () => staging, created: () => undefined });
  try {
    for (let start = 0; start < rows.length; start += STAGING_CHUNK_ROWS) await file.append(rows.slice(start, start + STAGING_CHUNK_ROWS));
    await file.load();
  } finally {
    await file.discard();
  }
}
