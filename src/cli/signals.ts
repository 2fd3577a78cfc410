/**
 * SIGINT/SIGTERM handling shared by the long-running commands.
 *
 * - The first signal asks the work to stop at a safe point (a batch boundary).
 * - A second one gives up on that: `beforeForcedExit` gets up to `forceDeadlineMs` to leave a
 *   record (the load records its run as interrupted), then the process exits with 130. The batch
 *   in flight is never half-written: its transaction is rolled back when the connection dies.
 * - A third exits at once, for a user whose warehouse no longer answers.
 */
export const FORCED_EXIT_CODE = 130;
export const DEFAULT_FORCE_DEADLINE_MS = 3_000;

export interface StopSignalOptions {
  /** Runs on the second signal, before the exit; cut short after `forceDeadlineMs`. */
  readonly beforeForcedExit?: (signal: NodeJS.Signals) => Promise<void>;
  readonly forceDeadlineMs?: number;
}

export function onStopSignal(stop: (signal: NodeJS.Signals) => void, options: StopSignalOptions = {}): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received === 1) {
      stop(signal);
      return;
    }
    if (received > 2 || options.beforeForcedExit === undefined) process.exit(FORCED_EXIT_CODE);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, options.forceDeadlineMs ?? DEFAULT_FORCE_DEADLINE_MS).unref());
    void Promise.race([options.beforeForcedExit(signal).catch(() => undefined), deadline]).finally(() =>
      process.exit(FORCED_EXIT_CODE),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Resolves with the first SIGINT or SIGTERM. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const remove = onStopSignal((signal) => {
      remove();
      resolve(signal);
    });
  });
}
