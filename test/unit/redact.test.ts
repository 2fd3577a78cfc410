/**
 * The one redactor (src/redact.ts): every form of every secret goes, whatever its length, and no
 * part of a secret is left behind when secrets overlap.
 */
import { describe, expect, it } from 'vitest';
import { REDACTED, redact, Redactor, sanitizeError, secretForms, shortSecrets } from '../../src/redact.js';

describe('redact', () => {
  it('replaces every occurrence and ignores empty secrets', () => {
    expect(redact('a s3cr3t b s3cr3t', ['s3cr3t', ''])).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redact('nothing here', [''])).toBe('nothing here');
    expect(redact('nothing here', [])).toBe('nothing here');
  });

  it('removes a secret whole when another secret is its prefix, in either order', () => {
    for (const secrets of [['abc', 'abcdef'], ['abcdef', 'abc']]) {
      expect(redact('key=abcdef; short=abc', secrets)).toBe(`key=${REDACTED}; short=${REDACTED}`);
    }
  });

  it('leaves no tail of secrets that overlap without one containing the other', () => {
    // The first occurrence of 'abcd' would leave 'ef' of 'cdef' behind.
    expect(redact('xabcdefx', ['abcd', 'cdef'])).toBe(`x${REDACTED}x`);
    // Overlapping occurrences of one secret.
    expect(redact('aaaa', ['aaa'])).toBe(REDACTED);
    // Touching occurrences stay two markers, as they were two occurrences.
    expect(redact('abcabc', ['abc'])).toBe(`${REDACTED}${REDACTED}`);
  });

  it('never scans its own marker again', () => {
    // Replacing 'long-secret' first and then 'E' must not turn [REDACTED] into [R[REDACTED]…].
    expect(redact('long-secret and E', ['long-secret', 'E'])).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it('redacts secrets of 1 to 3 characters too, wherever they appear', () => {
    expect(redact('pw=ab; grab', ['ab'])).toBe(`pw=${REDACTED}; gr${REDACTED}`);
    expect(redact('x', ['x'])).toBe(REDACTED);
    expect(shortSecrets(['abc', 'abcd', '', 'a'])).toEqual(['abc', 'a']);
  });

  it('removes the JSON-escaped form of a secret with " or \\ (JavaScript and PHP escaping, and escaped twice)', () => {
    const secret = 'p"a\\ss/wörd';
    const once = JSON.stringify({ error: `bad ${secret}` });
    expect(once).not.toContain(secret);
    expect(redact(once, [secret])).toBe(JSON.stringify({ error: `bad ${REDACTED}` }));
    const php = '{"error":"bad p\\"a\\\\ss\\/w\\u00f6rd"}';
    expect(redact(php, [secret])).toBe(`{"error":"bad ${REDACTED}"}`);
    const twice = JSON.stringify({ body: once });
    expect(redact(twice, [secret])).toBe(JSON.stringify({ body: JSON.stringify({ error: `bad ${REDACTED}` }) }));
    // Still valid JSON after redaction.
    expect(JSON.parse(redact(once, [secret]))).toEqual({ error: `bad ${REDACTED}` });
  });

  it('removes URL-encoded forms (%20 and +)', () => {
    const secret = 'a b+c/d=e';
    expect(redact(`?t=${encodeURIComponent(secret)}&u=${encodeURIComponent(secret).replace(/%20/g, '+')}`, [secret])).toBe(
      `?t=${REDACTED}&u=${REDACTED}`,
    );
    expect(secretForms('')).toEqual([]);
    expect(secretForms('plain')).toEqual(['plain']);
  });

  it('removes credential shapes it was never told about', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
    expect(redact(`key: ${pem} end`, [])).toBe(`key: ${REDACTED} end`);
    expect(redact('authorization: Bearer abc.DEF-123', [])).toBe(`authorization: Bearer ${REDACTED}`);
    expect(redact('token ya29.a0AfH6SM', [])).toBe(`token ${REDACTED}`);
  });
});

describe('Redactor', () => {
  it('applies secrets added later, and reports only the new ones', () => {
    const redactor = new Redactor(['first']);
    expect(redactor.add(['first', 'second', ''])).toEqual(['second']);
    expect(redactor.redact('first second third')).toBe(`${REDACTED} ${REDACTED} third`);
    expect(redactor.secrets).toEqual(['first', 'second']);
  });
});

describe('sanitizeError', () => {
  it('copies name, code and the cause chain with every form of the secret removed', () => {
    const secret = 'to"k\\en';
    const original = new TypeError(`failed ${secret}`, {
      cause: Object.assign(new Error(`body ${JSON.stringify(secret)}`), { code: 'UND_ERR_SOCKET', response: { secret } }),
    });
    const safe = sanitizeError(original, [secret]);
    expect(safe.name).toBe('TypeError');
    expect(safe.message).toBe(`failed ${REDACTED}`);
    const cause = safe.cause as Error & { code?: string; response?: unknown };
    expect(cause.message).toBe(`body "${REDACTED}"`);
    expect(cause.code).toBe('UND_ERR_SOCKET');
    expect(cause.response).toBeUndefined();
    expect(sanitizeError({ token: secret }, [secret]).message).toBe('non-Error value thrown (object)');
  });
});
