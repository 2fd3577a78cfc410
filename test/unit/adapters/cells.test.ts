import { describe, expect, it } from 'vitest';
import { CellTypeError, decimalText, integerText, stripJsonNul, stripNul } from '../../../adapters/base/cells.js';

describe('cell helpers shared by the adapters', () => {
  it('writes integers as digits, large whole numbers included', () => {
    expect(integerText(42)).toBe('42');
    expect(integerText(-7n)).toBe('-7');
    expect(integerText('9007199254740993')).toBe('9007199254740993');
    expect(integerText(1e21)).toBe('1000000000000000000000');
    expect(() => integerText(1.5)).toThrow(CellTypeError);
    expect(() => integerText('12a')).toThrow(/expected a bigint value, got string 12a/);
  });

  it('keeps decimal text exactly as given', () => {
    expect(decimalText('12345678901234567890.123456789')).toBe('12345678901234567890.123456789');
    expect(decimalText(' 2.50 ')).toBe('2.50');
    expect(decimalText(0.1)).toBe('0.1');
    expect(() => decimalText('1,5')).toThrow(/expected a decimal value/);
    expect(() => decimalText(true)).toThrow(CellTypeError);
  });

  it('removes NUL from text, and raw or escaped NUL from JSON text, and nothing else', () => {
    expect(stripNul('a\u0000b')).toBe('ab');
    expect(stripNul('plain')).toBe('plain');
    expect(stripJsonNul('{"k":"a\\u0000b\u0000"}')).toBe('{"k":"ab"}');
    // An escaped backslash followed by "u0000" is text, not a NUL escape.
    expect(stripJsonNul('{"k":"\\\\u0000"}')).toBe('{"k":"\\\\u0000"}');
  });
});
