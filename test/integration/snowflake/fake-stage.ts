/**
 * The fake's internal stages (fake-snowflake.ts): CREATE TEMPORARY STAGE, PUT and COPY INTO from
 * a stage, as snowflake-sdk drives them.
 *
 * - PUT: Snowflake answers the statement with where to upload (`command: UPLOAD`, `stageInfo`)
 *   and the SDK uploads the file itself. For an account's stage that is S3, GCS or Azure; the
 *   fake answers `LOCAL_FS`, the SDK's test-only stage type, so the SDK copies the file into a
 *   folder the fake owns. Only stages created in the same session are served (a temporary stage
 *   is its session's); a PUT to any other stage (the SDK's own SYSTEM$BIND, used for large array
 *   binds) is left unanswered as before, and the SDK falls back to inline binds.
 * - COPY INTO … FROM @stage/folder/: reads the gzipped CSV files under that folder and answers
 *   one row per file with the rows loaded, as Snowflake does; PURGE removes them. It parses the
 *   CSV the way COPY's FILE_FORMAT says (quoted fields, doubled quotes, an empty unquoted field
 *   is NULL) and keeps the records for tests (`copied`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** One COPY of staged files into a table: its records, NULL as null. */
export interface CopiedFile {
  readonly table: string;
  readonly records: (string | null)[][];
  readonly bytes: number;
}

export type StageAnswer =
  | { readonly kind: 'upload'; readonly body: Record<string, unknown> }
  | { readonly kind: 'copy'; readonly files: readonly CopiedFile[] }
  | { readonly kind: 'error'; readonly code: string; readonly sqlState: string; readonly message: string };

const CREATE_STAGE = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+STAGE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\S+)/i;
const PUT = /^\s*PUT\s+'file:\/\/([^']+)'\s+@(\S+?)\/(\S*)\s/i;
const COPY_FROM_STAGE = /^\s*COPY\s+INTO\s+(\S+)\s*(?:\([^)]*\))?\s+FROM\s+@(\S+?)\/(\S*)\s/i;

/** Splits CSV text into records: `"…"` fields with `""` inside, `,` between, `\n` after each record. */
export function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let index = 0;
  while (index < text.length) {
    let field: string | null;
    if (text[index] === '"') {
      let value = '';
      index += 1;
      for (;;) {
        const close = text.indexOf('"', index);
        if (close < 0) throw new Error('unterminated quoted field');
        value += text.slice(index, close);
        index = close + 1;
        if (text[index] !== '"') break;
        value += '"';
        index += 1;
      }
      field = value;
    } else {
      let end = index;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n') end += 1;
      field = end === index ? null : text.slice(index, end);
      index = end;
    }
    record.push(field);
    if (text[index] === ',') index += 1;
    else if (text[index] === '\n' || index >= text.length) {
      records.push(record);
      record = [];
      index += 1;
    } else throw new Error(`unexpected character after a field at ${index}`);
  }
  return records;
}

export class FakeStages {
  readonly #root = mkdtempSync(join(tmpdir(), 'fake-snowflake-stages-'));
  /** Temporary stages by session token. */
  readonly #stages = new Map<string, Set<string>>();

  /** Answers a stage statement, or undefined for any other statement (and PUTs it does not serve). */
  handle(session: string, sql: string): StageAnswer | undefined {
    const created = CREATE_STAGE.exec(sql);
    if (created?.[1] !== undefined) {
      const stages = this.#stages.get(session) ?? new Set<string>();
      stages.add(created[1]);
      this.#stages.set(session, stages);
      return undefined;
    }
    const put = PUT.exec(sql);
    if (put) {
      const [, path = '', stage = '', folder = ''] = put;
      if (!this.#stages.get(session)?.has(stage)) return undefined;
      return {
        kind: 'upload',
        body: {
          command: 'UPLOAD',
          src_locations: [path],
          stageInfo: { locationType: 'LOCAL_FS', location: this.#folder(session, stage, folder), path: folder, region: null, creds: {} },
          autoCompress: /\bAUTO_COMPRESS\s*=\s*TRUE\b/i.test(sql),
          sourceCompression: /\bSOURCE_COMPRESSION\s*=\s*GZIP\b/i.test(sql) ? 'gzip' : 'none',
          parallel: 1,
          overwrite: /\bOVERWRITE\s*=\s*TRUE\b/i.test(sql),
        },
      };
    }
    const copy = COPY_FROM_STAGE.exec(sql);
    if (copy) {
      const [, table = '', stage = '', folder = ''] = copy;
      if (!this.#stages.get(session)?.has(stage)) {
        return { kind: 'error', code: '002003', sqlState: '02000', message: `SQL compilation error:\nStage '${stage}' does not exist or not authorized.` };
      }
      const directory = this.#folder(session, stage, folder);
      let names: string[] = [];
      try {
        names = readdirSync(directory);
      } catch {
        // no file was ever put there: COPY loads nothing
      }
      const files = names.map((name) => {
        const compressed = readFileSync(join(directory, name));
        return { table, records: parseCsv(gunzipSync(compressed).toString('utf8')), bytes: statSync(join(directory, name)).size };
      });
      if (/\bPURGE\s*=\s*TRUE\b/i.test(sql)) rmSync(directory, { recursive: true, force: true });
      return { kind: 'copy', files };
    }
    return undefined;
  }

  /** Where a stage folder's files live: one folder per session and stage, never outside the root. */
  #folder(session: string, stage: string, folder: string): string {
    const safe = (text: string): string => text.replace(/[^A-Za-z0-9_.-]/g, '_');
    return join(this.#root, safe(session), safe(stage), safe(folder));
  }

  remove(): void {
    rmSync(this.#root, { recursive: true, force: true });
  }
}
