/** Snowflake cell encoding, result decoding and error translation: pure functions, no SDK. */
import { describe, expect, it } from 'vitest';
import { translateSnowflakeError } from '../../../adapters/snowflake/errors.js';
import { bindText, CellTypeError, fromSnowflakeValue, isoFromEpoch, stripJsonNul, toSdkBind, trimDecimal } from '../../../adapters/snowflake/values.js';
import { ConfigurationError, LockBusyError, WarehouseTerminalError, WarehouseTransientError } from '../../../src/errors.js';

describe('Snowflake cell encoding', () => {
  it('binds every logical type as text, and NULL as null', () => {
    expect(bindText('bigint', -9223372036854775808n)).toBe('-9223372036854775808');
    expect(bindText('bigint', 42)).toBe('42');
    expect(bindText('bigint', '7')).toBe('7');
    expect(bindText('double', 1.5e-300)).toBe('1.5e-300');
    expect(bindText('double', 0.1)).toBe('0.1');
    expect(bindText('decimal', ' 12345678901234567890.123456789 ')).toBe('12345678901234567890.123456789');
    expect(bindText('decimal', 1050)).toBe('1050');
    expect(bindText('boolean', false)).toBe('false');
    expect(bindText('date', '0001-01-01')).toBe('0001-01-01');
    expect(bindText('timestamp', '2024-07-01T05:46:33.123456Z')).toBe('2024-07-01T05:46:33.123456Z');
    expect(bindText('string_list', ['red', '', 'NULL', 'q"uote', 'back\\slash'])).toBe('["red","","NULL","q\\"uote","back\\\\slash"]');
    expect(bindText('string_list', [])).toBe('[]');
    expect(bindText('json', '{"a":[1,2]}')).toBe('{"a":[1,2]}');
    expect(bindText('string', 12)).toBe('12');
    expect(bindText('string', '')).toBe('');
    expect(bindText('string', null)).toBeNull();
    expect(bindText('json', undefined)).toBeNull();
  });

  it('removes NUL from text, list elements and JSON (raw and escaped), as the PostgreSQL adapter does', () => {
    expect(bindText('string', 'a\u0000b')).toBe('ab');
    expect(bindText('string_list', ['x\u0000'])).toBe('["x"]');
    expect(bindText('json', '{"k":"a\\u0000b\u0000"}')).toBe('{"k":"ab"}');
    // An escaped backslash followed by u0000 is the text \u0000, not a NUL: kept.
    expect(stripJsonNul('{"k":"\\\\u0000"}')).toBe('{"k":"\\\\u0000"}');
    expect(toSdkBind('a\u0000b')).toBe('ab');
  });

  it('refuses wrong-typed cells', () => {
    expect(() => bindText('bigint', 1.5)).toThrow(CellTypeError);
    expect(() => bindText('bigint', '1.5')).toThrow(/expected a bigint value, got string 1.5/);
    expect(() => bindText('decimal', 'abc')).toThrow(CellTypeError);
    expect(() => bindText('boolean', 'true')).toThrow(CellTypeError);
    expect(() => bindText('string_list', 'a')).toThrow(CellTypeError);
    expect(() => bindText('json', ['a'])).toThrow(/got a list/);
  });

  it('binds query parameters: bigints as exact text, non-finite numbers as text', () => {
    expect(toSdkBind(9007199254740993n)).toBe('9007199254740993');
    expect(toSdkBind(Number.NaN)).toBe('NaN');
    expect(toSdkBind(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(toSdkBind(3)).toBe(3);
    expect(toSdkBind(true)).toBe(true);
    expect(toSdkBind(null)).toBeNull();
  });
});

describe('Snowflake result decoding', () => {
  const column = (type: string, scale = 0) => ({ name: 'c', type, scale });
  it('converts numbers exactly and keeps NULL', () => {
    expect(fromSnowflakeValue('9007199254740993', column('fixed'))).toBe(9007199254740993n);
    expect(fromSnowflakeValue('-5', column('fixed'))).toBe(-5);
    expect(fromSnowflakeValue('1050.000000000', column('fixed', 9))).toBe('1050');
    expect(fromSnowflakeValue('-0.500000000', column('fixed', 9))).toBe('-0.5');
    expect(fromSnowflakeValue('1e+21', column('real'))).toBe(1e21);
    expect(fromSnowflakeValue(null, column('fixed'))).toBeNull();
    expect(trimDecimal('5.000')).toBe('5');
  });

  it('formats timestamps from epoch seconds and nanoseconds, fractions only when present', () => {
    expect(isoFromEpoch(1719812793, 0)).toBe('2024-07-01T05:46:33Z');
    expect(isoFromEpoch(1719812793, 123456000)).toBe('2024-07-01T05:46:33.123456Z');
    expect(isoFromEpoch(-62135596800, 1)).toBe('0001-01-01T00:00:00.000000001Z');
    expect(fromSnowflakeValue('12:00:01.500000000', column('time', 9))).toBe('12:00:01.5');
    expect(fromSnowflakeValue('["a"]', column('array'))).toEqual(['a']);
    expect(fromSnowflakeValue('{"a":1}', column('variant'))).toBe('{"a":1}');
  });
});

describe('Snowflake error translation', () => {
  const sdkError = (message: string, code: string | number, sqlState?: string) => Object.assign(new Error(message), { code, sqlState });
  const where = 'account xy12345';

  it('classifies transient and terminal errors by code', () => {
    expect(translateSnowflakeError(sdkError('Network error. Could not reach Snowflake.', 401001), 'x', where)).toBeInstanceOf(WarehouseTransientError);
    expect(translateSnowflakeError(sdkError('Request to Snowflake failed.', 401002), 'x', where)).toBeInstanceOf(WarehouseTransientError);
    expect(translateSnowflakeError(sdkError('Authentication token has expired.', '390114'), 'x', where)).toBeInstanceOf(WarehouseTransientError);
    expect(translateSnowflakeError(sdkError('Statement reached its statement or warehouse timeout of 3,600 second(s) and was canceled.', '000630'), 'x', where)).toBeInstanceOf(
      WarehouseTransientError,
    );
    const syntax = translateSnowflakeError(sdkError("SQL compilation error:\nsyntax error line 1 at position 0 unexpected 'SELEC'.", '001003', '42000'), 'running SELEC 1', where);
    expect(syntax).toBeInstanceOf(WarehouseTerminalError);
    expect(syntax.message).toMatch(/^Snowflake account xy12345 failed while running SELEC 1: SQL compilation error:\nsyntax error .*\(error 001003, SQLSTATE 42000\)\.$/s);
    expect(translateSnowflakeError(sdkError('Invalid private key.', 404026), 'signing in', where)).toBeInstanceOf(ConfigurationError);
  });

  it('adds hints a person can act on', () => {
    expect(translateSnowflakeError(sdkError('No active warehouse selected in the current session.', '000606', '57P03'), 'x', where).message).toMatch(/Set `warehouse`/);
    expect(translateSnowflakeError(sdkError('JWT token is invalid.', '390144'), 'x', where).message).toMatch(/RSA_PUBLIC_KEY/);
    expect(translateSnowflakeError(sdkError("Role 'ADMIN' specified in the connect string is not granted to this user.", '390189'), 'x', where).message).toMatch(/Check `role`/);
  });

  it('redacts secrets from the message and the cause, and passes loader errors through', () => {
    const error = translateSnowflakeError(new Error('failed for password s3cr3t-value'), 'signing in', where, ['s3cr3t-value']);
    expect(error.message).not.toContain('s3cr3t-value');
    expect(String((error.cause as Error).message)).not.toContain('s3cr3t-value');
    const busy = new LockBusyError('busy');
    expect(translateSnowflakeError(busy, 'x', where)).toBe(busy);
  });
});
