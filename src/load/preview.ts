/**
 * `pipedrive-loader plan`: what the next load would change in the warehouse and what it would
 * spend, without changing or spending anything more. It refuses another company's schema as a
 * load would, reads the field metadata (the same requests a load starts with), the warehouse catalog, and the loader's own state (bookmarks,
 * recorded runs, row counts), renders the DDL the planner would run and estimates the next load's
 * requests and tokens (estimate.ts). Nothing is written, not even the loader's tables.
 */
import type { WarehouseClient } from '../../adapters/types.js';
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import { LOADER_TABLES } from '../../migrations/index.js';
import { StateStore } from '../state/store.js';
import type { RunRecord } from '../state/types.js';
import type { CompanyRecord } from '../state/types.js';
import { START_DATE_KEY } from './start-date.js';
import { estimateDay, estimateRun, tokensToAdvance, type DayEstimate, type EstimateBasis, type LoadedRead, type RunEstimate } from './estimate.js';
import { matchCompany } from './preflight.js';
import { SchemaSync, buildModels, readFieldMetadata } from './schema-sync.js';
import { previewHistory } from '../history/preview.js';
import type { HistoryChoice } from '../history/selection.js';

export interface PlanPreview {
  /** DDL for the entity tables, in the order it would run. */
  readonly statements: string[];
  /** True when the loader's own tables do not exist yet (the first load creates them too). */
  readonly loaderTablesMissing: boolean;
  /** The next load's requests and tokens. */
  readonly estimate: RunEstimate;
  /** The fewest tokens with which the next load can move a bookmark (estimate.ts, tokensToAdvance). */
  readonly tokensToAdvance: number;
  /** `adopt` when the schema has no company record yet: the next load records the token's. */
  readonly company: 'adopt' | 'same' | 'renamed';
  /** A day of loads at the schedule (`everyMs`), nothing changed: estimate.ts, estimateDay. */
  readonly day: DayEstimate;
}

/** The schedule `init-ci` writes and Pipedrive's own replication keeps: every 30 minutes. */
const DEFAULT_EVERY_MS = 30 * 60 * 1000;

/** How many recorded runs to search for each stream's last complete read. */
const RUNS_SEARCHED = 50;

export async function previewPlan(options: {
  readonly pipedrive: PipedriveClient;
  readonly warehouse: WarehouseClient;
  readonly schema: string;
  readonly streams: readonly StreamDefinition[];
  readonly now: string;
  /** Estimate a `load --full-refresh` (bookmarks ignored). */
  readonly fullRefresh?: boolean;
  /** The load's start date (load --since, start_date in the profile). */
  readonly since?: string;
  /** The token's company: another company's schema is refused before the metadata is read. */
  readonly company: CompanyRecord;
  /** History mode: the tables whose `<table>_history` the load would create or evolve. */
  readonly history?: readonly HistoryChoice[];
  /** The load's list cadence (--refresh-lists), in ms; 0 every run. Default 6 h. */
  readonly refreshListsMs?: number;
  /** The schedule the day's figure is for (--every, the CI schedule). Default 30 minutes. */
  readonly everyMs?: number;
}): Promise<PlanPreview> {
  const { pipedrive, warehouse, schema, streams } = options;
  const store = new StateStore(warehouse, schema);
  const before = await warehouse.describeSchema(schema);
  const company = matchCompany(before.has(LOADER_TABLES.state) ? await store.readCompany() : undefined, options.company, schema);
  const fields = await readFieldMetadata(pipedrive, streams);
  const sync = new SchemaSync(warehouse, schema, store);
  await sync.load();
  const actual = await warehouse.describeSchema(schema);
  const loaderTablesMissing = !actual.has(LOADER_TABLES.columns);
  const persisted = loaderTablesMissing ? [] : await store.readColumnMappings();
  const models = buildModels(streams, fields, persisted, options.now);
  const statements = [...sync.preview(models, actual.size > 0), ...previewHistory(warehouse.dialect, schema, options.history ?? [], models, actual)];

  // Loader tables come as a set from one migration; without them there is no state to read.
  const stateKnown = !loaderTablesMissing && actual.has(LOADER_TABLES.state) && actual.has(LOADER_TABLES.runs);
  const bookmarks = stateKnown ? await store.readBookmarks() : new Map<string, string>();
  const basis: EstimateBasis = {
    fullRefresh: options.fullRefresh ?? false,
    ...withStartDate(options.since ?? bookmarks.get(START_DATE_KEY)),
    now: new Date(options.now),
    bookmarks,
    metadataRequests: new Map([...pipedrive.usage.byStream()].map(([stream, usage]) => [stream, usage.requests])),
    lastLoaded: stateKnown ? lastLoadedReads(await store.readRuns(RUNS_SEARCHED)) : new Map(),
    tableRows: await countRows(warehouse, schema, tablesToCount(streams, actual)),
    ...(options.refreshListsMs === undefined ? {} : { refreshListsMs: options.refreshListsMs }),
  };
  const estimate = estimateRun(streams, basis);
  const day = estimateDay(streams, basis, options.everyMs ?? DEFAULT_EVERY_MS);
  return { statements, loaderTablesMissing, estimate, tokensToAdvance: tokensToAdvance(estimate, streams, basis), company, day };
}

/** Per stream, the pages of the newest recorded run in which it was loaded to the end. */
export function lastLoadedReads(runs: readonly RunRecord[]): Map<string, LoadedRead> {
  const reads = new Map<string, LoadedRead>();
  // readRuns returns the newest first; the JSON column holds each stream's full figures.
  for (const run of runs) {
    for (const entry of run.streams as readonly unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { stream, status, pages } = entry as Record<string, unknown>;
      if (typeof stream !== 'string' || status !== 'loaded' || typeof pages !== 'number' || reads.has(stream)) continue;
      reads.set(stream, { pages, loadId: run.loadId });
    }
  }
  return reads;
}

function tablesToCount(streams: readonly StreamDefinition[], actual: ReadonlyMap<string, unknown>): string[] {
  const tables = new Set<string>();
  for (const stream of streams) {
    tables.add(stream.table);
    if (stream.children) tables.add(stream.children.parentTable);
  }
  return [...tables].filter((table) => actual.has(table));
}

async function countRows(warehouse: WarehouseClient, schema: string, tables: readonly string[]): Promise<Map<string, number>> {
  const { dialect } = warehouse;
  const rows = new Map<string, number>();
  for (const table of tables) {
    const [result] = await warehouse.query<{ n: unknown }>(
      `SELECT COUNT(*) AS ${dialect.quoteIdentifier('n')} FROM ${dialect.qualify({ schema, name: table })}`,
    );
    // DuckDB answers a BigInt, PostgreSQL a string: both are exact counts.
    rows.set(table, Number(result?.n ?? 0));
  }
  return rows;
}

/** The start date the next load reads from: the one given, else the schema's (pipeline.ts). */
function withStartDate(since: string | undefined): { since?: string } {
  return since === undefined ? {} : { since };
}
