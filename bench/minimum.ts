/**
 * The fewest requests and tokens that can read a sandbox company: for every stream, the pages its
 * records need at the stream's page size (at least one), times the endpoint's cost per page.
 * Counted from the sandbox's own records, not from what the loader read.
 */
import { STREAMS, pageSizeOf, type StreamDefinition } from '../src/pipedrive/catalog.js';
import { tokenCost } from '../src/pipedrive/costs.js';
import type { Sandbox, SandboxEntity } from '../src/sandbox/index.js';
import { listedBy } from '../test/helpers/listed-by.js';

/** The sandbox entity behind each table whose name differs from it. */
const ENTITY_OF_TABLE: Readonly<Record<string, SandboxEntity>> = {
  lead_labels: 'leadLabels', lead_sources: 'leadSources', activity_types: 'activityTypes', call_logs: 'callLogs',
};

async function recordsOf(sandbox: Sandbox, stream: StreamDefinition): Promise<number> {
  if (stream.describes) return sandbox.fields(stream.describes).length;
  const entity = ENTITY_OF_TABLE[stream.table] ?? (stream.table as SandboxEntity);
  let n = 0;
  for await (const record of sandbox.records(entity)) if (listedBy(stream, record)) n += 1;
  return n;
}

export interface Minimum {
  readonly requests: number;
  readonly tokens: number;
  readonly rows: string[];
}

/** `projectsAddon`: without it projects, archived projects and tasks cost their one refused request each. */
export async function minimum(sandbox: Sandbox): Promise<Minimum> {
  let requests = 0;
  let tokens = 0;
  const rows: string[] = [];
  const deals = (await recordsOf(sandbox, STREAMS.find((s) => s.name === 'deals') as StreamDefinition)) +
    (await recordsOf(sandbox, STREAMS.find((s) => s.name === 'deals_archived') as StreamDefinition));
  for (const stream of STREAMS) {
    const records = stream.children ? deals : await recordsOf(sandbox, stream);
    const pages = stream.children
      ? Math.ceil(records / stream.children.batchSize)
      : stream.pagination === 'none' ? 1 : Math.max(1, Math.ceil(records / pageSizeOf(stream)));
    const cost = tokenCost(stream.api, 'GET', stream.path);
    requests += pages;
    tokens += pages * cost;
    const what = stream.children ? `${records} ${stream.children.parentTable} (${stream.children.batchSize} per request)` : `${records} records`;
    rows.push(`  ${stream.name.padEnd(20)} ${what.padStart(26)}  ${String(pages).padStart(4)} × ${String(cost).padStart(2)} = ${pages * cost} tokens`);
  }
  return { requests, tokens, rows };
}
