/**
 * What BigQuery refuses, as the fake (fake-server.ts) refuses it. Each rule names the page of
 * BigQuery's documentation it follows. The fake executes no SQL, so the rules read only what a
 * statement's first words, its column definitions and its job configuration say.
 */
import type { ApiErrorItem } from './fake-server.js';

/**
 * https://cloud.google.com/bigquery/quotas (query jobs): "Maximum query length: 1,024K
 * characters" for a GoogleSQL query; the job fails with "The query is too large. The maximum
 * standard SQL query length is 1024.00K characters, including comments and white space characters."
 */
export const MAX_QUERY_CHARACTERS = 1024 * 1024;

export function queryTooLarge(sql: string): ApiErrorItem | undefined {
  if (sql.length <= MAX_QUERY_CHARACTERS) return undefined;
  return {
    reason: 'invalidQuery',
    location: 'query',
    message: 'The query is too large. The maximum standard SQL query length is 1024.00K characters, including comments and white space characters.',
  };
}

/**
 * https://cloud.google.com/bigquery/docs/transactions ("Statements supported in transactions"):
 * SELECT, DML, and DDL on temporary entities (CREATE TEMP TABLE / FUNCTION, DROP TABLE of a
 * temporary table, DROP FUNCTION of a temporary function); "DDL statements that create or drop
 * permanent entities, such as datasets, tables, and functions, are not supported inside a
 * transaction". ALTER of a permanent table is DDL on a permanent entity too.
 */
export function ddlInTransaction(sql: string): ApiErrorItem | undefined {
  const head = sql.trimStart().slice(0, 200).toUpperCase();
  if (!/^(CREATE|ALTER|DROP|UNDROP)\b/.test(head)) return undefined;
  if (/^CREATE\s+(OR\s+REPLACE\s+)?TEMP(ORARY)?\s+(TABLE|FUNCTION)\b/.test(head)) return undefined;
  // DROP TABLE of a temporary table: its name is unqualified (session tables have no dataset).
  if (/^DROP\s+(TABLE|FUNCTION)\s+(IF\s+EXISTS\s+)?`?[A-Z0-9_]+`?\s*;?\s*$/.test(head)) return undefined;
  return {
    reason: 'invalidQuery',
    location: 'query',
    message: `${head.split(/\s+/).slice(0, 2).join(' ')} is not supported inside a transaction: DDL statements on permanent entities are not supported in multi-statement transactions.`,
  };
}

/**
 * https://cloud.google.com/bigquery/docs/sessions-intro ("Limitations"): "Concurrent queries
 * are not allowed within a session." The fake holds a session busy from the insert of one of its
 * jobs until a client has seen that job finish (getQueryResults or jobs.get).
 */
export function sessionBusy(sessionId: string): ApiErrorItem {
  return {
    reason: 'invalidQuery',
    location: 'query',
    message: `Session ${sessionId} is already running a query; concurrent queries are not allowed within a session.`,
  };
}

/**
 * GoogleSQL data types (https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types)
 * with their parameterized aliases, as a column definition or a query parameter names them.
 */
const SQL_TYPES = new Set([
  'INT64', 'INT', 'SMALLINT', 'INTEGER', 'BIGINT', 'TINYINT', 'BYTEINT', 'NUMERIC', 'DECIMAL', 'BIGNUMERIC', 'BIGDECIMAL',
  'FLOAT64', 'BOOL', 'STRING', 'BYTES', 'DATE', 'DATETIME', 'TIME', 'TIMESTAMP', 'INTERVAL', 'JSON', 'GEOGRAPHY', 'ARRAY',
  'STRUCT', 'RANGE',
]);

/**
 * The REST schema's field types (https://cloud.google.com/bigquery/docs/reference/rest/v2/tables#TableFieldSchema,
 * the same set as the Storage API's TableFieldSchema.Type): what tables.insert and a load job's
 * schema accept, legacy names included.
 */
