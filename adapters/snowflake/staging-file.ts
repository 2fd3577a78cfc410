/**
 * A commit unit staged through a local file (the adapter contract's StagingFile): each memory
 * batch is encoded to CSV and appended, gzipped, to a temporary file as it arrives; the unit then
 * costs one PUT of that file to a temporary stage and one COPY INTO the staging table, instead of
 * one array-bound INSERT (and the SDK's own stage attempt) per batch. The loader's memory holds one
 * batch whatever the unit's size.
 *
 * The staging table is the one `stageRows` makes for a batch (staging.ts): a TEMPORARY table with
 * the staging types, converted by PARSE_JSON where json or string_list columns need it. The stage
 * is TEMPORARY too (created once per session, dropped with it), and COPY … PURGE removes the file
 * from it once loaded, so a crash leaves nothing behind in the account.
 *
 * CSV, every value enclosed in double quotes (quotes doubled inside), NULL as an empty field with
 * nothing enclosed: with EMPTY_FIELD_AS_NULL that reads back as NULL, and `""` as the empty string.
 * Values are the text `bindText` gives a bound value, so a unit loads exactly what a batch does.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createGzip, type Gzip } from 'node:zlib';
import { WarehouseTerminalError } from '../../src/errors.js';
import type { ColumnSpec, Row, TableRef } from '../../src/schema/types.js';
import type { StagingFile } from '../types.js';
import { convertStagingSql, createStagingTable, needsConversion, qualify, quoteIdentifier, STAGING_ROW_COLUMN } from './dialect.js';
import { bindText, CellTypeError } from './values.js';

/** As BigQuery's (staging-file.ts there): two PUT + COPY per 100,000 deals, flat memory. */
export const SNOWFLAKE_BATCH_SIZING = {
  memory: { maxRows: 2_000, maxBytes: 12 * 1024 * 1024 },
  unit: { maxRows: 50_000, maxStagedBytes: 256 * 1024 * 1024 },
} as const;

/** The session's temporary stage, in the target's schema. */
export const STAGE_NAME = '_loader_stage';

export interface StatementResultRows {
  readonly columns: readonly { readonly name: string }[];
  readonly rows: readonly (readonly unknown[])[];
}

export interface CsvStagingDependencies {
  /** Runs one statement on the client's session (with its error translation). */
  run(sql: string): Promise<StatementResultRows>;
  /** A name for the unit's staging table (the client's counter). */
  stagingName(target: TableRef): TableRef;
  /** Tells the client the staging table exists, so the merge's cleanup may drop it. */
  created(staging: TableRef): void;
}

/** The file format of the unit's CSV, as COPY must read it. */
const FILE_FORMAT =
  "TYPE = CSV FIELD_DELIMITER = ',' RECORD_DELIMITER = '\\n' FIELD_OPTIONALLY_ENCLOSED_BY = '\"' " +
  "EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () ESCAPE_UNENCLOSED_FIELD = NONE COMPRESSION = GZIP ENCODING = 'UTF8'";

export function stageOf(target: TableRef): string {
  return `${quoteIdentifier(target.schema)}.${quoteIdentifier(STAGE_NAME)}`;
}

/** One CSV field: NULL as nothing, any other value enclosed, its quotes doubled. */
function csvField(text: string | null): string {
  return text === null ? '' : `"${text.replaceAll('"', '""')}"`;
}

/** A path as a PUT names it: `file://` and forward slashes, quotes refused (never in mkdtemp's names). */
function fileUrl(path: string): string {
  if (path.includes("'")) throw new Error(`a staging file path with a quote: ${path}`);
  return `file://${path.replaceAll('\\', '/')}`;
}

export async function openCsvStagingFile(target: TableRef, columns: readonly ColumnSpec[], dependencies: CsvStagingDependencies): Promise<StagingFile> {
  const directory = await mkdtemp(join(tmpdir(), 'pipedrive-loader-sf-'));
  return new CsvStagingFile(target, columns, dependencies, directory);
}

class CsvStagingFile implements StagingFile {
  rows = 0;
  bytes = 0;
  readonly #path: string;
  readonly #file: WriteStream;
  #gzip: Gzip | undefined;
  /** The file stream's failure, if any, surfaced by the next append or load. */
  #failure: Error | undefined;

  constructor(
    private readonly target: TableRef,
    private readonly columns: readonly ColumnSpec[],
    private readonly dependencies: CsvStagingDependencies,
    private readonly directory: string,
  ) {
    this.#path = join(directory, 'unit.csv.gz');
    this.#file = createWriteStream(this.#path);
    // Speed over ratio: the CSV of wide deals still shrinks about tenfold, for a fraction of the CPU.
    this.#gzip = createGzip({ level: constants.Z_BEST_SPEED });
    this.#gzip.pipe(this.#file);
    const fail = (error: Error): void => {
      this.#failure ??= error;
    };
    this.#gzip.on('error', fail);
    this.#file.on('error', fail);
  }

