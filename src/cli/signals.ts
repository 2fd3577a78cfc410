/**
 * SIGINT/SIGTERM handling shared by the long-running commands. The first signal asks the work to
 * stop at a safe point (a batch boundary); a second one exits at once with 130.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received === 1) stop(signal);
    else process.exit(130);
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
