/**
 * The bundled Pipedrive-compatible sandbox: `startSandbox()` serves a deterministic, generated
 * company on 127.0.0.1 with the real API's envelopes, pagination, parameter rules, visibility,
 * rate limits and token costs, plus controls (mutations, faults, clock, stats) for tests.
 *
 * Default sizes, derived from `deals` (D): persons D/2, organizations D/5, activities 2·D,
 * products 50, users 10, pipelines 3 with 5 stages each (each at least 1); leads D/4, notes D,
 * files D/10, call logs D/5; with the Projects add-on, projects D/50 and tasks 4 per project.
 * Fixed: 4 lead labels, 10 lead sources, 12 filters, 9 currencies, 7 activity types, 16 goals.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FieldDefinition } from '../pipedrive/fields.js';
import { handleControl } from './control.js';
import type { SandboxFieldEntity, SandboxMutations } from './dataset.js';
import { Dataset } from './dataset.js';
import type { FaultInjector } from './faults.js';
import { Faults } from './faults.js';
import type { SandboxEntity, SandboxRecord } from './generation-context.js';
import { STAGES_PER_PIPELINE } from './generators-crm.js';
import { FIXED_COUNTS } from './generators-setup.js';
import { Latency, type LatencyOptions } from './latency.js';
import { RateLimiter } from './rate-limit.js';
import type { Viewer } from './routes-v2.js';
import { handleApiRequest } from './server.js';
import { isListedForAdmin, serveRecord } from './serve-entity.js';
import type { SandboxStats } from './stats.js';
import { Stats } from './stats.js';
import { parseRfc3339 } from './time.js';

export type { SandboxEntity } from './generation-context.js';
export type { SandboxFieldEntity, SandboxMutations } from './dataset.js';
export { ADDON_MISSING_MESSAGE } from './routes-projects.js';
export type { FaultInjector, FaultKind, FaultSpec } from './faults.js';
export { FAULT_KINDS } from './faults.js';
export type { LatencyOptions } from './latency.js';
export type { SandboxStats, StatsSnapshot, RouteStats } from './stats.js';

export interface SandboxToken {
  token: string;
  userId: number;
  admin: boolean;
}

export interface SandboxOptions {
  /** 0 (default) = ephemeral; always binds 127.0.0.1. */
  port?: number;
  /** Default 1; same seed + options ⇒ identical data. */
  seed?: number;
  /** Default 1000; scales to 1,000,000 (records are generated on demand). */
  deals?: number;
  persons?: number;
  organizations?: number;
  activities?: number;
  products?: number;
  users?: number;
  /** Default D/4 (live and archived together; 10 % archived). */
  leads?: number;
  /** Default D. */
  notes?: number;
  /** Default D/10 (file metadata only). */
  files?: number;
  /** Default D/5, spread over the users; each token sees only its own user's call logs. */
  callLogs?: number;
  /**
   * Whether the company has the Projects add-on, default false: then /api/v2/projects and
   * /api/v2/tasks answer 403 and the entities are empty.
   */
  projectsAddon?: boolean;
  /** Default D/50 (at least 1) when projectsAddon is set; ignored (0) without it. */
  projects?: number;
  /** Default 4 per project. */
  tasks?: number;
  /** Total custom fields on deals, including the fixed hostile set (18); default: the fixed set. */
  dealCustomFields?: number;
  /** Sandbox clock start (RFC3339), default '2026-06-01T00:00:00Z'. The clock moves only by advance(). */
  now?: string;
  tokens?: SandboxToken[];
  /** Burst limit per token per rolling 2 s, default 1000 (the real API: 20..120). */
  requestsPer2s?: number;
  /** Company-wide daily token budget, default 10,000,000. Resets when the sandbox clock passes midnight UTC. */
  dailyTokenBudget?: number;
  /**
   * Response time of every API request (not the control API), default none. Pipedrive takes
   * 300 ms to a second for a page of 500 records: `{ ms: 300, jitter: 0.5 }` plays that.
   */
  latency?: LatencyOptions;
}

