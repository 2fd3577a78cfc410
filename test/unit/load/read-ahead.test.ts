import { describe, expect, it } from 'vitest';
import { readPages } from '../../../src/load/read-ahead.js';

/** A paged source that records when each page is asked for and whether it was closed. */
function pagedSource(pages: number, failAt?: number) {
  const log: string[] = [];
  let closed = false;
  async function* source(): AsyncGenerator<number> {
    try {
      for (let page = 1; page <= pages; page++) {
        log.push(`request ${page}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (page === failAt) throw new Error(`page ${page} failed`);
        log.push(`arrived ${page}`);
        yield page;
      }
    } finally {
      closed = true;
    }
  }
  return { pages: source(), log, isClosed: () => closed };
}

const requests = (log: readonly string[]): string[] => log.filter((line) => line.startsWith('request'));
const never = (): boolean => false;

describe('readPages with read-ahead', () => {
  it('yields every page in order, asking for each next page before the current one is processed', async () => {
    const { pages, log } = pagedSource(3);
    const seen: number[] = [];
    for await (const page of readPages(pages, { readAhead: true, stopRequested: never })) {
      await new Promise((resolve) => setTimeout(resolve, 5)); // shaping and writing the page
      log.push(`processed ${page}`);
      seen.push(page);
    }
    expect(seen).toEqual([1, 2, 3]);
    // Page 2 was requested and arrived while page 1 was being processed.
    expect(log.indexOf('arrived 2')).toBeLessThan(log.indexOf('processed 1'));
    expect(log.indexOf('arrived 3')).toBeLessThan(log.indexOf('processed 2'));
    expect(requests(log)).toHaveLength(3);
  });

  it('asks for no page past the last one', async () => {
    const { pages, log } = pagedSource(1);
    const seen: number[] = [];
    for await (const page of readPages(pages, { readAhead: true, stopRequested: never })) seen.push(page);
    expect(seen).toEqual([1]);
    expect(log).toEqual(['request 1', 'arrived 1']);
  });

  it('after a stop request hands over the page already asked for, then asks for nothing more', async () => {
    const { pages, log, isClosed } = pagedSource(10);
    let stop = false;
    const seen: number[] = [];
    for await (const page of readPages(pages, { readAhead: true, stopRequested: () => stop })) {
      seen.push(page);
      if (page === 2) stop = true; // page 3 was asked for when page 2 arrived
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(requests(log)).toEqual(['request 1', 'request 2', 'request 3']);
    expect(isClosed()).toBe(true);
  });

  it('when the consumer breaks off, waits for the page in flight and closes the source', async () => {
    const { pages, log, isClosed } = pagedSource(10);
    for await (const page of readPages(pages, { readAhead: true, stopRequested: never })) {
      if (page === 2) break;
    }
    expect(isClosed()).toBe(true);
    expect(requests(log)).toEqual(['request 1', 'request 2', 'request 3']);
    expect(log.at(-1)).toBe('arrived 3');
  });

  it('reports a failure of the page read ahead after the page before it was processed', async () => {
    const { pages, isClosed } = pagedSource(5, 3);
    const seen: number[] = [];
    const failure = await (async () => {
      for await (const page of readPages(pages, { readAhead: true, stopRequested: never })) seen.push(page);
    })().catch((error: unknown) => error);
    expect(seen).toEqual([1, 2]);
    expect((failure as Error).message).toBe('page 3 failed');
    expect(isClosed()).toBe(true);
  });
});

describe('readPages without read-ahead', () => {
  it('asks for each page only after the previous one was processed', async () => {
    const { pages, log } = pagedSource(3);
    for await (const page of readPages(pages, { readAhead: false, stopRequested: never })) log.push(`processed ${page}`);
    expect(log).toEqual(['request 1', 'arrived 1', 'processed 1', 'request 2', 'arrived 2', 'processed 2', 'request 3', 'arrived 3', 'processed 3']);
  });

  it('asks for no page once a stop is requested', async () => {
    const { pages, log, isClosed } = pagedSource(10);
    let stop = false;
    const seen: number[] = [];
    for await (const page of readPages(pages, { readAhead: false, stopRequested: () => stop })) {
      seen.push(page);
      stop = true;
    }
    expect(seen).toEqual([1]);
    expect(requests(log)).toEqual(['request 1']);
    expect(isClosed()).toBe(true);
  });

  it('asks for nothing when the stop was requested before the first page', async () => {
    const { pages, log } = pagedSource(3);
    const seen: number[] = [];
    for await (const page of readPages(pages, { readAhead: true, stopRequested: () => true })) seen.push(page);
    expect(seen).toEqual([]);
    expect(log).toEqual([]);
  });
});
