/**
 * The runs this process has started and not yet recorded as finished.
 *
 * Why a process-wide registry: the CLI's signal handler must be able to record the run as
 * interrupted when the user insists (a second SIGINT/SIGTERM exits without finishing the batch),
 * but the run and its warehouse connection live deep inside the load pipeline. `StateStore`
 * registers each run it starts and removes it when the run's end is recorded, so the handler can
 * reach exactly the runs still marked `running`.
 */

/** What can close one open run: `StateStore.recordInterrupted` bound to its load id. */
export interface OpenRun {
  readonly loadId: string;
  recordInterrupted(reason: string): Promise<void>;
}

const openRuns = new Map<string, OpenRun>();

export function registerOpenRun(run: OpenRun): void {
  openRuns.set(run.loadId, run);
}

export function unregisterOpenRun(loadId: string): void {
  openRuns.delete(loadId);
}

export function openRunIds(): string[] {
  return [...openRuns.keys()];
}

/**
 * Records every open run as interrupted (best effort, see `StateStore.recordInterrupted`),
 * retrying a failed write until `deadlineMs` has passed. Resolves with the load ids whose write
 * failed; never rejects, since the caller is about to exit.
 */
export async function recordOpenRunsInterrupted(
  reason: string,
  deadlineMs: number,
  retryEveryMs = 50,
): Promise<string[]> {
  const giveUpAt = Date.now() + deadlineMs;
  const failed: string[] = [];
  for (const run of [...openRuns.values()]) {
    let recorded = false;
    while (!recorded) {
      try {
        await run.recordInterrupted(reason);
        recorded = true;
        openRuns.delete(run.loadId);
      } catch {
        if (Date.now() + retryEveryMs > giveUpAt) break;
        await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
      }
    }
    if (!recorded) failed.push(run.loadId);
  }
  return failed;
}
