/**
 * How a stream's pages are asked for: one ahead where that costs nothing extra, and never past a
 * stop.
 *
 * Read-ahead: the next page is asked for as soon as the current one has arrived, so that
 * Pipedrive's time to build and send a page (hundreds of milliseconds on the real API) overlaps
 * the loader's shaping and writing of the page before it, instead of adding to it. A page is only
 * asked for early when the previous page said more follow, which the reader would ask for next
 * anyway. Reads that stop early by design (a newest-first stream reaching its bookmark) must not
 * read ahead: the page would be paid for and thrown away.
 *
 * Stopping: once `stopRequested()` is true (a signal, a failing stream, the token cap reached
 * elsewhere) no further page is asked for, but a page already asked for, and so paid for, is still
 * handed over, so the loader commits it instead of dropping it. The predicate must stay true once
 * true; the consumer tells a stop from the end of the list by asking it again afterwards.
 *
 * At most one page is in flight besides the one being processed, so memory grows by one page.
 */
export interface ReadPagesOptions {
  /** Ask for each next page while the current one is processed. */
  readonly readAhead: boolean;
  readonly stopRequested: () => boolean;
}

export async function* readPages<T>(source: AsyncIterable<T>, options: ReadPagesOptions): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ask = (): Promise<IteratorResult<T>> | undefined => {
    if (options.stopRequested()) return undefined;
    const next = iterator.next();
    // A failure of a page asked for early belongs to the next iteration: it must not surface as
    // an unhandled rejection while the consumer is still busy with this page.
    next.catch(() => undefined);
    return next;
  };
  let pending = ask();
  let finished = false;
  try {
    while (pending !== undefined) {
      const result = await pending;
      pending = undefined;
      if (result.done === true) {
        finished = true;
        return;
      }
      if (options.readAhead) pending = ask();
      yield result.value;
      if (!options.readAhead) pending = ask();
    }
  } finally {
    if (!finished) {
      // Stopped (by the consumer, a stop request or a failure): let a request in flight settle
      // rather than leave it running, then close the source.
      await pending?.catch(() => undefined);
      await iterator.return?.(undefined);
    }
  }
}
