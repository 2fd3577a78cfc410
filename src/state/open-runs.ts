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
 * failed, within the deadline even when a write never answers (the caller exits right after and
 * must be able to say so); never rejects. The runs are recorded side by side, so one hung write
 * does not hold up the others.
 */
export async function recordOpenRunsInterrupted(
  reason: string,
  deadlineMs: number,
  retryEveryMs = 50,
): Promise<string[]> {
  const giveUpAt = Date.now() + deadlineMs;
  const outcomes = await Promise.all([...openRuns.values()].map((run) => recordOne(run, reason, giveUpAt, retryEveryMs)));
  return outcomes.filter((loadId): loadId is string => loadId !== undefined);
}

/** Undefined once `run` is recorded; its load id when the deadline came first. */
async function recordOne(run: OpenRun, reason: string, giveUpAt: number, retryEveryMs: number): Promise<string | undefined> {
  for (;;) {
    const remaining = giveUpAt - Date.now();
    if (remaining <= 0) return run.loadId;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), remaining);
    });
    try {
      const attempt = run.recordInterrupted(reason).then(() => 'recorded' as const);
      // A write that fails after the deadline must not surface as an unhandled rejection.
      attempt.catch(() => undefined);
      const outcome = await Promise.race([attempt, deadline]);
      if (outcome === 'late') return run.loadId;
      openRuns.delete(run.loadId);
      return undefined;
    } catch {
      if (Date.now() + retryEveryMs > giveUpAt) return run.loadId;
      await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
    } finally {
      clearTimeout(timer);
    }
  }
}
