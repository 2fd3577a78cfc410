/**
 * The pure parts of the PostgreSQL adapter, pinned without a server: the SQL the dialect renders
 * and the COPY encoding and result parsing in values.ts. (Pure tests; they live here because this
 * folder is the adapter's test home. The behaviour on a real server is in the other files.)
 */
import { describe, expect, it } from 'vitest';
import { addColumns, copyIntoStaging, createStagingTable, createTable, logicalType, merge, postgresDialect } from '../../../adapters/postgres/dialect.js';
import { isTransientPostgresError, translatePostgresError } from '../../../adapters/postgres/errors.js';
import { REDACTED } from '../../../src/redact.js';
import { arrayLiteral, copyField, escapeCopyText, isoTimestamp, parserFor, stripJsonNul } from '../../../adapters/postgres/values.js';
import { LOGICAL_TYPES } from '../../../src/schema/types.js';

const target = { schema: 'pipe"drive', name: 'deals' };
const staging = { schema: 'pg_temp', name: '_loader_staging_1' };

describe('PostgreSQL dialect', () => {
  it('declares its capabilities as data', () => {
    expect(postgresDialect.capabilities).toEqual({
      maxIdentifierBytes: 63,
      unquotedCase: 'lower',
      ddlInTransaction: true,
      multiColumnAlter: true,
      parameters: 'numbered',
      expressionsInValues: true,
      backslashEscapesInStrings: false,
      concurrentStatements: true,
    });
    expect(postgresDialect.parameter(3)).toBe('$3');
  });

  it('maps every logical type to a native type and back', () => {
    for (const type of LOGICAL_TYPES) expect(logicalType(postgresDialect.nativeType(type))).toBe(type);
    expect(['integer', 'character varying(20)', 'timestamp without time zone', 'time with time zone', 'json', 'numeric(12,2)', 'integer[]', 'uuid'].map(logicalType)).toEqual([
      'bigint', 'string', 'timestamp', 'time', 'json', 'decimal', 'string_list', 'string',
    ]);
  });

  it('renders DDL with every identifier quoted', () => {
    expect(createTable(target, { name: 'deals', columns: [{ name: 'id', type: 'bigint' }, { name: 'la"bels', type: 'string_list' }], primaryKey: ['id'] })).toEqual([
      'CREATE TABLE IF NOT EXISTS "pipe""drive"."deals" (\n  "id" bigint,\n  "la""bels" text[],\n  PRIMARY KEY ("id")\n)',
    ]);
    expect(addColumns(target, [{ name: 'a', type: 'json' }, { name: 'b', type: 'decimal' }])).toEqual([
      'ALTER TABLE "pipe""drive"."deals"\n  ADD COLUMN IF NOT EXISTS "a" jsonb,\n  ADD COLUMN IF NOT EXISTS "b" numeric',
    ]);
    expect(addColumns(target, [])).toEqual([]);
    expect(createStagingTable(staging, [{ name: 'id', type: 'bigint' }])).toBe(
      'CREATE TEMPORARY TABLE "pg_temp"."_loader_staging_1" ("id" bigint, "_loader_staging_row" bigint) ON COMMIT DROP',
    );
    expect(copyIntoStaging(staging, [{ name: 'id', type: 'bigint' }])).toBe('COPY "pg_temp"."_loader_staging_1" ("id", "_loader_staging_row") FROM STDIN');
  });

  it('renders the merge: newest per key, guarded update, staging dropped', () => {
    expect(merge({ target, staging, primaryKey: ['id'], columns: ['id', 'title', 'update_time'], newestBy: 'update_time' }).inTransaction).toEqual([
      'INSERT INTO "pipe""drive"."deals" AS t ("id", "title", "update_time")\n' +
        'SELECT DISTINCT ON ("id") "id", "title", "update_time" FROM "pg_temp"."_loader_staging_1"\n' +
        'ORDER BY "id", "update_time" DESC NULLS LAST, "_loader_staging_row" DESC\n' +
        'ON CONFLICT ("id") DO UPDATE SET "title" = EXCLUDED."title", "update_time" = EXCLUDED."update_time"\n' +
        '  WHERE t."update_time" IS NULL OR EXCLUDED."update_time" >= t."update_time"',
      'DROP TABLE "pg_temp"."_loader_staging_1"',
    ]);
    expect(merge({ target, staging, primaryKey: ['a', 'b'], columns: ['a', 'b'] }).inTransaction[0]).toContain('ORDER BY "a", "b", "_loader_staging_row" DESC\nON CONFLICT ("a", "b") DO NOTHING');
    expect(() => merge({ target, staging, primaryKey: [], columns: ['a'] })).toThrow(/primary key/);
    // A backfill (no staged key in the target, counted in the same transaction) needs no conflict handling.
    const backfill = merge({ target, staging, primaryKey: ['id'], columns: ['id', 'title'], newestBy: 'title', allKeysNew: true });
    // DDL is transactional: the staging table is dropped in the transaction, nothing waits for after it.
    expect(backfill.afterTransaction).toEqual([]);
    expect(backfill.inTransaction[0]).toBe(
      'INSERT INTO "pipe""drive"."deals" AS t ("id", "title")\n' +
        'SELECT DISTINCT ON ("id") "id", "title" FROM "pg_temp"."_loader_staging_1"\n' +
        'ORDER BY "id", "title" DESC NULLS LAST, "_loader_staging_row" DESC',
    );
  });
});

