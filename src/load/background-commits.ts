/**
 * Commits batches one after another in the background, so that reading and shaping the next
 * batch overlaps writing this one (Pipedrive's page latency and the warehouse's merge time add
 * up otherwise). The caller settles before starting another commit, so at most one commit runs
 * while the next batch fills: memory stays bounded at two batches, and batches (with their
 * bookmarks) still commit strictly in order.
 */
export class BackgroundCommits {
  private tail: Promise<void> = Promise.resolve();

  /** Queues `commit` after the one in flight; its failure surfaces at the next `settle()`. */
  start(commit: () => Promise<void>): void {
    this.tail = this.tail.then(commit);
    // Observed here so Node does not report it as unhandled while the caller is busy reading.
    this.tail.catch(() => undefined);
  }

  /** Waits until every queued commit is done; rethrows the first failure. */
  settle(): Promise<void> {
    return this.tail;
  }
}
