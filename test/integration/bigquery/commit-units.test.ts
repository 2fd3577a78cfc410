/**
 * Commit units on BigQuery, through the generic load pipeline (src/load/context.ts CommitUnits)
 * and the REAL @google-cloud/bigquery SDK against the local fake (fake-server.ts): a stream's
 * memory batches are appended to one NDJSON file, which costs one load job and one merge per unit,
 * and each unit's bookmark commits in the merge's transaction, never before its rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigqueryAdapter } from '../../../adapters/bigquery/index.js';
import type { BatchSizing, WarehouseClient } from '../../../adapters/types.js';
import { Reporter } from '../../../src/cli/output.js';
import { LoadPipeline } from '../../../src/load/pipeline.js';
import { findStream, type StreamDefinition } from '../../../src/pipedrive/catalog.js';
import { PipedriveClient } from '../../../src/pipedrive/client.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { FakeBigQuery, type RecordedRequest } from './fake-server.js';

const TOKEN = 'ya29.fake-access-token-never-printed';
/** Pages of 500 deals are the memory batches; three of them make a unit. */
const SMALL_UNITS: BatchSizing = { memory: { maxRows: 500, maxBytes: 64 * 1024 * 1024 }, unit: { maxRows: 1_500, maxStagedBytes: 256 * 1024 * 1024 } };

const fake = new FakeBigQuery();
let sandbox: Sandbox;
const deals = findStream('deals') as StreamDefinition;

beforeAll(async () => {
  await fake.start();
  sandbox = await startSandbox({ seed: 14, deals: 3_000, dealCustomFields: 20 });
});
afterAll(async () => {
  await sandbox.close();
  await fake.stop();
});

