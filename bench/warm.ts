/**
 * Warms the sandbox before a timed load: pages once through every list the deals streams read,
 * so that the sandbox's per-record JSON cache (src/sandbox/entity-store.ts) holds every deal.
 *
 * Why: the sandbox stands in for Pipedrive, whose servers pay for building pages. Here it runs
 * on the same (2-core) machine as the loader and PostgreSQL, and generating and serializing a
 * wide deal costs it about as much CPU as the loader spends on one. Cold, the bench would
 * charge the loader for the fake server's work. The cold cost is measured here and printed next
 * to the result, so nothing is hidden.
 */
import type { Sandbox } from '../src/sandbox/index.js';

export interface WarmUp {
  readonly pages: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** The page's next cursor, read from its tail: parsing megabytes here would inflate the measured cost. */
function nextCursor(body: Buffer): string | null {
  const tail = body.subarray(Math.max(0, body.length - 1024)).toString('utf8');
  const match = /"additional_data":\{"next_cursor":(?:null|"([^"]*)")\}\}$/.exec(tail);
  if (!match) throw new Error('warming the sandbox: a page without additional_data.next_cursor');
  return match[1] ?? null;
}

const DEAL_LISTS = ['/api/v2/deals?status=open,won,lost,deleted', '/api/v2/deals/archived?status=open,won,lost,deleted'];

export async function warmDeals(sandbox: Pick<Sandbox, 'url' | 'adminToken'>): Promise<WarmUp> {
  const started = process.hrtime.bigint();
  let pages = 0;
  let bytes = 0;
  for (const list of DEAL_LISTS) {
    let cursor: string | null = null;
    do {
      const url = new URL(`${sandbox.url}${list}`);
      url.searchParams.set('limit', '500');
      if (cursor !== null) url.searchParams.set('cursor', cursor);
      const response = await fetch(url, { headers: { 'x-api-token': sandbox.adminToken } });
      const body = Buffer.from(await response.arrayBuffer());
      if (!response.ok) throw new Error(`warming the sandbox: ${url.pathname} answered ${response.status}`);
      pages += 1;
      bytes += body.length;
      cursor = nextCursor(body);
    } while (cursor !== null);
  }
  return { pages, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export function describeWarmUp(warm: WarmUp): string {
  return (
    `sandbox warm-up (not timed): ${warm.pages} pages, ${(warm.bytes / 1e6).toFixed(0)} MB of JSON generated and served ` +
    `in ${warm.seconds.toFixed(1)} s; the timed run reads the same deals from the sandbox's cache`
  );
}
