/**
 * The Reporter redacts every line it prints with the one redactor: in JSON lines value by value
 * before serializing (so a secret with `"` or `\` is gone before JSON escapes it, and even `"` as
 * a secret leaves valid JSON), in text lines as printed, and in the quiet reporter derived from it.
 */
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../../src/redact.js';
import { Reporter, type LogFormat } from '../../../src/report/reporter.js';

function capture(format: LogFormat): { reporter: Reporter; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const reporter = new Reporter(
    format,
    { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } },
    { interactive: false },
  );
  return { reporter, stdout: () => stdout, stderr: () => stderr };
}

const parsed = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('JSON lines', () => {
  it('hold no form of a secret with " and \\, in the message or any other key', () => {
    const secret = 'pa"ss\\word';
    const { reporter, stdout } = capture('json');
    reporter.addSecrets([secret]);
    reporter.error('failed', `login with ${secret} refused`, { stream: 'deals', detail: `body: ${JSON.stringify({ token: secret })}` });
    reporter.debugStack(`Error: ${secret}\n    at x (y.ts:1:1)`);
    const out = stdout();
    for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) expect(out).not.toContain(form);
    const [failed, stack] = parsed(out);
    expect(failed).toMatchObject({ message: `login with ${REDACTED} refused`, detail: `body: {"token":"${REDACTED}"}` });
    expect(stack).toMatchObject({ event: 'stack_trace', message: `Error: ${REDACTED}`, stack: `Error: ${REDACTED}\n    at x (y.ts:1:1)` });
  });

  it('stay valid JSON with the keys whole when a secret is one character, and warn once why', () => {
    const { reporter, stdout } = capture('json');
    reporter.addSecrets(['"']);
    reporter.addSecrets(['"']);
    reporter.info('stream_finished', 'say "hi"', { stream: 'deals', records: 3 });
    const lines = parsed(stdout());
    expect(lines.map((line) => line['event'])).toEqual(['short_secret', 'stream_finished']);
    expect(lines[0]).toMatchObject({ level: 'warn' });
    expect(lines[1]).toMatchObject({ message: `say ${REDACTED}hi${REDACTED}`, stream: 'deals', records: 3 });
  });
});

describe('text lines', () => {
  it('redact the longer of two secrets whole, and the quiet reporter shares the secrets', () => {
    const { reporter, stdout, stderr } = capture('text');
    reporter.addSecrets(['abcd']);
    const quiet = reporter.quiet();
    quiet.addSecrets(['abcdefgh']);
    reporter.info('x', 'token abcdefgh, password abcd');
    quiet.error('y', 'still abcdefgh');
    expect(stdout()).toBe(`token ${REDACTED}, password ${REDACTED}\n`);
    expect(stderr()).toBe(`Error: still ${REDACTED}\n`);
  });
});
