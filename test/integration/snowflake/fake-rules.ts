/**
 * What Snowflake refuses or does on its own, as the fake (fake-snowflake.ts) models it. Each rule
 * names the page of Snowflake's documentation it follows. The fake executes no SQL, so the rules
 * read only a statement's first words, its column definitions and its binds.
 */
import type { Bindings, FakeAnswer } from './fake-snowflake.js';

type Refusal = Extract<FakeAnswer, { error: unknown }>;

/**
 * https://docs.snowflake.com/en/user-guide/query-size-limits: statements should stay within
 * 1 MB; larger ones run but are truncated before they are stored, so they cannot be rerun or
 * retried. The SDK retries a statement whose request failed, so for this loader a statement over
 * 1 MB is a defect: the fake refuses it outright (stricter than the service, on purpose).
 * The code and SQLSTATE (54000, "program limit exceeded") are the fake's own.
 */
export const MAX_STATEMENT_BYTES = 1024 * 1024;

export function statementTooLarge(sql: string): Refusal | undefined {
  const bytes = Buffer.byteLength(sql);
  if (bytes <= MAX_STATEMENT_BYTES) return undefined;
  return { error: { code: '000000', sqlState: '54000', message: `Statement text of ${bytes} bytes exceeds the 1 MB limit on query text size.` } };
}

/**
 * https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-execute: "The maximum
 * payload size of a single request is 128 MB" (the statement with its bound values). The query
 * size page adds that the 1 MB limit "also applies when binding values", after compression; the
 * SDK moves array binds above its threshold (100,000 values) to a stage instead, so the fake
 * bounds inline binds by the request limit only. `limit` lets a test use a smaller one.
 */
export const MAX_REQUEST_BYTES = 128 * 1024 * 1024;

export function requestTooLarge(bytes: number, limit = MAX_REQUEST_BYTES): Refusal | undefined {
  if (bytes <= limit) return undefined;
  return { error: { code: '000000', sqlState: '54000', message: `Request of ${bytes} bytes exceeds the maximum payload size of a single request (${limit} bytes).` } };
}

/**
 * Bind types of the query request (https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests,
 * "Using bind variables in a statement": FIXED, REAL, TEXT, BINARY, BOOLEAN, DATE, TIME and the
 * three TIMESTAMP types), plus the semi-structured types the SDK can send.
 */
const BIND_TYPES = new Set(['FIXED', 'REAL', 'TEXT', 'BINARY', 'BOOLEAN', 'DATE', 'TIME', 'TIMESTAMP_TZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_NTZ', 'ARRAY', 'OBJECT', 'VARIANT']);

export function unknownBindType(bindings: Bindings | undefined): Refusal | undefined {
  for (const [position, bind] of Object.entries(bindings ?? {})) {
    if (!BIND_TYPES.has(String(bind.type))) {
      return { error: { code: '002014', sqlState: '22000', message: `Unsupported bind type ${String(bind.type)} for bind variable ${position}.` } };
    }
  }
  return undefined;
}

/** https://docs.snowflake.com/en/sql-reference/intro-summary-data-types (synonyms included). */
const DATA_TYPES = new Set([
  'NUMBER', 'DECIMAL', 'NUMERIC', 'INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'BYTEINT', 'FLOAT', 'FLOAT4', 'FLOAT8', 'DOUBLE',
  'REAL', 'DECFLOAT', 'VARCHAR', 'CHAR', 'CHARACTER', 'STRING', 'TEXT', 'BINARY', 'VARBINARY', 'BOOLEAN', 'DATE', 'DATETIME', 'TIME',
  'TIMESTAMP', 'TIMESTAMP_LTZ', 'TIMESTAMP_NTZ', 'TIMESTAMP_TZ', 'VARIANT', 'OBJECT', 'ARRAY', 'MAP', 'FILE', 'GEOGRAPHY', 'GEOMETRY',
  'UUID', 'VECTOR',
]);

/** Column types of CREATE TABLE (…) and ALTER TABLE … ADD COLUMN; CREATE TABLE … AS SELECT names none. */
export function unknownColumnType(sql: string): Refusal | undefined {
  const text = sql.trimStart();
  const create = /^CREATE\s+(OR\s+REPLACE\s+)?((LOCAL|GLOBAL)\s+)?(TEMP|TEMPORARY|TRANSIENT\s+)?\s*TABLE\b/i.test(text) && !/\bAS\s+SELECT\b/i.test(text);
  const alter = /^ALTER\s+TABLE\b[\s\S]*\bADD\s+COLUMN\b/i.test(text);
  if (!create && !alter) return undefined;
  const definitions = create ? text.slice(text.indexOf('(') + 1) : text.split(/\bADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?/i).slice(1).join(', ');
  for (const match of definitions.matchAll(/"(?:[^"]|"")+"\s+([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const type = (match[1] ?? '').toUpperCase();
    if (['NOT', 'NULL', 'DEFAULT', 'PRIMARY', 'UNIQUE', 'REFERENCES', 'COLLATE', 'COMMENT', 'CONSTRAINT'].includes(type)) continue;
    if (!DATA_TYPES.has(type)) return { error: { code: '002040', sqlState: '42601', message: `SQL compilation error:\nUnsupported data type '${type}'.` } };
  }
  return undefined;
}

/**
 * https://docs.snowflake.com/en/sql-reference/transactions ("DDL"): each DDL statement runs as
 * its own transaction; run while a transaction is active, it first commits that transaction,
 * then runs. CTAS (CREATE TABLE … AS SELECT) is DDL. Not refused: the fake records it.
 */
export function isDdl(sql: string): boolean {
  return /^\s*(CREATE|ALTER|DROP|UNDROP|GRANT|REVOKE|COMMENT)\b/i.test(sql);
}
