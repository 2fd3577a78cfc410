/**
 * A commit unit staged through a local file (the adapter contract's StagingFile): each memory
 * batch is encoded to newline-delimited JSON and appended to a temporary file as it arrives, and
 * the whole file goes to BigQuery in ONE load job, streamed from disk, so the loader's memory
 * holds one batch whatever the unit's size. Load jobs are free (they use a shared slot pool); what
 * a unit saves is the per-batch price: a job each, a staging table each, and one MERGE each, whose
 * bytes billed include the target table (README.md#what-a-load-costs-on-bigquery-and-snowflake).
 *
 * The staging table is made by the client (`createTable`), exactly as for a batch staged from
 * memory, so it expires within a day and the merge's cleanup drops it like any other.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from '@google-cloud/bigquery';
import { WarehouseTerminalError } from '../../src/errors.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import type { StagingFile } from '../types.js';
import { nativeType, STAGING_ROW_COLUMN } from './dialect.js';
import { loadNdjson, type LoadField } from './jobs.js';
import { CellTypeError, ndjsonLines } from './values.js';

/**
 * 50,000 rows is two load jobs and two merges per 100,000 deals; 256 MB of NDJSON (about 100,000
 * rows of 111 columns) bounds the upload of very wide rows. A crash loses at most one unit of
 * reading, which the rerun reads again.
 */
export const BIGQUERY_BATCH_SIZING = {
  memory: { maxRows: 2_000, maxBytes: 12 * 1024 * 1024 },
  unit: { maxRows: 50_000, maxStagedBytes: 256 * 1024 * 1024 },
} as const;

/** Bytes read from the file per chunk of the upload. */
const READ_CHUNK_BYTES = 1 << 20;

export interface NdjsonStagingDependencies {
  /** Creates the empty staging table (the client's writeStaging with no rows) and names it. */
  createTable(): Promise<TableRef>;
  /** The SDK handle of a table, in the client's project and location. */
  table(staging: TableRef): Table;
  /** The client's error translation (redaction, transient or terminal). */
  translate(error: unknown, context: string): Error;
}

/** The load job's schema: the staging table's (ARRAY<STRING> is a REPEATED STRING), then the row position. */
function loadFields(columns: readonly ColumnSpec[]): LoadField[] {
  return [
    ...columns.map((column): LoadField =>
      column.type === 'string_list' ? { name: column.name, type: 'STRING', mode: 'REPEATED' } : { name: column.name, type: nativeType(column.type), mode: 'NULLABLE' },
    ),
    { name: STAGING_ROW_COLUMN, type: 'INT64', mode: 'NULLABLE' },
  ];
}

export async function openNdjsonStagingFile(
  target: TableRef,
  columns: readonly ColumnSpec[],
  dependencies: NdjsonStagingDependencies,
): Promise<StagingFile> {
  const directory = await mkdtemp(join(tmpdir(), 'pipedrive-loader-bq-'));
  const path = join(directory, 'unit.ndjson');
  const handle = await open(path, 'w');
  return new NdjsonStagingFile(target, columns, dependencies, directory, path, handle);
}

class NdjsonStagingFile implements StagingFile {
  rows = 0;
  bytes = 0;
  #handle: FileHandle | undefined;
  readonly #rowKey = `${JSON.stringify(STAGING_ROW_COLUMN)}:`;

  constructor(
    private readonly target: TableRef,
    private readonly columns: readonly ColumnSpec[],
    private readonly dependencies: NdjsonStagingDependencies,
    private readonly directory: string,
    private readonly path: string,
    handle: FileHandle,
  ) {
    this.#handle = handle;
  }

  async append(rows: readonly Row[]): Promise<void> {
    const handle = this.#handle;
    if (handle === undefined) throw new Error('StagingFile.append after load() or discard()');
    const lines: string[] = [];
    try {
      // Each line gets the row's position in the whole unit, the merge's tie-breaker: a row
      // appended later wins over an earlier one with the same key and update time.
      for (const line of ndjsonLines(this.columns, rows)) {
        const body = line.slice(0, -2); // `{…` without its closing `}\n`
        lines.push(`${body}${body === '{' ? '' : ','}${this.#rowKey}"${this.rows + lines.length}"}\n`);
      }
    } catch (error) {
      if (error instanceof CellTypeError) {
        throw new WarehouseTerminalError(`Cannot stage rows for ${this.target.schema}.${this.target.name}: ${error.message}`, { cause: error });
      }
      throw error;
    }
    const buffer = Buffer.from(lines.join(''), 'utf8');
    await handle.write(buffer);
    this.rows += lines.length;
    this.bytes += buffer.length;
  }

  async load(): Promise<TableRef> {
    const handle = this.#handle;
    if (handle === undefined) throw new Error('StagingFile.load called twice, or after discard()');
    this.#handle = undefined;
    await handle.close();
    const staging = await this.dependencies.createTable();
    if (this.rows === 0) return staging; // the empty table is the staging
    try {
      await loadNdjson({
        table: this.dependencies.table(staging),
        fields: loadFields(this.columns),
        body: createReadStream(this.path, { highWaterMark: READ_CHUNK_BYTES }),
      });
    } catch (error) {
      throw this.dependencies.translate(error, `loading staging rows for ${this.target.schema}.${this.target.name} (load job)`);
    }
    return staging;
  }

  async discard(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
    await rm(this.directory, { recursive: true, force: true });
  }
}