  async append(rows: readonly Row[]): Promise<void> {
    const gzip = this.#gzip;
    if (gzip === undefined) throw new Error('StagingFile.append after load() or discard()');
    if (this.#failure) throw this.#failure;
    const lines: string[] = [];
    for (const row of rows) {
      const fields: string[] = [];
      for (const column of this.columns) {
        try {
          fields.push(csvField(bindText(column.type, row[column.name])));
        } catch (error) {
          if (!(error instanceof CellTypeError)) throw error;
          throw new WarehouseTerminalError(`Cannot load column ${column.name} of ${qualify(this.target)}: ${error.message}.`, { cause: error });
        }
      }
      // The row's position in the whole unit: the merge's tie-breaker (a later row wins).
      fields.push(String(this.rows + lines.length));
      lines.push(`${fields.join(',')}\n`);
    }
    const buffer = Buffer.from(lines.join(''), 'utf8');
    if (!gzip.write(buffer)) await once(gzip, 'drain');
    this.rows += lines.length;
    this.bytes += buffer.length;
  }

  async load(): Promise<TableRef> {
    const gzip = this.#gzip;
    if (gzip === undefined) throw new Error('StagingFile.load called twice, or after discard()');
    this.#gzip = undefined;
    gzip.end();
    await once(this.#file, 'close');
    if (this.#failure) throw this.#failure;
    const { run } = this.dependencies;
    const stage = stageOf(this.target);
    // Idempotent, and a metadata operation: cheaper than remembering per session whether it ran.
    await run(`CREATE TEMPORARY STAGE IF NOT EXISTS ${stage}`);
    const staging = this.dependencies.stagingName(this.target);
    // The stage path is a folder: the file keeps its own name under it, and COPY reads the folder.
    const folder = `@${stage}/${staging.name}/`;
    // The upload: the SDK sends the file to the stage's storage (S3, GCS or Azure) itself.
    const put = await run(`PUT '${fileUrl(this.#path)}' ${folder} AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP OVERWRITE = TRUE`);
    checkUploaded(put);
    const convert = needsConversion(this.columns);
    const raw: TableRef = convert ? { schema: staging.schema, name: `${staging.name}_raw` } : staging;
    await run(createStagingTable(raw, this.columns));
    const names = [...this.columns.map((column) => column.name), STAGING_ROW_COLUMN].map(quoteIdentifier);
    const copied = await run(
      `COPY INTO ${qualify(raw)} (${names.join(', ')}) FROM ${folder} ` +
        `FILE_FORMAT = (${FILE_FORMAT}) ON_ERROR = ABORT_STATEMENT PURGE = TRUE`,
    );
    checkCopied(copied, this.rows, qualify(raw));
    if (convert) {
      await run(convertStagingSql(staging, raw, this.columns));
      await run(`DROP TABLE ${qualify(raw)}`);
    }
    this.dependencies.created(staging);
    return staging;
  }

  async discard(): Promise<void> {
    const gzip = this.#gzip;
    this.#gzip = undefined;
    if (gzip !== undefined) {
      gzip.destroy();
      this.#file.destroy();
    }
    await rm(this.directory, { recursive: true, force: true });
  }
}

/** The value of `column` (case-insensitive) in each row of a result. */
function valuesOf(result: StatementResultRows, column: string): unknown[] {
  const index = result.columns.findIndex((candidate) => candidate.name.toLowerCase() === column);
  return index < 0 ? [] : result.rows.map((row) => row[index]);
}

/** A PUT reports each file's status as a row; anything but UPLOADED failed (the SDK does not throw). */
function checkUploaded(result: StatementResultRows): void {
  const [state] = valuesOf(result, 'status');
  if (state === 'UPLOADED') return;
  const [message] = valuesOf(result, 'message');
  throw new WarehouseTerminalError(`Snowflake did not take the staging file (PUT status ${String(state ?? 'missing')}${message ? `: ${String(message)}` : ''}).`);
}

/**
 * COPY reports the rows it loaded per file. Fewer than were written means a file was missing or
 * misread: never merge a unit that lost rows (the rerun would not know).
 */
function checkCopied(result: StatementResultRows, expected: number, table: string): void {
  const loaded = valuesOf(result, 'rows_loaded').reduce<number>((sum, value) => sum + Number(value ?? 0), 0);
  if (loaded === expected) return;
  throw new WarehouseTerminalError(`Snowflake loaded ${loaded} of the ${expected} staged rows into ${table}; the unit is not merged.`);
}
