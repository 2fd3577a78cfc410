import { describe, expect, it } from 'vitest';
import { estimateRun, estimateStream, isUnderstood, type EstimateBasis } from '../../../src/load/estimate.js';
import { lastLoadedReads } from '../../../src/load/preview.js';
import { STREAMS, findStream, type StreamDefinition } from '../../../src/pipedrive/catalog.js';
import { tokenCost } from '../../../src/pipedrive/costs.js';
import type { RunRecord } from '../../../src/state/types.js';

function stream(name: string): StreamDefinition {
  const found = findStream(name);
  if (!found) throw new Error(`no stream ${name} in the catalog`);
  return found;
}

function basis(overrides: Partial<EstimateBasis> = {}): EstimateBasis {
  return {
    fullRefresh: false,
    now: new Date('2026-06-01T12:00:00Z'),
    bookmarks: new Map(),
    metadataRequests: new Map(),
    lastLoaded: new Map(),
    tableRows: new Map(),
    ...overrides,
  };
}

/** A small catalog of its own, so these tests do not move when the real one grows. */
const DEALS: StreamDefinition = {
  name: 'deals',
  table: 'deals',
  api: 'v2',
  path: '/deals',
  pagination: 'cursor',
  primaryKey: ['id'],
  replication: 'incremental',
  replicationKey: 'update_time',
  fieldsOf: 'deal',
};
const ARCHIVED: StreamDefinition = { ...DEALS, name: 'deals_archived', path: '/deals/archived' };
const PERSONS: StreamDefinition = { ...DEALS, name: 'persons', table: 'persons', path: '/persons', fieldsOf: 'person' };
const STAGES: StreamDefinition = { ...DEALS, name: 'stages', table: 'stages', path: '/stages', replication: 'full', fieldsOf: undefined };
const USERS: StreamDefinition = { ...STAGES, name: 'users', table: 'users', api: 'v1', path: '/users', pagination: 'none' };
const FILES: StreamDefinition = { ...STAGES, name: 'files', table: 'files', api: 'v1', path: '/files', pagination: 'offset', replication: 'newest_first', pageSize: 100 };
const CATALOG = [DEALS, ARCHIVED, PERSONS, STAGES, USERS, FILES];

