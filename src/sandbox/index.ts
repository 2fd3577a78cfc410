/**
 * The bundled Pipedrive-compatible sandbox: `startSandbox()` serves a deterministic, generated
 * company on 127.0.0.1 with the real API's envelopes, pagination, parameter rules, visibility,
 * rate limits and token costs, plus controls (mutations, faults, clock, stats) for tests.
 *
 * Default sizes, derived from `deals` (D): persons D/2, organizations D/5, activities 2·D,
 * products 50, users 10, pipelines 3 with 5 stages each (each at least 1).
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FieldEntity } from '../pipedrive/catalog.js';
import type { FieldDefinition } from '../pipedrive/fields.js';
import { handleControl } from './control.js';
import type { SandboxMutations } from './dataset.js';
import { Dataset } from './dataset.js';
import type { FaultInjector } from './faults.js';
import { Faults } from './faults.js';
import type { SandboxEntity, SandboxRecord } from './generation-context.js';
import { STAGES_PER_PIPELINE } from './generators-crm.js';
import { RateLimiter } from './rate-limit.js';
import type { Viewer } from './routes-v2.js';
import { isServedToAdmin } from './routes-v2.js';
import { handleApiRequest } from './server.js';
import { shapeCustomFields } from './serve-record.js';
import type { SandboxStats } from './stats.js';
import { Stats } from './stats.js';
import { parseRfc3339 } from './time.js';

export type { SandboxEntity } from './generation-context.js';
export type { SandboxMutations } from './dataset.js';
export type { FaultInjector, FaultKind, FaultSpec } from './faults.js';
export { FAULT_KINDS } from './faults.js';
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
  /** Total custom fields on deals, including the fixed hostile set (18); default: the fixed set. */
  dealCustomFields?: number;
  /** Sandbox clock start (RFC3339), default '2026-06-01T00:00:00Z'. The clock moves only by advance(). */
  now?: string;
  tokens?: SandboxToken[];
  /** Burst limit per token per rolling 2 s, default 1000 (the real API: 20..120). */
  requestsPer2s?: number;
  /** Company-wide daily token budget, default 10,000,000. Resets when the sandbox clock passes midnight UTC. */
  dailyTokenBudget?: number;
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
   * Every record of an entity as an admin's GET would serve it (v2 shape; users v1), in id order:
   * for deals that includes archived deals and deleted ones not yet purged (30 days). Soft-deleted
   * records of other entities are not served by any list, so they are left out unless
   * `includeHidden` is set (which also yields purged deals).
   */
  records(entity: SandboxEntity, options?: { includeHidden?: boolean }): AsyncIterable<Record<string, unknown>>;
  fields(entity: FieldEntity): FieldDefinition[];
  readonly clock: { now(): Date; advance(seconds: number): void };
}

export const DEFAULT_TOKENS: readonly SandboxToken[] = [
  { token: 'sandbox-admin-token', userId: 1, admin: true },
  { token: 'sandbox-user-token', userId: 2, admin: false },
];

const FIELD_ENTITY: Partial<Record<SandboxEntity, FieldEntity>> = {
  deals: 'deal', persons: 'person', organizations: 'organization', products: 'product', activities: 'activity',
};

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
  const counts: Record<SandboxEntity, number> = {
    deals,
    persons: count(options.persons, Math.max(1, Math.round(deals / 2)), 'persons', 4_000_000),
    organizations: count(options.organizations, Math.max(1, Math.round(deals / 5)), 'organizations', 4_000_000),
    activities: count(options.activities, deals * 2, 'activities', 4_000_000),
    products: count(options.products, 50, 'products', 100_000),
    users: count(options.users, 10, 'users', 65_535),
    pipelines,
    stages: pipelines * STAGES_PER_PIPELINE,
  };
  const tokens = options.tokens ?? DEFAULT_TOKENS;
  const viewers = new Map<string, Viewer>(tokens.map((t) => [t.token, { userId: t.userId, admin: t.admin }]));
  const dataset = new Dataset({
    seed,
    nowSecond,
    counts,
    dealCustomFields: options.dealCustomFields,
    adminUserIds: new Set(tokens.filter((t) => t.admin).map((t) => t.userId)),
  });
  const faults = new Faults();
  const stats = new Stats();
  const limiter = new RateLimiter(options.requestsPer2s ?? 1000, options.dailyTokenBudget ?? 10_000_000, () => Math.floor(dataset.now / 86_400));
  const adminUserId = tokens.find((t) => t.admin)?.userId ?? 1;

  const serve = (entity: SandboxEntity, id: number): SandboxRecord => {
    const record = dataset.store(entity).get(id);
    if (entity === 'users') record.is_you = id === adminUserId;
    const fieldEntity = FIELD_ENTITY[entity];
    return shapeCustomFields(record, fieldEntity ? dataset.fields[fieldEntity] : undefined);
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const work = url.pathname.startsWith('/_sandbox/')
      ? handleControl({ dataset, faults, stats, serve }, req, res, url)
      : handleApiRequest({ dataset, faults, stats, limiter, viewers }, req, res, url);
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
    fields: (entity) => dataset.fields[entity].definitions(),
    async *records(entity, recordOptions) {
      const store = dataset.store(entity);
      for (let id = 1; id <= store.count; id++) {
        if (recordOptions?.includeHidden || isServedToAdmin(store, id, dataset.now)) yield serve(entity, id);
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
