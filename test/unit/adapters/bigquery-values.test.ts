/** The BigQuery adapter's value conventions: NDJSON load cells, query parameters, result rows. */
import { describe, expect, it } from 'vitest';
import { queryJobRequest, queryParameter } from '../../../adapters/bigquery/jobs.js';
import { CellTypeError, decodeRows, isoFromMicros, jsonCell, ndjsonLines } from '../../../adapters/bigquery/values.js';
import { parseBigQueryConnection } from '../../../adapters/bigquery/index.js';
import { translateBigQueryError } from '../../../adapters/bigquery/errors.js';
import { REDACTED, redact } from '../../../src/redact.js';
import { ConfigurationError, WarehouseTerminalError, WarehouseTransientError } from '../../../src/errors.js';

describe('BigQuery load-job cells', () => {
  it('encodes every logical type by the JSON load rules', () => {
    expect(jsonCell('bigint', 9007199254740993n)).toBe('"9007199254740993"');
    expect(jsonCell('bigint', -42)).toBe('"-42"');
    expect(jsonCell('bigint', '5')).toBe('"5"');
    expect(jsonCell('double', 1.5e-300)).toBe('1.5e-300');
    expect([NaN, Infinity, -Infinity].map((v) => jsonCell('double', v))).toEqual(['"NaN"', '"Infinity"', '"-Infinity"']);
    expect(jsonCell('decimal', '12345678901234567890.123456789')).toBe('"12345678901234567890.123456789"');
    expect(jsonCell('decimal', 0.1)).toBe('"0.1"');
    expect(jsonCell('boolean', false)).toBe('false');
    expect(jsonCell('date', '0001-01-01')).toBe('"0001-01-01"');
    expect(jsonCell('time', '23:59:58')).toBe('"23:59:58"');
    expect(jsonCell('timestamp', '2024-07-01T05:46:33.123456Z')).toBe('"2024-07-01 05:46:33.123456Z"');
    expect(jsonCell('timestamp', '2024-07-01T05:46:33.123456789+02:00')).toBe('"2024-07-01 05:46:33.123456+02:00"');
    expect(jsonCell('json', '{"a":\n[1,2,{"b":"é"}]}')).toBe('{"a": [1,2,{"b":"é"}]}');
    expect(jsonCell('string_list', ['red', '', 'NULL', 'q"uote'])).toBe('["red","","NULL","q\\"uote"]');
    expect(jsonCell('string', 'tab\there\nnew "q" \\')).toBe('"tab\\there\\nnew \\"q\\" \\\\"');
    expect(jsonCell('string', 42)).toBe('"42"');
    expect(jsonCell('string', null)).toBeUndefined();
    expect(jsonCell('string_list', undefined)).toBeUndefined();
  });

  it('removes NUL as the PostgreSQL adapter does, and nothing else', () => {
    expect(jsonCell('string', 'a\u0000b')).toBe('"ab"');
    expect(jsonCell('string_list', ['x\u0000y'])).toBe('["xy"]');
    expect(jsonCell('json', '{"s":"a\\u0000b","t":"\\\\u0000"}')).toBe('{"s":"ab","t":"\\\\u0000"}');
  });

  it('rejects wrong-typed cells', () => {
    expect(() => jsonCell('bigint', 1.5)).toThrow(CellTypeError);
    expect(() => jsonCell('timestamp', 'not a time')).toThrow(CellTypeError);
    expect(() => jsonCell('json', '{oops')).toThrow(/expected JSON text/);
    expect(() => jsonCell('boolean', 'true')).toThrow(CellTypeError);
    expect(() => jsonCell('date', '2024-1-1')).toThrow(CellTypeError);
  });

  it('writes one line per row with the staging row number, naming the column of a bad cell', () => {
    const columns = [
      { name: 'id', type: 'bigint' as const },
      { name: 'co"l', type: 'string' as const },
    ];
    expect([...ndjsonLines(columns, [{ id: 1, 'co"l': 'v' }, { id: 2 }], '_row')]).toEqual(['{"id":"1","co\\"l":"v","_row":"0"}\n', '{"id":"2","_row":"1"}\n']);
    expect(() => [...ndjsonLines(columns, [{ id: 'x' }])]).toThrow(/^Column id: expected a bigint value/);
  });
});

