/**
 * The request pipeline of the Pipedrive-compatible API: route → auth → rate limits and daily
 * budget → fault injection → handler → envelope. Control routes under /_sandbox/ bypass it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiVersion } from '../pipedrive/catalog.js';
import { tokenCost } from '../pipedrive/costs.js';
import type { Dataset } from './dataset.js';
import type { FaultSpec, Faults } from './faults.js';
import { withFreshCursor } from './faults.js';
import type { Reply } from './http-util.js';
import { ApiError, bodyText, cloudflareReply, errorReply } from './http-util.js';
import type { Latency } from './latency.js';
import type { RateDecision, RateLimiter } from './rate-limit.js';
import { handleUsers, handleUsersMe, handleV1Fields, isV1FieldsPath } from './routes-v1.js';
import type { ApiRequest, Viewer } from './routes-v2.js';
import { handleFields, handleList, isFieldsPath, isListPath } from './routes-v2.js';
import { handleDealProducts } from './deal-products.js';
import { handleProjects, isProjectsPath } from './routes-projects.js';
import { handleOffsetList, isOffsetListPath } from './routes-v1-lists.js';
import { handleSetupList, isSetupListPath } from './routes-v1-setup.js';
import type { Stats } from './stats.js';

export interface PipelineDeps {
  readonly dataset: Dataset;
  readonly faults: Faults;
  readonly stats: Stats;
  readonly limiter: RateLimiter;
  readonly viewers: ReadonlyMap<string, Viewer>;
  /** Pipedrive's response time, when the sandbox plays it (latency.ts). */
  readonly latency?: Latency;
}

function route(api: ApiVersion, path: string): ((dataset: Dataset, request: ApiRequest) => Reply) | undefined {
  if (api === 'v2') {
    if (path === '/deals/products') return handleDealProducts;
    if (isListPath(path)) return handleList;
    if (isFieldsPath(path)) return handleFields;
    if (isProjectsPath(path)) return handleProjects;
    return undefined;
  }
  if (path === '/users/me') return handleUsersMe;
  if (path === '/users') return handleUsers;
  if (isV1FieldsPath(path)) return handleV1Fields;
  if (isOffsetListPath(path)) return handleOffsetList;
  if (isSetupListPath(path)) return handleSetupList;
  return undefined;
}

/** Splits '/api/v2/deals' or '/v1/users' (v1 also answers under /api/v1) into version and path. */
function splitPath(pathname: string): { api: ApiVersion; path: string } | undefined {
  const match = /^(?:\/api)?\/(v1|v2)(\/.*)$/.exec(pathname);
  if (!match) return undefined;
  const api = match[1] as ApiVersion;
  // v2 lives only under /api/v2, as on the real host.
  if (api === 'v2' && !pathname.startsWith('/api/')) return undefined;
  return { api, path: (match[2] ?? '/').replace(/\/+$/, '') || '/' };
}

const OVER_LIMIT_INFO = 'Rate limit has been exceeded. Please check developers.pipedrive.com for more information about rate limits.';

function faultReply(fault: FaultSpec, decision: RateDecision): { reply?: Reply; remaining?: number } {
  switch (fault.kind) {
    case '500':
      return { reply: errorReply(500, 'Internal server error') };
    case '503':
      return { reply: errorReply(503, 'Service temporarily unavailable') };
    case '502':
    case '504':
    case '524':
      return { reply: cloudflareReply(Number(fault.kind)) };
    case 'cloudflare-403':
      return { reply: cloudflareReply(403) };
    case '402':
    case '403':
    case '404':
      return { reply: errorReply(Number(fault.kind), 'This feature is not available on your current plan') };
    case '429-burst':
      return { reply: errorReply(429, 'Request over limit', OVER_LIMIT_INFO), remaining: 0 };
    case '429-daily':
      return { reply: errorReply(429, 'Request over limit', OVER_LIMIT_INFO), remaining: Math.max(1, decision.remaining) };
    case 'non-json':
      return { reply: { status: 200, contentType: 'text/html; charset=UTF-8', body: '<html><body><h1>Pipedrive</h1><p>Something went wrong.</p></body></html>\n' } };
    default:
      return {}; // truncated, slow and drop transform the real reply
  }
}

function send(res: ServerResponse, reply: Reply, decision: RateDecision, remaining = decision.remaining): void {
  // Encode once: pages of wide deals are megabytes.
  const bytes = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': bytes.length,
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(decision.reset),
  });
  res.end(bytes);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function handleApiRequest(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  // Like Pipedrive's, the Date header is the clock that stamps update_time: the sandbox's own.
  res.setHeader('date', new Date(deps.dataset.now * 1000).toUTCString());
  const method = (req.method ?? 'GET').toUpperCase();
  const split = splitPath(url.pathname);
  const routeKey = split ? `${method} /api/${split.api}${split.path}` : `${method} ${url.pathname}`;
  const header = req.headers['x-api-token'];
  const token = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('api_token') ?? '';
  const viewer = deps.viewers.get(token);
  if (!viewer) {
    deps.stats.record(routeKey, 0);
    // The token is never echoed: not in the body, not in a header.
    send(res, errorReply(401, 'unauthorized access', 'Please check developers.pipedrive.com for more information about Pipedrive API.'), deps.limiter.idle());
    return;
  }
  const handler = split ? route(split.api, split.path) : undefined;
  const cost = split && method === 'GET' ? tokenCost(split.api, 'GET', split.path) : 0;
  const decision = deps.limiter.admit(token, cost);
  if (decision.outcome === 'blocked') {
    deps.stats.record(routeKey, 0);
    send(res, cloudflareReply(403), decision);
    return;
  }
  if (decision.outcome !== 'ok') {
    deps.stats.record(routeKey, 0);
    send(res, errorReply(429, 'Request over limit', OVER_LIMIT_INFO), decision);
    return;
  }
  deps.stats.record(routeKey, cost);
  // Admitted on arrival, as Pipedrive counts it; answered after its processing time.
  if (deps.latency) await sleep(deps.latency.next());
  const fault = deps.faults.take(url.pathname);
  const replaced = fault ? faultReply(fault, decision) : {};
  if (replaced.reply) {
    send(res, replaced.reply, decision, replaced.remaining);
    return;
  }
  let reply: Reply;
  try {
    if (!split || !handler) throw new ApiError(404, `Unknown method ${url.pathname}`);
    if (method !== 'GET') throw new ApiError(405, 'Method not allowed in the sandbox (read-only API; use /_sandbox/mutations)');
    const query = new URLSearchParams(url.searchParams);
    query.delete('api_token');
    if (fault?.kind === 'endless-cursor') query.delete('cursor');
    reply = handler(deps.dataset, { path: split.path, query, viewer });
    if (fault?.kind === 'endless-cursor') reply = withFreshCursor(reply);
  } catch (error) {
    reply = error instanceof ApiError ? errorReply(error.status, error.message, error.info) : errorReply(500, 'Internal server error');
  }
  if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 1_000);
  if (fault?.kind === 'truncated') {
    // A complete HTTP response whose JSON stops half-way, as a cut proxy buffer would deliver it.
    const text = bodyText(reply);
    send(res, { ...reply, status: 200, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) }, decision);
    return;
  }
  if (fault?.kind === 'drop') {
    const text = bodyText(reply);
    res.writeHead(200, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(text) });
    res.write(text.slice(0, Math.floor(text.length / 2)));
    if (fault.delayMs) await sleep(fault.delayMs);
    res.socket?.destroy();
    return;
  }
  send(res, reply, decision);
}
