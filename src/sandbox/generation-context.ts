/**
 * What every record generator needs: the seed, the clock start, entity counts and field catalogs.
 * `core` attributes (times, owner, visibility, status flags) are drawn from their own PRNG stream
 * so the store can compute them for a million records without building the records.
 */
import type { FieldEntity } from '../pipedrive/catalog.js';
import type { FieldCatalog } from './field-catalog.js';
import { entityCode, Rng } from './random.js';

export type SandboxEntity =
  | 'deals' | 'persons' | 'organizations' | 'activities' | 'products' | 'pipelines' | 'stages' | 'users'
  | 'leads' | 'leadLabels' | 'leadSources' | 'notes' | 'files' | 'filters' | 'currencies' | 'activityTypes'
  | 'callLogs' | 'goals' | 'projects' | 'tasks';

export const SANDBOX_ENTITIES: readonly SandboxEntity[] = [
  'deals', 'persons', 'organizations', 'activities', 'products', 'pipelines', 'stages', 'users',
  'leads', 'leadLabels', 'leadSources', 'notes', 'files', 'filters', 'currencies', 'activityTypes',
  'callLogs', 'goals', 'projects', 'tasks',
];

export type SandboxRecord = Record<string, unknown>;

/** Deal status codes kept in the store's compact state column. */
export const DealStatus = { open: 0, won: 1, lost: 2 } as const;
export type DealStatus = (typeof DealStatus)[keyof typeof DealStatus];
export const DEAL_STATUS_NAMES = ['open', 'won', 'lost'] as const;

export interface Core {
  addTime: number;
  updateTime: number;
  ownerId: number;
  /** 1 = owner only; 3/5/7 = shared. Activities keep it internally (their records have no visible_to). */
  visibleTo: number;
  deleted: boolean;
  archived: boolean;
  /** Deals only: the status before deletion. */
  status: DealStatus;
}

export interface GenerationContext {
  readonly seed: number;
  /** The sandbox clock at start, epoch seconds. Generated history ends before it. */
  readonly startSecond: number;
  readonly counts: Readonly<Record<SandboxEntity, number>>;
  readonly fields: Readonly<Record<FieldEntity, FieldCatalog>>;
  /** Users whose token is admin: their `access` lists global admin. */
  readonly adminUserIds: ReadonlySet<number>;
}

export interface EntityGenerator {
  core(id: number): Core;
  /** The record as an admin's GET serves it, before any mutation. */
  record(id: number, core: Core): SandboxRecord;
}

/** Five years of history before the clock start. */
export const HISTORY_SECONDS = 5 * 365 * 86_400;

/** Separate PRNG streams per record: 1 = core attributes, 2 = the rest of the record. */
export function coreRng(ctx: GenerationContext, entity: SandboxEntity, id: number): Rng {
  return new Rng(ctx.seed, entityCode(entity), id, 1);
}

export function detailRng(ctx: GenerationContext, entity: SandboxEntity, id: number): Rng {
  return new Rng(ctx.seed, entityCode(entity), id, 2);
}

/**
 * add_time grows with id (ids are assigned in creation order) with jitter inside each record's
 * slot, so sorting by add_time and by id agree up to ties, as in a real company's data.
 */
export function spreadAddTime(ctx: GenerationContext, entity: SandboxEntity, id: number, rng: Rng, historySeconds = HISTORY_SECONDS): number {
  const count = Math.max(1, ctx.counts[entity]);
  const start = ctx.startSecond - historySeconds;
  const slot = historySeconds / count;
  return Math.floor(start + (id - 1) * slot + rng.next() * Math.max(0, slot - 1));
}

/** An update time in [addTime, clock start): a third never edited, the rest skewed to recent. */
export function laterUpdateTime(ctx: GenerationContext, addTime: number, rng: Rng): number {
  if (rng.chance(0.3)) return addTime;
  const span = Math.max(0, ctx.startSecond - 1 - addTime);
  return addTime + Math.floor(span * Math.sqrt(rng.next()));
}

export function visibility(rng: Rng): number {
  const r = rng.next();
  return r < 0.85 ? 3 : r < 0.95 ? 1 : r < 0.98 ? 5 : 7;
}

export function ownerOf(ctx: GenerationContext, rng: Rng): number {
  return rng.int(1, Math.max(1, ctx.counts.users));
}

export function baseCore(ctx: GenerationContext, entity: SandboxEntity, id: number): { rng: Rng; core: Core } {
  const rng = coreRng(ctx, entity, id);
  const addTime = spreadAddTime(ctx, entity, id, rng);
  const updateTime = laterUpdateTime(ctx, addTime, rng);
  const core: Core = {
    addTime,
    updateTime,
    ownerId: ownerOf(ctx, rng),
    visibleTo: visibility(rng),
    deleted: false,
    archived: false,
    status: DealStatus.open,
  };
  return { rng, core };
}
