/**
 * `pipedrive-loader plan`: what the next load would change in the warehouse, without changing it.
 * It reads the field metadata (the same requests a load starts with) and the warehouse catalog,
 * and renders the DDL the planner would run. Nothing is written, not even the loader's tables.
 */
import type { WarehouseClient } from '../../adapters/types.js';
import type { StreamDefinition } from '../pipedrive/catalog.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import { LOADER_TABLES } from '../../migrations/index.js';
import { StateStore } from '../state/store.js';
import { SchemaSync, buildModels, readFieldMetadata } from './schema-sync.js';

export interface PlanPreview {
  /** DDL for the entity tables, in the order it would run. */
  readonly statements: string[];
  /** True when the loader's own tables do not exist yet (the first load creates them too). */
  readonly loaderTablesMissing: boolean;
}

export async function previewPlan(options: {
  readonly pipedrive: PipedriveClient;
  readonly warehouse: WarehouseClient;
  readonly schema: string;
  readonly streams: readonly StreamDefinition[];
  readonly now: string;
}): Promise<PlanPreview> {
  const { pipedrive, warehouse, schema, streams } = options;
  const fields = await readFieldMetadata(pipedrive, streams);
  const store = new StateStore(warehouse, schema);
  const sync = new SchemaSync(warehouse, schema, store);
  await sync.load();
  const actual = await warehouse.describeSchema(schema);
  const loaderTablesMissing = !actual.has(LOADER_TABLES.columns);
  const persisted = loaderTablesMissing ? [] : await store.readColumnMappings();
  const models = buildModels(streams, fields, persisted, options.now);
  return { statements: sync.preview(models, actual.size > 0), loaderTablesMissing };
}
