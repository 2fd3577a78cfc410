/**
 * Runs async work one piece at a time, in the order it was queued. Streams are read concurrently,
 * but every warehouse transaction goes through one queue: embedded DuckDB has a single writer,
 * and one writer at a time keeps each batch's data and bookmark commit simple to reason about.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
