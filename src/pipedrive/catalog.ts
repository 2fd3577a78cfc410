/**
 * The stream catalog: one declarative table of everything the loader reads from Pipedrive.
 * Generic code (paginators, the load pipeline, the sandbox's contract tests) is driven by these
 * entries; there is no class per entity. The entries live in streams-core.ts (v2 entities),
 * streams-v1.ts (entities that stay on v1) and streams-addons.ts (Projects add-on, deal
 * products, field metadata).
 *
 * Choices worth knowing (the user-facing table is README.md#streams):
 * - v2 endpoints wherever Pipedrive has them; the v1 twins are out of support since 2026-08-01.
 * - Never /v1/recents: since 2024-12 it only reaches back one month.
 * - `incremental`: the API filters by `updated_since` (v2 deals, persons, organizations,
 *   activities; v1 leads and notes), in ascending update_time, so a committed bookmark is safe.
 * - `newest_first`: no `updated_since`, but the list sorts by update_time: read newest first and
 *   stop at the bookmark (products, archived leads, files). The bookmark moves only once the
 *   whole read has been committed.
 * - `full`: neither (pipelines, stages, users, small setup lists, call logs): re-read in full when
 *   the list cadence is due (src/load/list-cadence.ts, `--refresh-lists`);
 *   rows that are no longer listed are marked deleted for free.
 * - Archived deals and leads are excluded from the normal lists since 2025-07-15, so they are a
 *   second stream feeding the same table (rows carry `is_archived`).
 */

import { CORE_STREAMS } from './streams-core.js';
import { V1_STREAMS } from './streams-v1.js';
import { ADDON_STREAMS, FIELD_STREAMS } from './streams-addons.js';

export type ApiVersion = 'v1' | 'v2';

/**
 * cursor: v2 (and v1 projects/tasks) `cursor` + `limit`, following `additional_data.next_cursor`.
 * offset: v1 `start` + `limit`, following `additional_data.pagination.next_start`.
 * none:   v1 lists that return everything in one response.
 */
export type Pagination = 'cursor' | 'offset' | 'none';

export type ReplicationMethod = 'incremental' | 'newest_first' | 'full';

/** The entities with custom fields, described by a v2 fields endpoint. */
export type FieldEntity = 'deal' | 'person' | 'organization' | 'product' | 'activity';

/** Every entity with a field-metadata table: notes and leads have v1 fields endpoints only. */
export type MetadataEntity = FieldEntity | 'note' | 'lead';

/**
 * Records read per batch of parent ids taken from the warehouse (deal products: ≤100 deal ids per
 * request), never one call per parent.
 */
export interface ChildRead {
  /** Warehouse table holding the parents, already loaded earlier in the run. */
  readonly parentTable: string;
  /** Streams that must finish before the children are read (they write `parentTable`). */
  readonly after: readonly string[];
  /** Query parameter taking the comma-separated parent ids. */
  readonly param: string;
  /** Column of the child rows naming the parent. */
  readonly foreignKey: string;
  readonly batchSize: number;
}

export interface StreamDefinition {
  /** Unique stream name; also the bookmark key in `_loader_state`. */
  readonly name: string;
  /** Warehouse table the stream writes to. Several streams may share one table. */
  readonly table: string;
  readonly api: ApiVersion;
  /** Path below `<base>/api/v2` or `<base>/v1`, starting with `/`. */
  readonly path: string;
  readonly pagination: Pagination;
  readonly primaryKey: readonly string[];
  readonly replication: ReplicationMethod;
  /** Record field compared with the bookmark; also the de-duplication order (newest wins). */
  readonly replicationKey?: string;
  /** Fixed query parameters sent on every request of this stream. */
  readonly params?: Readonly<Record<string, string>>;
  /** The entity whose field metadata shapes this stream's custom-field columns (leads: deal). */
  readonly fieldsOf?: FieldEntity;
  /** For field-metadata streams: the entity they describe. */
  readonly describes?: MetadataEntity;
  /** Page size; Pipedrive's maximum is 500 almost everywhere (files 100, call logs 50). */
  readonly pageSize?: number;
  /** Where the records sit inside `data` when it is an object (`/goals/find`: `data.goals`). */
  readonly recordsAt?: string;
  /** Available only with this add-on or plan: 402, 403 or 404 skip the stream with a notice. */
  readonly requires?: string;
  /** Read per batch of parent ids (deal products). */
  readonly children?: ChildRead;
}

const PAGE = 500;

export const STREAMS: readonly StreamDefinition[] = [...CORE_STREAMS, ...V1_STREAMS, ...ADDON_STREAMS, ...FIELD_STREAMS];

export function pageSizeOf(stream: StreamDefinition): number {
  return stream.pageSize ?? PAGE;
}

export function findStream(name: string): StreamDefinition | undefined {
  return STREAMS.find((s) => s.name === name);
}

/** The fields stream that describes an entity's fields. */
export function fieldsStreamFor(entity: MetadataEntity): StreamDefinition {
  const stream = STREAMS.find((s) => s.describes === entity);
  if (!stream) throw new Error(`no fields stream for ${entity}`);
  return stream;
}
