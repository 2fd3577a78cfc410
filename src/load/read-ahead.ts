/**
 * Asks for the next page as soon as the current one has arrived, so that Pipedrive's time to
 * build and send a page (hundreds of milliseconds on the real API) overlaps the loader's shaping
 * and writing of the page before it, instead of adding to it.
 *
 * Only for reads that go to the end anyway: a page is requested early only when the previous
 * page said more follow, which the reader would have asked for next. A reader that stops early
 * (a newest-first stream reaching its bookmark) must not use it, since the page read ahead would
 * be paid for and thrown away. When the consumer stops at a batch boundary (a signal, a failing
 * stream elsewhere) the page in flight is waited for, so nothing is left running.
 *
 * At most one page is in flight besides the one being processed, so memory grows by one page.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const result = await pending;
      if (result.done === true) {
        finished = true;
        return;
      }
      pending = iterator.next();
      // A failure of the page read ahead belongs to the next iteration: it must not surface as an
      // unhandled rejection while the consumer is still busy with this page.
      pending.catch(() => undefined);
      yield result.value;
    }
  } finally {
    if (!finished) {
      // The consumer stopped (or the source failed): let the request in flight settle, then close.
      await pending.catch(() => undefined);
      await iterator.return?.(undefined);
    }
  }
}
