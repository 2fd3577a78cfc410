/**
 * The second signal's record of open runs has a deadline: the process exits right after it. A
 * write that never answers (a warehouse gone silent, a lock) must come back as failed before the
 * deadline, so the CLI can say the run was not recorded, instead of exiting in silence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openRunIds, recordOpenRunsInterrupted, registerOpenRun, unregisterOpenRun } from '../../../src/state/open-runs.js';

afterEach(() => {
  for (const id of openRunIds()) unregisterOpenRun(id);
});

describe('recordOpenRunsInterrupted', () => {
  it('reports a run whose write hangs as failed, within the deadline', async () => {
    registerOpenRun({ loadId: 'hung', recordInterrupted: () => new Promise<void>(() => undefined) });
    const recorded: string[] = [];
    registerOpenRun({ loadId: 'fine', recordInterrupted: async (reason) => void recorded.push(reason) });
    expect(await recordOpenRunsInterrupted('Stopped by a second signal.', 200)).toEqual(['hung']);
    // The hung write does not hold up the other runs' records.
    expect(recorded).toEqual(['Stopped by a second signal.']);
    expect(openRunIds()).toEqual(['hung']);
  });

  it('retries a write that failed until it succeeds', async () => {
    let attempts = 0;
    registerOpenRun({
      loadId: 'flaky',
      recordInterrupted: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('connection reset');
      },
    });
    expect(await recordOpenRunsInterrupted('Stopped by a second signal.', 5_000, 1)).toEqual([]);
    expect(attempts).toBe(3);
    expect(openRunIds()).toEqual([]);
  });
});
