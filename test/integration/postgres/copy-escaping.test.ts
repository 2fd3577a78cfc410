/**
 * COPY's text format on the real server: every character that means something to COPY, to array
 * literals or to JSON must arrive unchanged, and NUL (which PostgreSQL cannot store in text or
 * jsonb) is removed instead of failing the batch.
 */
import { describe, expect, it } from 'vitest';
import { upsertBatch } from '../../../src/load/upsert.js';
import type { ColumnSpec, Row } from '../../../src/schema/types.js';
import { usePostgresClient } from '../../helpers/postgres-client.js';

const pg = usePostgresClient();

const NASTY = [
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'crlf\r\n',
  'back\\slash',
  '\\N',
  '\\.',
  'end\n\\.\nafter',
  'quote " double',
  "quote ' single",
  'emoji 🚀👩‍👩‍👧 and é, ß, 中文',
  '',
  ' ',
  'NULL',
  '\\\\double backslash',
  'trailing backslash\\',
  '{braces,and,commas}',
  'zero\u0000width',
];
const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint' },
  { name: 'text', type: 'string' },
  { name: 'list', type: 'string_list' },
  { name: 'doc', type: 'json' },
];
const table = { schema: 'escaping', name: 'nasty' };

describe('COPY escaping on PostgreSQL', () => {
  it('stores every nasty string exactly, in text, text[] and jsonb, removing only NUL', async () => {
    for (const sql of pg.client.dialect.createSchema(table.schema)) await pg.client.execute(sql);
    for (const sql of pg.client.dialect.createTable(table, { name: table.name, columns: COLUMNS, primaryKey: ['id'] })) await pg.client.execute(sql);
    const rows: Row[] = NASTY.map((text, id) => ({ id, text, list: [text, text], doc: JSON.stringify({ text }) }));
    expect(await upsertBatch(pg.client, { target: table, columns: COLUMNS, rows, primaryKey: ['id'] })).toEqual({ inserted: NASTY.length, updated: 0, unchanged: 0 });
    // Read back over a plain pg connection, independent of the adapter's own result parsing.
    const back = await pg.db.sql<{ id: number; text: string; list: string[]; doc: { text: string } }>(
      'SELECT id, text, list, doc FROM escaping.nasty ORDER BY id',
    );
    const expected = NASTY.map((text) => text.replaceAll('\u0000', ''));
    expect(back.map((row) => row.text)).toEqual(expected);
    expect(back.map((row) => row.list)).toEqual(expected.map((text) => [text, text]));
    expect(back.map((row) => row.doc.text)).toEqual(expected);
  });

  it('removes NUL from JSON escapes but keeps an escaped backslash followed by u0000', async () => {
    const docs = { schema: 'escaping', name: 'docs' };
    const columns: ColumnSpec[] = [{ name: 'id', type: 'bigint' }, { name: 'doc', type: 'json' }];
    for (const sql of pg.client.dialect.createSchema(docs.schema)) await pg.client.execute(sql);
    for (const sql of pg.client.dialect.createTable(docs, { name: docs.name, columns, primaryKey: ['id'] })) await pg.client.execute(sql);
    await upsertBatch(pg.client, {
      target: docs,
      columns,
      primaryKey: ['id'],
      rows: [
        { id: 1, doc: '{"a":"x\\u0000y","\\u0000k":"\\u0000\\u0000"}' },
        { id: 2, doc: '{"a":"literal \\\\u0000 stays"}' },
        { id: 3, doc: '{"a":"raw\u0000nul"}' },
      ],
    });
    const back = await pg.db.sql<{ doc: Record<string, string> }>('SELECT doc FROM escaping.docs ORDER BY id');
    expect(back.map((row) => row.doc)).toEqual([{ a: 'xy', k: '' }, { a: 'literal \\u0000 stays' }, { a: 'rawnul' }]);
  });

  it('strips NUL from bound text parameters too, so state writes never fail on it', async () => {
    await pg.client.execute('CREATE TABLE escaping.params (s text)');
    await pg.client.execute('INSERT INTO escaping.params VALUES ($1)', ['Pipedrive said \u0000 no']);
    expect(await pg.client.query('SELECT s FROM escaping.params')).toEqual([{ s: 'Pipedrive said  no' }]);
  });

  it('reads timestamps back as UTC whatever the session time zone, and keeps decimals exact', async () => {
    const values = await pg.client.query(
      "SELECT '2024-07-01 07:46:33.25+02'::timestamptz AS t, '2024-07-01 05:46:33'::timestamp AS plain, " +
        "'0.10'::numeric AS d, '-12345678901234567890.500'::numeric AS big, 'infinity'::timestamptz AS inf",
    );
    expect(values).toEqual([{ t: '2024-07-01T05:46:33.25Z', plain: '2024-07-01T05:46:33Z', d: '0.1', big: '-12345678901234567890.5', inf: 'infinity' }]);
  });
});
