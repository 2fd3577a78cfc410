/**
 * The stream catalog: one declarative table of everything the loader reads from Pipedrive.
 * Generic code (paginators, the load pipeline, the sandbox's contract tests) is driven by these
 * entries; there is no class per entity.
 *
 * Choices worth knowing (see ../../README.md#streams for the user-facing table):
 * - v2 endpoints wherever Pipedrive has them; the v1 twins are out of support since 2026-08-01.
 * - Incremental streams use `updated_since=<bookmark>&sort_by=update_time&sort_direction=asc`,
 *   which v2 supports for deals, archived deals, persons, organizations and activities.
 * - Products, pipelines and stages have no `updated_since` (pipelines answer 400 to it), so they
 *   are re-read in full; they are small compared with deals.
 * - Archived deals are excluded from /deals since 2025-07-15, so they are a second stream that
 *   feeds the same `deals` table (rows carry `is_archived`).
 */

export type ApiVersion = 'v1' | 'v2';

/**
 * cursor: v2 (and v1 projects/tasks) `cursor` + `limit`, following `additional_data.next_cursor`.
 * offset: v1 `start` + `limit`, following `additional_data.pagination.next_start`.
 * none:   v1 lists that return everything in one response.
 */
export type Pagination = 'cursor' | 'offset' | 'none';

export type ReplicationMethod = 'incremental' | 'full';

/** The entities whose custom fields are described by a fields endpoint. */
export type FieldEntity = 'deal' | 'person' | 'organization' | 'product' | 'activity';

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
  /** The entity whose field metadata shapes this stream's custom-field columns. */
  readonly fieldsOf?: FieldEntity;
  /** For field-metadata streams: the entity they describe. */
  readonly describes?: FieldEntity;
  /** Page size; Pipedrive's maximum is 500 almost everywhere. */
  readonly pageSize?: number;
}

const PAGE = 500;

export const STREAMS: readonly StreamDefinition[] = [
  {
    name: 'deals',
    table: 'deals',
    api: 'v2',
    path: '/deals',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'incremental',
    replicationKey: 'update_time',
    // Deleted deals (≤30 days) are listed only when asked for; they carry is_deleted=true.
    params: { status: 'open,won,lost,deleted' },
    fieldsOf: 'deal',
  },
  {
    name: 'deals_archived',
    table: 'deals',
    api: 'v2',
    path: '/deals/archived',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'incremental',
    replicationKey: 'update_time',
    params: { status: 'open,won,lost,deleted' },
    fieldsOf: 'deal',
  },
  {
    name: 'persons',
    table: 'persons',
    api: 'v2',
    path: '/persons',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'incremental',
    replicationKey: 'update_time',
    fieldsOf: 'person',
  },
  {
    name: 'organizations',
    table: 'organizations',
    api: 'v2',
    path: '/organizations',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'incremental',
    replicationKey: 'update_time',
    fieldsOf: 'organization',
  },
  {
    name: 'activities',
    table: 'activities',
    api: 'v2',
    path: '/activities',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'incremental',
    replicationKey: 'update_time',
    fieldsOf: 'activity',
  },
  {
    name: 'products',
    table: 'products',
    api: 'v2',
    path: '/products',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'full',
    replicationKey: 'update_time',
    fieldsOf: 'product',
  },
  {
    name: 'pipelines',
    table: 'pipelines',
    api: 'v2',
    path: '/pipelines',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'full',
    replicationKey: 'update_time',
  },
  {
    name: 'stages',
    table: 'stages',
    api: 'v2',
    path: '/stages',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'full',
    replicationKey: 'update_time',
  },
  {
    name: 'users',
    table: 'users',
    api: 'v1',
    path: '/users',
    pagination: 'none',
    primaryKey: ['id'],
    replication: 'full',
    // Users carry `modified`, not `update_time`.
    replicationKey: 'modified',
  },
  ...(['deal', 'person', 'organization', 'product', 'activity'] as const).map(
    (entity): StreamDefinition => ({
      name: `${entity}_fields`,
      table: `${entity}_fields`,
      api: 'v2',
      path: `/${entity}Fields`,
      pagination: 'cursor',
      primaryKey: ['field_code'],
      replication: 'full',
      describes: entity,
    }),
  ),
];

export function pageSizeOf(stream: StreamDefinition): number {
  return stream.pageSize ?? PAGE;
}

export function findStream(name: string): StreamDefinition | undefined {
  return STREAMS.find((s) => s.name === name);
}

/** The fields stream that describes an entity's custom fields. */
export function fieldsStreamFor(entity: FieldEntity): StreamDefinition {
  const stream = STREAMS.find((s) => s.describes === entity);
  if (!stream) throw new Error(`no fields stream for ${entity}`);
  return stream;
}