describe('estimateStream', () => {
  it('counts an unpaginated list as exactly one request, whatever else is known', () => {
    expect(estimateStream(USERS, basis({ catalog: CATALOG, tableRows: new Map([['users', 9000]]) }))).toMatchObject({
      requests: 1,
      tokens: tokenCost('v1', 'GET', '/users'),
      certainty: 'exact',
      unknown: false,
    });
  });

  it('gives a stream with a bookmark its minimum: one page, at least', () => {
    const estimate = estimateStream(DEALS, basis({ catalog: CATALOG, bookmarks: new Map([['deals', '2026-05-01T00:00:00Z']]), tableRows: new Map([['deals', 9000]]) }));
    expect(estimate).toMatchObject({ requests: 1, tokens: 10, certainty: 'at-least', unknown: false });
    expect(estimate.basis).toContain('changes since 2026-05-01T00:00:00Z');
    // newest_first streams stop at their bookmark too.
    expect(estimateStream(FILES, basis({ catalog: CATALOG, bookmarks: new Map([['files', 'x']]) }))).toMatchObject({ requests: 1, certainty: 'at-least' });
  });

  it('ignores bookmarks for a full refresh and counts the rows of a table the stream writes alone', () => {
    const known = basis({ catalog: CATALOG, fullRefresh: true, bookmarks: new Map([['persons', 'x']]), tableRows: new Map([['persons', 1001]]) });
    expect(estimateStream(PERSONS, known)).toMatchObject({ requests: 3, tokens: 30, certainty: 'estimate' });
    // Page size comes from the stream: files are read 100 a page.
    expect(estimateStream(FILES, basis({ catalog: CATALOG, tableRows: new Map([['files', 250]]) }))).toMatchObject({ requests: 3, certainty: 'estimate' });
    // An empty table is still one (empty) page.
    expect(estimateStream(PERSONS, basis({ catalog: CATALOG, tableRows: new Map([['persons', 0]]) }))).toMatchObject({ requests: 1, certainty: 'estimate' });
  });

  it('does not attribute a shared table to one stream: deals and archived deals are unknown on a full refresh', () => {
    const shared = basis({ catalog: CATALOG, fullRefresh: true, tableRows: new Map([['deals', 5000]]) });
    for (const s of [DEALS, ARCHIVED]) {
      const estimate = estimateStream(s, shared);
      expect(estimate).toMatchObject({ requests: 1, certainty: 'at-least', unknown: true });
      expect(estimate.basis).toMatch(/^unknown \(at least 1 page\): deals also holds the rows of deals(_archived)?$/);
    }
  });

  it('takes a full stream from the last run that read it to the end, before row counts', () => {
    const known = basis({
      catalog: CATALOG,
      lastLoaded: new Map([['stages', { pages: 4, loadId: 'L1' }]]),
      tableRows: new Map([['stages', 99_999]]),
    });
    expect(estimateStream(STAGES, known)).toMatchObject({ requests: 4, tokens: 4 * tokenCost('v2', 'GET', '/stages'), certainty: 'estimate' });
    expect(estimateStream(STAGES, known).basis).toContain('load L1 read 4 page(s)');
    // An incremental stream's last run read only its changes: no basis for a complete read.
    const incremental = basis({ catalog: CATALOG, lastLoaded: new Map([['persons', { pages: 1, loadId: 'L1' }]]) });
    expect(estimateStream(PERSONS, incremental)).toMatchObject({ requests: 1, certainty: 'at-least', unknown: true });
  });

  it('says "unknown (at least 1 page)" on a first run', () => {
    const estimate = estimateStream(PERSONS, basis({ catalog: CATALOG }));
    expect(estimate).toMatchObject({ requests: 1, tokens: 10, certainty: 'at-least', unknown: true });
    expect(estimate.basis).toBe('unknown (at least 1 page): nothing loaded yet to go by');
  });

  it('treats a stream of a kind it does not know as unknown, never as cheap', () => {
    const novel = { ...STAGES, name: 'timeline', windowDays: 30 } as unknown as StreamDefinition;
    const odd = { ...STAGES, name: 'odd', pagination: 'keyset' } as unknown as StreamDefinition;
    for (const s of [novel, odd]) {
      expect(isUnderstood(s)).toBe(false);
      const estimate = estimateStream(s, basis({ catalog: CATALOG, lastLoaded: new Map([[s.name, { pages: 1, loadId: 'L' }]]), tableRows: new Map([['stages', 1]]) }));
      expect(estimate).toMatchObject({ requests: 1, certainty: 'at-least', unknown: true });
      expect(estimate.basis).toContain('does not know');
    }
  });
});

describe('streams that need an add-on', () => {
  const projects = stream('projects');
  const marker = (at: string): Map<string, string> => new Map([['projects#unavailable_since', at]]);

  it('cost nothing for a day after the add-on was found missing, then one request to ask again', () => {
    expect(projects.requires).toBeDefined();
    expect(estimateStream(projects, basis({ bookmarks: marker('2026-06-01T08:00:00Z') }))).toMatchObject({ requests: 0, certainty: 'exact' });
    expect(estimateStream(projects, basis({ bookmarks: marker('2026-05-31T08:00:00Z') }))).toMatchObject({ requests: 1, certainty: 'at-least' });
    // A full refresh asks again at once.
    expect(estimateStream(projects, basis({ fullRefresh: true, bookmarks: marker('2026-06-01T08:00:00Z') }))).toMatchObject({ requests: 1 });
  });
});

describe('children read in batches of parent ids (deal products)', () => {
  const products = stream('deal_products');
  const children = products.children;

  it('is a stream of the real catalog, read per batch of deal ids', () => {
    expect(children?.parentTable).toBe('deals');
    expect(children?.batchSize).toBeLessThanOrEqual(100);
  });

  it('needs at least nothing when it has a bookmark: only parents changed since are visited', () => {
    const incremental = basis({ bookmarks: new Map([['deal_products', '{"update_time":"2026-05-01T00:00:00Z","ids":[]}']]), tableRows: new Map([['deals', 5000]]) });
    expect(estimateStream(products, incremental)).toMatchObject({ requests: 0, tokens: 0, certainty: 'at-least', unknown: false });
  });

  it('needs at least one request per batch of the parents in the warehouse when every parent is visited', () => {
    const batch = children?.batchSize ?? 100;
    const expected = { requests: 11, tokens: 11 * tokenCost('v2', 'GET', products.path), certainty: 'at-least', unknown: false };
    // No bookmark of its own (the parents may have theirs) …
    const first = basis({ bookmarks: new Map([['deals', 'x']]), tableRows: new Map([['deals', 10 * batch + 1]]) });
    expect(estimateStream(products, first)).toMatchObject(expected);
    // … or a full refresh.
    const full = basis({ fullRefresh: true, bookmarks: new Map([['deal_products', 'x']]), tableRows: new Map([['deals', 10 * batch + 1]]) });
    expect(estimateStream(products, full)).toMatchObject(expected);
  });

  it('is unknown on a first run', () => {
    expect(estimateStream(products, basis())).toMatchObject({ requests: 0, certainty: 'at-least', unknown: true });
  });
});

