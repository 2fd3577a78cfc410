/**
 * Streams that depend on something else: deal products (read per batch of changed deals), the
 * Projects add-on's lists, and the field-metadata tables.
 */
import type { MetadataEntity, StreamDefinition } from './catalog.js';

export const ADDON_STREAMS: readonly StreamDefinition[] = [
  {
    // `GET /api/v2/deals/products?deal_ids=…` takes up to 100 deal ids: the products of the deals
    // this run (or an earlier, interrupted one) loaded, never one call per deal.
    name: 'deal_products',
    table: 'deal_products',
    api: 'v2',
    path: '/deals/products',
    pagination: 'cursor',
    primaryKey: ['id'],
    replication: 'incremental',
    replicationKey: 'update_time',
    children: { parentTable: 'deals', after: ['deals', 'deals_archived'], param: 'deal_ids', foreignKey: 'deal_id', batchSize: 100 },
  },
  // No updated_since or sort on these lists: re-read in full. GET /projects lists the projects
  // not archived; archived ones are only in GET /projects/archived, which feeds the same table (so
  // an archived project is neither missing nor taken for deleted). Both leave deleted projects out
  // unless `status` names them: asked for, they arrive with status 'deleted', so the row keeps its
  // last state and `_deleted_at` is the deletion time, as for deals.
  ...([
    ['projects', 'projects', '/projects'],
    ['projects_archived', 'projects', '/projects/archived'],
    ['tasks', 'tasks', '/tasks'],
  ] as const).map(
    ([name, table, path]): StreamDefinition => ({
      name,
      table,
      api: 'v2',
      path,
      pagination: 'cursor',
      primaryKey: ['id'],
      replication: 'full',
      replicationKey: 'update_time',
      ...(table === 'projects' ? { params: { status: 'open,completed,canceled,deleted' } } : {}),
      requires: 'the Projects add-on',
    }),
  ),
];

const V2_FIELD_ENTITIES = ['deal', 'person', 'organization', 'product', 'activity'] as const;
/** Notes and leads have v1 fields endpoints only. */
const V1_FIELD_ENTITIES = ['note', 'lead'] as const;

function fieldsStream(entity: MetadataEntity, api: 'v1' | 'v2'): StreamDefinition {
  return {
    name: `${entity}_fields`,
    table: `${entity}_fields`,
    api,
    path: `/${entity}Fields`,
    pagination: api === 'v2' ? 'cursor' : 'offset',
    primaryKey: ['field_code'],
    replication: 'full',
    describes: entity,
  };
}

export const FIELD_STREAMS: readonly StreamDefinition[] = [
  ...V2_FIELD_ENTITIES.map((entity) => fieldsStream(entity, 'v2')),
  ...V1_FIELD_ENTITIES.map((entity) => fieldsStream(entity, 'v1')),
];
