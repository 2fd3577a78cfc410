/**
 * PostgreSQL's identifier limit is 63 BYTES, not characters, and the server silently cuts longer
 * names (NOTICE 42622), which would make two long names collide. The adapter takes every name up
 * to exactly 63 bytes and refuses longer ones before they reach the server.
 */
import { describe, expect, it } from 'vitest';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { WarehouseTerminalError } from '../../../src/errors.js';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { ColumnSpec } from '../../../src/schema/types.js';
import { usePostgresClient } from '../../helpers/postgres-client.js';

const pg = usePostgresClient();

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
/** 21 three-byte characters: 21 characters, 63 bytes. */
const CJK_63 = '中'.repeat(21);
/** 31 two-byte characters and one ASCII: 32 characters, 63 bytes. */
const ACCENTED_63 = `${'é'.repeat(31)}x`;

describe('identifiers counted in bytes', () => {
  it('uses names of exactly 63 bytes for schema, table, columns and key, unchanged', async () => {
    expect([bytes(CJK_63), bytes(ACCENTED_63), CJK_63.length]).toEqual([63, 63, 21]);
    const schema = `${'ß'.repeat(31)}s`;
    const table = { schema, name: CJK_63 };
    const columns: ColumnSpec[] = [
      { name: ACCENTED_63, type: 'bigint' },
      { name: `${'ü'.repeat(31)}t`, type: 'timestamp' },
      { name: '🚀'.repeat(15) + 'abc', type: 'string' },
    ];
    for (const sql of pg.client.dialect.createSchema(schema)) await pg.client.execute(sql);
    for (const sql of pg.client.dialect.createTable(table, { name: CJK_63, columns, primaryKey: [ACCENTED_63] })) await pg.client.execute(sql);
    const row = { [ACCENTED_63]: 1, [`${'ü'.repeat(31)}t`]: '2024-01-01T00:00:00Z', ['🚀'.repeat(15) + 'abc']: 'v' };
    await upsertBatch(pg.client, { target: table, columns, rows: [row, row], primaryKey: [ACCENTED_63], newestBy: `${'ü'.repeat(31)}t` });
    expect((await pg.client.describeSchema(schema)).get(CJK_63)).toEqual(columns);
    // The catalog holds the full names: nothing was cut.
    const names = await pg.db.sql<{ relname: string }>('SELECT relname FROM pg_class WHERE relname = $1', [CJK_63]);
    expect(names).toEqual([{ relname: CJK_63 }]);
  });

  it('refuses a 64-byte name instead of letting PostgreSQL cut it into a collision', async () => {
    const tooLong = `${'é'.repeat(32)}`; // 32 characters, 64 bytes
    expect(bytes(tooLong)).toBe(64);
    expect(() => postgresDialect.quoteIdentifier(tooLong)).toThrow(WarehouseTerminalError);
    expect(() => postgresDialect.quoteIdentifier(tooLong)).toThrow(/64 bytes long; PostgreSQL allows at most 63 bytes/);
    expect(() => postgresDialect.createTable({ schema: 's', name: 't' }, { name: 't', columns: [{ name: tooLong, type: 'bigint' }], primaryKey: [] })).toThrow(
      WarehouseTerminalError,
    );
    // What the guard prevents: the server keeps at most 63 bytes, cut at a character boundary
    // (31 'é', 62 bytes), so 32 'é' + 'a' and 32 'é' + 'b' would be the same column.
    await pg.db.sql(`CREATE TABLE cut ("${'é'.repeat(32)}a" int)`);
    const [column] = await pg.db.sql<{ attname: string }>("SELECT attname FROM pg_attribute WHERE attrelid = 'cut'::regclass AND attnum = 1");
    expect(column?.attname).toBe('é'.repeat(31));
  });
});
