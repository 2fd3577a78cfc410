import { describe, expect, it } from 'vitest';
import { utf8Text } from '../../../src/pipedrive/body-text.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('utf8Text', () => {
  it('decodes what Buffer#toString and Response#text decode, letters of every width included', async () => {
    const text = JSON.stringify({ name: 'Łódź Ünïcødé 日本語 🚀 "quoted" \\ back', plain: 'ascii only' });
    expect(utf8Text(bytes(text))).toBe(text);
    expect(utf8Text(bytes(text))).toBe(await new Response(bytes(text)).text());
  });

  it('drops a leading byte-order mark, as text() does', () => {
    expect(utf8Text(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('{"a":1}')]))).toBe('{"a":1}');
  });

  it('replaces invalid and truncated sequences with U+FFFD instead of throwing', () => {
    expect(utf8Text(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe('{\uFFFD}');
    // A body cut inside a multi-byte letter: the flush reports the dangling bytes.
    expect(utf8Text(bytes('ab€').subarray(0, 4))).toBe('ab\uFFFD');
  });

  it('decodes an empty body to an empty string', () => {
    expect(utf8Text(new Uint8Array(0))).toBe('');
  });
});
