/**
 * The tokens a day of scheduled loads costs (src/load/estimate.ts, estimateDay): runs with nothing
 * changed, plus the list reads the cadence makes due. On the default sandbox's catalog (every
 * full list one page, field metadata one page each) a quiet run costs 132 tokens and a list read
 * 332 more, as test/e2e/api-budget.test.ts measures.
 */
import { describe, expect, it } from 'vitest';
import { estimateDay, type EstimateBasis } from '../../../src/load/estimate.js';
import { STREAMS } from '../../../src/pipedrive/catalog.js';

const HOUR = 3_600_000;

function basis(refreshListsMs?: number): EstimateBasis {
  const metadataRequests = new Map(STREAMS.filter((s) => s.describes).map((s) => [s.name, 1]));
  const lastLoaded = new Map(STREAMS.filter((s) => s.replication === 'full').map((s) => [s.name, { pages: 1, loadId: 'l1' }]));
  return {
    fullRefresh: false,
    now: new Date('2026-06-01T00:00:00Z'),
    bookmarks: new Map(),
    metadataRequests,
    lastLoaded,
    tableRows: new Map(),
    ...(refreshListsMs === undefined ? {} : { refreshListsMs }),
  };
}

// The sandbox company has no Projects add-on: its three lists are not part of the 332 above.
const streams = STREAMS.filter((s) => s.requires === undefined);

describe('estimateDay', () => {
  it('at the default 30-minute schedule and 6-hour cadence', () => {
    const day = estimateDay(streams, basis(), 30 * 60_000);
    expect(day).toEqual({ runsPerDay: 48, quietRunTokens: 132, listReadTokens: 332, listReadsPerDay: 4, tokens: 48 * 132 + 4 * 332 });
  });

  it('reads the lists every run with --refresh-lists always, as before the cadence', () => {
    const day = estimateDay(streams, basis(0), 30 * 60_000);
    expect(day.tokens).toBe(48 * 464);
  });

  it('never reads the lists more often than the loads run', () => {
    expect(estimateDay(streams, basis(HOUR), 6 * HOUR)).toMatchObject({ runsPerDay: 4, listReadsPerDay: 4 });
    expect(estimateDay(streams, basis(24 * HOUR), HOUR)).toMatchObject({ runsPerDay: 24, listReadsPerDay: 1 });
  });
});