export interface Sandbox {
  readonly url: string;
  readonly adminToken: string;
  readonly userToken: string;
  close(): Promise<void>;
  readonly faults: FaultInjector;
  readonly mutate: SandboxMutations;
  readonly stats: SandboxStats;
  /**
   * Every record of an entity as an admin's GET would serve it (v2 shapes; v1 shapes for users,
   * leads, notes and the other v1 lists), in internal id order: for deals that includes archived
   * deals and deleted ones not yet purged (30 days); for leads, archived ones. Soft-deleted and
   * merged records of other entities are not served by any list, so they are left out unless
   * `includeHidden` is set (which also yields purged deals). Call logs: only the admin token
   * user's own, as GET /v1/callLogs serves them; activity types: inactive ones too.
   */
  records(entity: SandboxEntity, options?: { includeHidden?: boolean }): AsyncIterable<Record<string, unknown>>;
  /** Field metadata in the v2 shape; 'lead' = lead built-ins + deal custom fields, 'note' = note built-ins. */
  fields(entity: SandboxFieldEntity): FieldDefinition[];
  readonly clock: { now(): Date; advance(seconds: number): void };
}

export const DEFAULT_TOKENS: readonly SandboxToken[] = [
  { token: 'sandbox-admin-token', userId: 1, admin: true },
  { token: 'sandbox-user-token', userId: 2, admin: false },
];

function count(value: number | undefined, fallback: number, name: string, max = 50_000_000): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`sandbox option ${name} must be an integer between 0 and ${max}`);
  return n;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? 1;
  const nowSecond = parseRfc3339(options.now ?? '2026-06-01T00:00:00Z');
  if (nowSecond === undefined) throw new RangeError('sandbox option now must be an RFC3339 timestamp');
  const deals = count(options.deals, 1000, 'deals', 4_000_000);
  const pipelines = 3;
  const projectsAddon = options.projectsAddon ?? false;
  const projects = projectsAddon ? count(options.projects, Math.max(1, Math.round(deals / 50)), 'projects', 1_000_000) : 0;
  const counts: Record<SandboxEntity, number> = {
    deals,
    persons: count(options.persons, Math.max(1, Math.round(deals / 2)), 'persons', 4_000_000),
    organizations: count(options.organizations, Math.max(1, Math.round(deals / 5)), 'organizations', 4_000_000),
    activities: count(options.activities, deals * 2, 'activities', 4_000_000),
    products: count(options.products, 50, 'products', 100_000),
    users: count(options.users, 10, 'users', 65_535),
    pipelines,
    stages: pipelines * STAGES_PER_PIPELINE,
    leads: count(options.leads, Math.round(deals / 4), 'leads', 4_000_000),
    notes: count(options.notes, deals, 'notes', 4_000_000),
    files: count(options.files, Math.round(deals / 10), 'files', 4_000_000),
    callLogs: count(options.callLogs, Math.round(deals / 5), 'callLogs', 4_000_000),
    projects,
    tasks: projectsAddon ? count(options.tasks, projects * 4, 'tasks', 4_000_000) : 0,
    ...FIXED_COUNTS,
  };
  const tokens = options.tokens ?? DEFAULT_TOKENS;
  const viewers = new Map<string, Viewer>(tokens.map((t) => [t.token, { userId: t.userId, admin: t.admin }]));
  const dataset = new Dataset({
    seed,
    nowSecond,
    counts,
    dealCustomFields: options.dealCustomFields,
    adminUserIds: new Set(tokens.filter((t) => t.admin).map((t) => t.userId)),
    projectsAddon,
  });
  const faults = new Faults();
  const stats = new Stats();
  const limiter = new RateLimiter(options.requestsPer2s ?? 1000, options.dailyTokenBudget ?? 10_000_000, () => Math.floor(dataset.now / 86_400));
  const adminUserId = tokens.find((t) => t.admin)?.userId ?? 1;
  const latency = options.latency && options.latency.ms > 0 ? new Latency({ seed, ...options.latency }) : undefined;

  const serve = (entity: SandboxEntity, id: number): SandboxRecord => serveRecord(dataset, entity, id, adminUserId);

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const work = url.pathname.startsWith('/_sandbox/')
      ? handleControl({ dataset, faults, stats, serve }, req, res, url)
      : handleApiRequest({ dataset, faults, stats, limiter, viewers, latency }, req, res, url);
    work.catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    adminToken: tokens.find((t) => t.admin)?.token ?? '',
    userToken: tokens.find((t) => !t.admin)?.token ?? '',
    faults,
    mutate: dataset,
    stats,
    clock: {
      now: () => new Date(dataset.now * 1000),
      advance: (seconds: number) => dataset.advance(seconds),
    },
    fields: (entity) => dataset.fieldDefinitions(entity),
    async *records(entity, recordOptions) {
      const store = dataset.store(entity);
      for (let id = 1; id <= store.count; id++) {
        if (recordOptions?.includeHidden || isListedForAdmin(dataset, entity, id, adminUserId)) yield serve(entity, id);
        // Let the server answer requests while a test walks a large entity.
        if (id % 2_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