/** The adapter's client with smaller units, so that a small sandbox spans several. */
function clientWithUnits(sizing: BatchSizing): WarehouseClient {
  const client = bigqueryAdapter.createClient({
    type: 'bigquery',
    name: 'fake',
    settings: { method: 'oauth-secrets', token: TOKEN, project: 'test-proj', location: 'EU', api_endpoint: fake.url },
    secrets: [TOKEN],
  });
  return new Proxy(client, {
    get(target, property) {
      if (property === 'batchSizing') return sizing;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function load(warehouse: WarehouseClient, fetchImpl?: typeof fetch): Promise<{ error?: unknown; records: number }> {
  await warehouse.open();
  const sink = { write: () => undefined };
  const pipeline = new LoadPipeline({
    pipedrive: new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.adminToken, requestsPer2s: 1000, ...(fetchImpl ? { fetch: fetchImpl } : {}) }),
    warehouse,
    schema: 'units',
    streams: [deals],
    fullRefresh: false,
    loadId: 'units-test',
    reporter: new Reporter('text', { stdout: sink, stderr: sink }, { interactive: false }),
    reconcileDeletes: 'never',
  });
  try {
    await pipeline.run();
    return { records: pipeline.progress.streams.find((s) => s.stream === 'deals')?.records ?? 0 };
  } catch (error) {
    return { error, records: pipeline.progress.streams.find((s) => s.stream === 'deals')?.records ?? 0 };
  } finally {
    await warehouse.close();
  }
}

/** Query jobs and load uploads in the order they were sent, with their session (if any). */
interface SentJob {
  readonly sql?: string;
  readonly params?: unknown[];
  readonly upload?: string;
  readonly table?: string;
  readonly session?: string;
}

function jobs(): SentJob[] {
  return fake.requests.flatMap((request: RecordedRequest): SentJob[] => {
    if (request.path.startsWith('/upload/')) {
      const load = (request.json?.['configuration'] as { load?: { destinationTable?: { tableId?: string } } } | undefined)?.load;
      return [{ upload: request.upload ?? '', table: load?.destinationTable?.tableId }];
    }
    if (request.method !== 'POST' || !/\/jobs$/.test(request.path)) return [];
    const query = (request.json?.['configuration'] as
      | { query?: { query?: string; connectionProperties?: { value: string }[]; queryParameters?: { parameterValue: { value: unknown } }[] } }
      | undefined)?.query;
    const params = (query?.queryParameters ?? []).map((parameter) => parameter.parameterValue.value);
    return [{ sql: String(query?.query ?? ''), params, session: query?.connectionProperties?.[0]?.value }];
  });
}

/** A write of the deals stream's bookmark (StateStore.saveBookmark: DELETE, then INSERT, of its row). */
const savesDealsBookmark = (job: { sql?: string; params?: unknown[] }): boolean =>
  /^(DELETE FROM|INSERT INTO) `test-proj`\.`units`\.`_loader_state`/.test(job.sql ?? '') && job.params?.[0] === 'deals';
const mergesIntoDeals = (sql = ''): boolean => /^(MERGE|INSERT INTO) `test-proj`\.`units`\.`deals`/.test(sql) && sql.includes('_loader_staging_deals_');

describe('BigQuery commit units through the load pipeline', () => {
  it('loads each unit of several batches with one load job and one merge, its bookmark in the merge transaction', async () => {
    fake.requests.length = 0;
    const { error, records } = await load(clientWithUnits(SMALL_UNITS));
    expect(error).toBeUndefined();
    expect(records).toBeGreaterThan(1_500);
    const units = Math.ceil(Math.ceil(records / 500) / 3);
    const all = jobs();
    const uploads = all.filter((job) => job.table?.startsWith('_loader_staging_deals_'));
    expect(uploads).toHaveLength(units);
    // Every staged row of a unit carries its position in the unit: 0 … n-1, across its batches.
    const lines = uploads.map((job) => (job.upload ?? '').trimEnd().split('\n'));
    expect(lines.reduce((sum, unit) => sum + unit.length, 0)).toBe(records);
    for (const unit of lines) {
      expect(unit.map((line) => (JSON.parse(line) as Record<string, string>)['_loader_staging_row'])).toEqual(unit.map((_, index) => String(index)));
    }
    const merges = all.map((job, index) => ({ job, index })).filter(({ job }) => mergesIntoDeals(job.sql));
    expect(merges).toHaveLength(units);
    for (const { job, index } of merges) {
      // The rest of this transaction: the deals bookmark is written before its COMMIT.
      const rest = all.slice(index + 1).filter((other) => other.session === job.session);
      const commit = rest.findIndex((other) => /^COMMIT/.test(other.sql ?? ''));
      expect(commit).toBeGreaterThan(0);
      expect(rest.slice(0, commit).filter(savesDealsBookmark)).toHaveLength(2);
    }
  });

  it('commits nothing of a unit whose load job fails: no merge and no bookmark after it', async () => {
    fake.requests.length = 0;
    let dealUploads = 0;
    fake.onLoad = (metadata) => {
      const table = (metadata['destinationTable'] as { tableId?: string } | undefined)?.tableId ?? '';
      if (!table.startsWith('_loader_staging_deals_')) return undefined;
      dealUploads += 1;
      return dealUploads === 2 ? { reason: 'invalid', message: 'Error while reading data' } : undefined;
    };
    try {
      const { error } = await load(clientWithUnits(SMALL_UNITS));
      expect(error).toBeDefined();
    } finally {
      fake.onLoad = () => undefined;
    }
    const all = jobs();
    const secondUpload = all.findIndex((job, index) => job.table?.startsWith('_loader_staging_deals_') && all.slice(0, index).some((j) => j.table?.startsWith('_loader_staging_deals_')));
    expect(secondUpload).toBeGreaterThan(0);
    expect(all.slice(0, secondUpload).filter((job) => mergesIntoDeals(job.sql))).toHaveLength(1);
    const after = all.slice(secondUpload + 1);
    expect(after.some((job) => mergesIntoDeals(job.sql))).toBe(false);
    expect(all.slice(0, secondUpload).filter(savesDealsBookmark)).toHaveLength(2);
    expect(after.some(savesDealsBookmark)).toBe(false);
  });

  it('closes a unit early when a batch brings a new column, so each unit is staged and merged with one column list', async () => {
    fake.requests.length = 0;
    // From the second page of deals on, every record carries a key no column holds yet (a field
    // Pipedrive added during the run): the shaper infers a column for it.
    let dealPages = 0;
    const withNewKey: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!/\/api\/v2\/deals\?/.test(String(input)) || (dealPages += 1) < 2) return response;
      const body = (await response.json()) as { data?: Record<string, unknown>[] };
      for (const record of body.data ?? []) record['surprise_field'] = 'new';
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      headers.delete('content-encoding');
      return new Response(JSON.stringify(body), { status: response.status, headers });
    };
    const { error, records } = await load(clientWithUnits(SMALL_UNITS), withNewKey);
    expect(error).toBeUndefined();
    const all = jobs();
    const uploads = all.map((job, index) => ({ job, index })).filter(({ job }) => job.table?.startsWith('_loader_staging_deals_'));
    const [first, second] = uploads;
    // The first unit closed after its one page without the column; the next ones carry it.
    expect((first?.job.upload ?? '').trimEnd().split('\n')).toHaveLength(500);
    expect(first?.job.upload).not.toContain('surprise_field');
    expect(second?.job.upload).toContain('"surprise_field":"new"');
    const addColumn = all.findIndex((job) => /^ALTER TABLE `test-proj`\.`units`\.`deals`[\s\S]*surprise_field/.test(job.sql ?? ''));
    // The column is added (DDL, outside any transaction) before the unit that needs it is staged.
    expect(addColumn).toBeGreaterThan(0);
    expect(addColumn).toBeLessThan(second?.index ?? -1);
    expect(uploads).toHaveLength(1 + Math.ceil((Math.ceil(records / 500) - 1) / 3));
    expect(all.filter((job) => mergesIntoDeals(job.sql))).toHaveLength(uploads.length);
  });
});