describe('COPY encoding', () => {
  it('escapes exactly backslash, tab, newline and carriage return, and drops NUL', () => {
    expect(escapeCopyText('a\\b\tc\nd\re\u0000f "g" \'h\' 🚀')).toBe('a\\\\b\\tc\\nd\\re' + 'f "g" \'h\' 🚀');
    expect(copyField('string', null)).toBe('\\N');
    expect(copyField('string', undefined)).toBe('\\N');
    expect(copyField('string', '\\N')).toBe('\\\\N');
    expect(copyField('string', '')).toBe('');
  });

  it('writes lists as quoted array literals and every scalar in PostgreSQL input syntax', () => {
    expect(arrayLiteral(['a', 'b"c', 'd\\e', '', 'NULL', 'x,y', '{z}'])).toBe('{"a","b\\"c","d\\\\e","","NULL","x,y","{z}"}');
    expect(copyField('string_list', ['t\tab'])).toBe('{"t\\tab"}');
    expect(copyField('string_list', [])).toBe('{}');
    expect(copyField('boolean', false)).toBe('f');
    expect(copyField('bigint', 9007199254740993n)).toBe('9007199254740993');
    expect(copyField('double', 1.5e-300)).toBe('1.5e-300');
    expect(copyField('decimal', ' 12.50 ')).toBe('12.50');
    expect(() => copyField('bigint', 1.5)).toThrow(/expected a bigint value/);
    expect(() => copyField('decimal', '12,5')).toThrow(/expected a decimal value/);
    expect(() => copyField('boolean', 'true')).toThrow(/expected a boolean value/);
  });

  it('removes NUL from JSON: raw, and as an escape unless its backslash is escaped', () => {
    expect(stripJsonNul('{"a":"x\\u0000y"}')).toBe('{"a":"xy"}');
    expect(stripJsonNul('{"a":"\\\\u0000"}')).toBe('{"a":"\\\\u0000"}');
    expect(stripJsonNul('{"a":"\\\\\\u0000"}')).toBe('{"a":"\\\\"}');
    expect(stripJsonNul('["\\u0000\\u0000", "\u0000"]')).toBe('["", ""]');
  });
});

describe('result parsing', () => {
  it('reads timestamps as ISO UTC, honouring any offset', () => {
    expect(isoTimestamp('2024-07-01 05:46:33+00')).toBe('2024-07-01T05:46:33Z');
    expect(isoTimestamp('2024-07-01 07:46:33.120+02')).toBe('2024-07-01T05:46:33.12Z');
    expect(isoTimestamp('2024-07-01 00:16:33-05:30')).toBe('2024-07-01T05:46:33Z');
    expect(isoTimestamp('0099-01-01 00:00:00+00')).toBe('0099-01-01T00:00:00Z');
    expect(isoTimestamp('infinity')).toBe('infinity');
  });

  it('reads int8 exactly, numeric without padding, and jsonb as text', () => {
    expect(parserFor(20)('42')).toBe(42);
    expect(parserFor(20)('9223372036854775807')).toBe(9223372036854775807n);
    expect(parserFor(1700)('10.500')).toBe('10.5');
    expect(parserFor(1700)('100')).toBe('100');
    expect(parserFor(1700)('NaN')).toBe('NaN');
    expect(parserFor(3802)('{"a": 1}')).toBe('{"a": 1}');
  });
});

describe('error classification', () => {
  it('treats connection loss, serialization failures and deadlocks as transient', () => {
    const withCode = (code: string): Error => Object.assign(new Error('x'), { code });
    expect(['40001', '40P01', '57P01', '08006', 'ECONNRESET'].map((code) => isTransientPostgresError(withCode(code)))).toEqual([true, true, true, true, true]);
    expect(['42601', '23505', '28P01', '3D000'].map((code) => isTransientPostgresError(withCode(code)))).toEqual([false, false, false, false]);
    expect(isTransientPostgresError(new Error('Connection terminated unexpectedly'))).toBe(true);
    // The message and the cause (a sanitized copy, SQLSTATE kept) are redacted by the shared redactor.
    const translated = translatePostgresError(Object.assign(new Error('password=s3cr3t and s3cr3t'), { code: '28P01' }), 'connecting', 'h:5432/db', ['s3cr3t', '']);
    expect(translated.message).toContain(`password=${REDACTED} and ${REDACTED}`);
    expect(translated.cause).toMatchObject({ message: `password=${REDACTED} and ${REDACTED}`, code: '28P01' });
  });
});