describe('BigQuery query parameters and results', () => {
  it('types every parameter explicitly', () => {
    expect([null, true, 7, 1.5, 2n ** 63n - 1n, "it's"].map(queryParameter)).toEqual([
      { parameterType: { type: 'STRING' }, parameterValue: { value: null } },
      { parameterType: { type: 'BOOL' }, parameterValue: { value: 'true' } },
      { parameterType: { type: 'INT64' }, parameterValue: { value: '7' } },
      { parameterType: { type: 'FLOAT64' }, parameterValue: { value: '1.5' } },
      { parameterType: { type: 'INT64' }, parameterValue: { value: '9223372036854775807' } },
      { parameterType: { type: 'STRING' }, parameterValue: { value: "it's" } },
    ]);
    expect(queryJobRequest('SELECT 1', [], { priority: 'interactive' }, {})).toEqual({
      query: 'SELECT 1',
      useLegacySql: false,
      priority: 'INTERACTIVE',
      labels: { tool: 'pipedrive-loader' },
    });
  });

  it('decodes REST rows into the loader conventions', () => {
    expect(isoFromMicros('0')).toBe('1970-01-01T00:00:00Z');
    expect(isoFromMicros('-1')).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoFromMicros('-62135596800000000')).toBe('0001-01-01T00:00:00Z');
    expect(isoFromMicros('1719812793500000')).toBe('2024-07-01T05:46:33.5Z');
    const rows = decodeRows(
      [
        { name: 'small', type: 'INTEGER' },
        { name: 'ts', type: 'TIMESTAMP' },
        { name: 'float_ts', type: 'TIMESTAMP' },
        { name: 'dt', type: 'DATETIME' },
        { name: 'nan', type: 'FLOAT' },
        { name: 'empty', type: 'STRING', mode: 'REPEATED' },
        { name: 'rec', type: 'RECORD', fields: [{ name: 'a', type: 'INT64' }] },
      ],
      [{ f: [{ v: '-9223372036854775808' }, { v: null }, { v: '1.7040672E9' }, { v: '2024-01-01T10:00:00' }, { v: 'NaN' }, { v: [] }, { v: { f: [{ v: '3' }] } }] }],
    );
    expect(rows).toEqual([{ small: -9223372036854775808n, ts: null, float_ts: '2024-01-01T00:00:00Z', dt: '2024-01-01T10:00:00Z', nan: NaN, empty: [], rec: { a: 3 } }]);
  });
});

describe('BigQuery profile and errors', () => {
  const base = { method: 'oauth', project: 'p' };
  it('reads api_endpoint besides the dbt-bigquery keys', () => {
    expect(parseBigQueryConnection({ ...base, api_endpoint: 'http://127.0.0.1:9050/' }).apiEndpoint).toBe('http://127.0.0.1:9050');
    expect(parseBigQueryConnection(base).apiEndpoint).toBeUndefined();
    expect(() => parseBigQueryConnection({ ...base, api_endpoint: 'ftp://x' })).toThrow(ConfigurationError);
    expect(() => parseBigQueryConnection({ project: 'p' })).toThrow(/`method` is required/);
  });

  it('classifies reasons and never keeps secrets in the message or the cause', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEabc\n-----END PRIVATE KEY-----\n';
    const sdkError = Object.assign(new Error(`boom Bearer ya29.secret ${key}`), {
      code: 500,
      errors: [{ reason: 'backendError', message: `Backend error with ${key} and Bearer ya29.secret` }],
      config: { headers: { Authorization: 'Bearer ya29.secret' } },
    });
    const translated = translateBigQueryError(sdkError, 'running SELECT 1', 'BigQuery project p, location EU', ['MIIEabc']);
    expect(translated).toBeInstanceOf(WarehouseTransientError);
    expect(translated.message).not.toMatch(/ya29|MIIE/);
    expect(JSON.stringify({ ...translated.cause as object, message: (translated.cause as Error).message })).not.toMatch(/ya29|MIIE|Authorization/);
    const terminal = translateBigQueryError({ code: 400, errors: [{ reason: 'invalidQuery', message: 'Unrecognized name: x' }] }, 'running', 'here', []);
    expect(terminal).toBeInstanceOf(WarehouseTerminalError);
    expect(translateBigQueryError(new Error('invalid_grant: Token has been expired or revoked.'), 'loading credentials', 'here', [])).toBeInstanceOf(WarehouseTerminalError);
    expect(translateBigQueryError(Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }), 'x', 'y', [])).toBeInstanceOf(WarehouseTransientError);
    expect(redact('token abcd1234 and Bearer xyz.abc', ['abcd1234'])).toBe(`token ${REDACTED} and Bearer ${REDACTED}`);
  });
});