const SCHEMA_TYPES = new Set([
  'STRING', 'BYTES', 'INTEGER', 'INT64', 'FLOAT', 'FLOAT64', 'NUMERIC', 'BIGNUMERIC', 'BOOLEAN', 'BOOL', 'TIMESTAMP', 'DATE',
  'TIME', 'DATETIME', 'GEOGRAPHY', 'JSON', 'RECORD', 'STRUCT', 'RANGE', 'INTERVAL',
]);
const SCHEMA_MODES = new Set(['NULLABLE', 'REQUIRED', 'REPEATED']);

function invalidType(type: string, where: string): ApiErrorItem {
  return { reason: 'invalid', location: where, message: `Invalid value for type: ${type} is not a valid value` };
}

/** Column types of CREATE TABLE (…) and ALTER TABLE … ADD COLUMN; CREATE TABLE … AS SELECT names none. */
export function unknownColumnType(sql: string): ApiErrorItem | undefined {
  const text = sql.trimStart();
  const create = /^CREATE\s+(OR\s+REPLACE\s+)?(TEMP(ORARY)?\s+)?TABLE\b/i.test(text) && !/\bAS\s+SELECT\b/i.test(text);
  const alter = /^ALTER\s+TABLE\b[\s\S]*\bADD\s+COLUMN\b/i.test(text);
  if (!create && !alter) return undefined;
  // The column definitions: after the table's opening parenthesis, or after each ADD COLUMN.
  const definitions = create ? text.slice(text.indexOf('(') + 1) : text.split(/\bADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?/i).slice(1).join(', ');
  for (const match of definitions.matchAll(/`(?:[^`\\]|\\.)+`\s+([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const type = (match[1] ?? '').toUpperCase();
    // Words that may follow a name and are not types (constraints, clause keywords).
    if (['NOT', 'OPTIONS', 'AS', 'PRIMARY', 'REFERENCES', 'DEFAULT', 'PARTITION', 'CLUSTER'].includes(type)) continue;
    if (!SQL_TYPES.has(type)) return invalidType(type, 'query');
  }
  return undefined;
}

/** A query parameter's type (positional or named), recursively through arrays and structs. */
export function unknownParameterType(parameters: unknown): ApiErrorItem | undefined {
  if (!Array.isArray(parameters)) return undefined;
  const check = (type: { type?: unknown; arrayType?: unknown; structTypes?: { type?: unknown }[] } | undefined): string | undefined => {
    const name = String(type?.type ?? '');
    if (!SQL_TYPES.has(name)) return name;
    if (name === 'ARRAY') return check(type?.arrayType as typeof type);
    if (name === 'STRUCT') for (const field of type?.structTypes ?? []) { const bad = check(field.type as typeof type); if (bad !== undefined) return bad; }
    return undefined;
  };
  for (const parameter of parameters as { parameterType?: Parameters<typeof check>[0] }[]) {
    const bad = check(parameter.parameterType);
    if (bad !== undefined) return invalidType(bad, 'queryParameters');
  }
  return undefined;
}

/** The fields of a table resource or a load job's schema. */
export function unknownSchemaType(schema: unknown): ApiErrorItem | undefined {
  const fields = (schema as { fields?: { name?: string; type?: string; mode?: string; fields?: unknown[] }[] } | undefined)?.fields ?? [];
  for (const field of fields) {
    const type = String(field.type ?? '').toUpperCase();
    if (!SCHEMA_TYPES.has(type)) return invalidType(String(field.type), `schema.fields.${String(field.name)}`);
    if (field.mode !== undefined && !SCHEMA_MODES.has(field.mode.toUpperCase())) {
      return { reason: 'invalid', location: `schema.fields.${String(field.name)}`, message: `Invalid value for mode: ${field.mode} is not a valid value` };
    }
    if ((type === 'RECORD' || type === 'STRUCT') && field.fields) {
      const nested = unknownSchemaType({ fields: field.fields });
      if (nested) return nested;
    }
  }
  return undefined;
}
