/**
 * The Reporter's JSON lines and its progress lines without a terminal: every JSON line carries
 * the stable keys with a timestamp, and a running stream prints at least every interval (fake
 * timers stand in for the 30 seconds).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JSON_LOG_KEYS, PROGRESS_INTERVAL_MS, Reporter, type LogFormat } from '../../../src/cli/output.js';

function capture(format: LogFormat, options: { interactive?: boolean; quiet?: boolean } = {}): { reporter: Reporter; out: () => string[]; err: () => string } {
  let stdout = '';
  let stderr = '';
  const reporter = new Reporter(
    format,
    { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } },
    options,
  );
  return { reporter, out: () => stdout.split('\n').filter((line) => line !== ''), err: () => stderr };
}

const json = (lines: readonly string[]): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-06-01T10:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('JSON lines', () => {
  it('carry the stable keys in order, with an ISO timestamp, null where they do not apply', () => {
    const { reporter, out } = capture('json');
    reporter.info('stream_finished', 'deals: done', { stream: 'deals', records: 3, inserted: 1, updated: 1, unchanged: 1, deleted: 0, requests: 1, tokens: 10, load_id: 'L1', extra: 'x' });
    reporter.warn('something', 'careful');
    const [finished, warning] = json(out());
    expect(Object.keys(finished ?? {})).toEqual([...JSON_LOG_KEYS, 'extra']);
    expect(finished).toMatchObject({ time: '2026-06-01T10:00:00.000Z', stream: 'deals', records: 3, inserted: 1, updated: 1, unchanged: 1, deleted: 0 });
    expect(Object.keys(warning ?? {})).toEqual([...JSON_LOG_KEYS]);
    expect(warning).toMatchObject({ level: 'warn', records: null, unchanged: null, load_id: 'L1' });
  });

  it('give a --debug stack as a JSON key, never as raw lines', () => {
    const { reporter, out } = capture('json');
    reporter.debugStack('Error: boom\n    at somewhere (file.ts:1:1)');
    const lines = out();
    expect(lines).toHaveLength(1);
    expect(json(lines)[0]).toMatchObject({ event: 'stack_trace', message: 'Error: boom', stack: 'Error: boom\n    at somewhere (file.ts:1:1)' });
    const text = capture('text');
    text.reporter.debugStack('Error: boom\n    at somewhere');
    expect(text.out()).toEqual(['Error: boom', '    at somewhere']);
  });
});

describe('progress without a terminal', () => {
  it('prints a running stream at least every 30 s, its latest figures, until it finishes', () => {
    const { reporter, out } = capture('json');
    reporter.info('stream_started', 'deals: reading everything', { stream: 'deals' });
    vi.advanceTimersByTime(10_000);
    reporter.progress('deals: 500 records', { stream: 'deals', records: 500 });
    reporter.progress('deals: 1,000 records', { stream: 'deals', records: 1000 });
    expect(json(out()).map((line) => line['event'])).toEqual(['stream_started']);
    // No page for a while (a slow or rate-limited API): the line comes anyway.
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS - 10_000);
    expect(json(out()).at(-1)).toMatchObject({ event: 'stream_progress', stream: 'deals', records: 1000, message: 'deals: 1,000 records', time: '2026-06-01T10:00:30.000Z' });
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);
    expect(json(out()).filter((line) => line['event'] === 'stream_progress')).toHaveLength(2);
    reporter.info('stream_finished', 'deals: done', { stream: 'deals', records: 1000 });
    vi.advanceTimersByTime(5 * PROGRESS_INTERVAL_MS);
    expect(json(out()).filter((line) => line['event'] === 'stream_progress')).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('prints pages that come fast at most once per interval, and each stream on its own', () => {
    const { reporter, out } = capture('text');
    reporter.info('stream_started', 'deals: reading', { stream: 'deals' });
    reporter.info('stream_started', 'persons: reading', { stream: 'persons' });
    for (let second = 1; second <= 65; second += 1) {
      vi.advanceTimersByTime(1000);
      reporter.progress(`deals: ${second * 100} records`, { stream: 'deals', records: second * 100 });
    }
    const lines = out();
    // At 30 s and 60 s, the latest status known then (the page of second 30 comes just after).
    expect(lines.filter((line) => line.startsWith('deals: ') && line.endsWith('00 records'))).toEqual(['deals: 2900 records', 'deals: 5900 records']);
    // persons had no page at all: its started line is repeated on the interval.
    expect(lines.filter((line) => line === 'persons: reading')).toHaveLength(3);
  });

  it('draws nothing but the live line on a terminal, and nothing at all when quiet', () => {
    const terminal = capture('text', { interactive: true });
    terminal.reporter.info('stream_started', 'deals: reading', { stream: 'deals' });
    terminal.reporter.progress('deals: 500 records', { stream: 'deals' });
    vi.advanceTimersByTime(3 * PROGRESS_INTERVAL_MS);
    expect(terminal.out()).toEqual(['deals: reading']);
    expect(terminal.err()).toContain('deals: 500 records');
    const quiet = capture('json', { quiet: true });
    quiet.reporter.info('stream_started', 'deals: reading', { stream: 'deals' });
    quiet.reporter.progress('deals: 500 records', { stream: 'deals' });
    vi.advanceTimersByTime(3 * PROGRESS_INTERVAL_MS);
    expect(quiet.out()).toEqual([]);
  });
});