describe('estimateRun', () => {
  it('puts the field metadata first, exactly as plan read it, and adds up the rest', () => {
    const metadataRequests = new Map([
      ['deal_fields', 2],
      ['person_fields', 1],
    ]);
    const bookmarks = new Map([['persons', 'x']]);
    const estimate = estimateRun([DEALS, PERSONS, USERS], basis({ catalog: CATALOG, metadataRequests, bookmarks }));
    expect(estimate.streams.map((s) => [s.stream, s.requests, s.certainty])).toEqual([
      ['account', 1, 'exact'],
      ['deal_fields', 2, 'exact'],
      ['person_fields', 1, 'exact'],
      ['deals', 1, 'at-least'],
      ['persons', 1, 'at-least'],
      ['users', 1, 'exact'],
    ]);
    expect(estimate.requests).toBe(7);
    expect(estimate.tokens).toBe(tokenCost('v1', 'GET', '/users/me') + 2 * 10 + 10 + 10 + 10 + tokenCost('v1', 'GET', '/users'));
    expect(estimate.certainty).toBe('at-least');
  });

  it('is exact only when every part is, and an estimate when some part is approximate', () => {
    expect(estimateRun([USERS], basis({ catalog: CATALOG })).certainty).toBe('exact');
    const approximate = basis({ catalog: CATALOG, lastLoaded: new Map([['stages', { pages: 2, loadId: 'L' }]]) });
    expect(estimateRun([USERS, STAGES], approximate)).toMatchObject({ requests: 4, certainty: 'estimate' });
  });

  it('counts a field-metadata stream once, even when it is selected as a stream too', () => {
    const all = estimateRun(STREAMS, basis({ metadataRequests: new Map([['deal_fields', 1]]) }));
    const names = all.streams.map((s) => s.stream);
    expect(new Set(names).size).toBe(names.length);
    const metadataNames = STREAMS.filter((s) => s.describes).map((s) => s.name);
    expect(names.filter((n) => metadataNames.includes(n)).sort()).toEqual([...metadataNames].sort());
    // The account check first, then all of them before the first data stream.
    expect(names[0]).toBe('account');
    const firstData = names.findIndex((n, index) => index > 0 && !metadataNames.includes(n));
    expect(names.slice(1, firstData).sort()).toEqual([...metadataNames].sort());
    expect(all.streams.find((s) => s.stream === 'deal_fields')).toMatchObject({ requests: 1, certainty: 'exact' });
    // Metadata plan did not read (it always does; defensive) is a minimum, not a guess.
    expect(all.streams.find((s) => s.stream === 'person_fields')).toMatchObject({ requests: 1, certainty: 'at-least', unknown: true });
  });

  it('estimates every stream of the real catalog without throwing', () => {
    const estimate = estimateRun(STREAMS, basis());
    expect(estimate.streams.length).toBeGreaterThanOrEqual(STREAMS.filter((s) => !s.describes).length);
    for (const s of estimate.streams) {
      expect(s.requests).toBeGreaterThanOrEqual(0);
      expect(s.tokens).toBe(s.requests * s.tokensPerRequest);
      expect(s.basis).not.toBe('');
    }
  });
});

describe('lastLoadedReads', () => {
  const run = (loadId: string, streams: unknown[]): RunRecord => ({
    loadId,
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: null,
    status: 'succeeded',
    streams: streams as RunRecord['streams'],
    requests: 0,
    tokens: 0,
    error: null,
  });

  it('takes, per stream, the newest run that loaded it to the end', () => {
    const reads = lastLoadedReads([
      run('new', [
        { stream: 'stages', status: 'failed', pages: 1 },
        { stream: 'users', status: 'loaded', pages: 1 },
      ]),
      run('old', [
        { stream: 'stages', status: 'loaded', pages: 3 },
        { stream: 'users', status: 'loaded', pages: 7 },
        { stream: 'bad', status: 'loaded' },
        null,
        'garbage',
      ]),
    ]);
    expect(Object.fromEntries(reads)).toEqual({
      users: { pages: 1, loadId: 'new' },
      stages: { pages: 3, loadId: 'old' },
    });
  });
});
