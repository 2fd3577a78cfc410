/**
 * The sandbox company: entity stores (created lazily, so a 1M-deal sandbox pays only for what
 * a test touches), field catalogs, the sandbox clock and the mutation API.
 */
import type { FieldEntity } from '../pipedrive/catalog.js';
import type { CreatableCustomFieldType } from '../pipedrive/fields.js';
import { EntityStore } from './entity-store.js';
import { FieldCatalog } from './field-catalog.js';
import type { EntityGenerator, GenerationContext, SandboxEntity, SandboxRecord } from './generation-context.js';
import { dealGenerator, organizationGenerator, personGenerator } from './generators-crm.js';
import { activityGenerator, pipelineGenerator, productGenerator, stageGenerator, userGenerator } from './generators-other.js';
import { isoSeconds, v1Timestamp } from './time.js';

export interface SandboxMutations {
  /** Merges `patch` into the record (custom_fields key by key) and bumps its update time to the clock. */
  update(entity: SandboxEntity, id: number, patch: Record<string, unknown>): void;
  /** Adds a record (add_time = update_time = clock) and returns its id. */
  insert(entity: SandboxEntity, partial?: Record<string, unknown>): number;
  /** Soft delete: is_deleted = true, update_time = clock; deals also get status 'deleted'. */
  delete(entity: SandboxEntity, id: number): void;
  archive(entity: 'deals', id: number): void;
  renameField(entity: FieldEntity, fieldCode: string, newName: string): void;
  addField(entity: FieldEntity, spec: { name: string; field_type: CreatableCustomFieldType; options?: readonly string[] }): string;
  deleteOption(entity: FieldEntity, fieldCode: string, optionId: number): void;
}

export interface DatasetOptions {
  readonly seed: number;
  readonly nowSecond: number;
  readonly counts: Readonly<Record<SandboxEntity, number>>;
  readonly dealCustomFields?: number;
  readonly adminUserIds: ReadonlySet<number>;
}

const FIELD_ENTITY_OF: Partial<Record<SandboxEntity, FieldEntity>> = {
  deals: 'deal',
  persons: 'person',
  organizations: 'organization',
  products: 'product',
  activities: 'activity',
};

export class Dataset implements SandboxMutations {
  readonly ctx: GenerationContext;
  readonly fields: Record<FieldEntity, FieldCatalog>;
  private nowSecond: number;
  private readonly stores = new Map<SandboxEntity, EntityStore>();
  private readonly generators: Record<SandboxEntity, EntityGenerator>;

  constructor(options: DatasetOptions) {
    this.nowSecond = options.nowSecond;
    const entities: FieldEntity[] = ['deal', 'person', 'organization', 'product', 'activity'];
    this.fields = Object.fromEntries(
      entities.map((e) => [e, new FieldCatalog(options.seed, e, e === 'deal' ? options.dealCustomFields : undefined)]),
    ) as Record<FieldEntity, FieldCatalog>;
    this.ctx = {
      seed: options.seed,
      startSecond: options.nowSecond,
      counts: options.counts,
      fields: this.fields,
      adminUserIds: options.adminUserIds,
    };
    this.generators = {
      deals: dealGenerator(this.ctx),
      persons: personGenerator(this.ctx),
      organizations: organizationGenerator(this.ctx),
      activities: activityGenerator(this.ctx),
      products: productGenerator(this.ctx),
      pipelines: pipelineGenerator(this.ctx),
      stages: stageGenerator(this.ctx),
      users: userGenerator(this.ctx),
    };
  }

  store(entity: SandboxEntity): EntityStore {
    let store = this.stores.get(entity);
    if (!store) {
      store = new EntityStore(entity, this.generators[entity], this.ctx.counts[entity]);
      this.stores.set(entity, store);
    }
    return store;
  }

  get now(): number {
    return this.nowSecond;
  }

  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error('the sandbox clock only moves forward');
    this.nowSecond += Math.floor(seconds);
  }

  private existing(entity: SandboxEntity, id: number): { store: EntityStore; record: SandboxRecord } {
    const store = this.store(entity);
    if (!store.has(id)) throw new Error(`${entity} ${id} does not exist`);
    return { store, record: store.get(id) };
  }

  private stamp(entity: SandboxEntity, record: SandboxRecord): void {
    if (entity === 'users') record.modified = v1Timestamp(this.nowSecond);
    else record.update_time = isoSeconds(this.nowSecond);
  }

  private applyCustomFields(entity: SandboxEntity, record: SandboxRecord, values: unknown): void {
    if (values === undefined) return;
    const fieldEntity = FIELD_ENTITY_OF[entity];
    const catalog = fieldEntity ? this.fields[fieldEntity] : undefined;
    if (!catalog || typeof values !== 'object' || values === null || !('custom_fields' in record)) {
      throw new Error(`${entity} have no custom fields`);
    }
    const target = (record.custom_fields ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(values)) {
      if (!catalog.find(key)) throw new Error(`${entity} custom field ${key} does not exist`);
      target[key] = value;
    }
    record.custom_fields = target;
  }

  update(entity: SandboxEntity, id: number, patch: Record<string, unknown>): void {
    const { store, record } = this.existing(entity, id);
    const { custom_fields: customFields, ...rest } = patch;
    delete rest.id;
    Object.assign(record, rest);
    this.applyCustomFields(entity, record, customFields);
    this.stamp(entity, record);
    store.put(id, record);
  }

  insert(entity: SandboxEntity, partial: Record<string, unknown> = {}): number {
    const store = this.store(entity);
    const id = store.count + 1;
    const record = store.template(id, this.nowSecond);
    // A new record starts with every custom field unset, like one created through the API.
    if (record.custom_fields && typeof record.custom_fields === 'object') {
      record.custom_fields = Object.fromEntries(Object.keys(record.custom_fields).map((k) => [k, null]));
    }
    const { custom_fields: customFields, ...rest } = partial;
    delete rest.id;
    Object.assign(record, rest);
    this.applyCustomFields(entity, record, customFields);
    store.put(id, record);
    return id;
  }

  delete(entity: SandboxEntity, id: number): void {
    const { store, record } = this.existing(entity, id);
    record.is_deleted = true;
    if (entity === 'users') record.active_flag = false;
    if (entity === 'deals') record.status = 'deleted';
    this.stamp(entity, record);
    store.put(id, record);
  }

  archive(entity: 'deals', id: number): void {
    const { store, record } = this.existing(entity, id);
    record.is_archived = true;
    record.archive_time = isoSeconds(this.nowSecond);
    this.stamp(entity, record);
    store.put(id, record);
  }

  renameField(entity: FieldEntity, fieldCode: string, newName: string): void {
    this.fields[entity].rename(fieldCode, newName);
  }

  addField(entity: FieldEntity, spec: { name: string; field_type: CreatableCustomFieldType; options?: readonly string[] }): string {
    return this.fields[entity].add(spec);
  }

  deleteOption(entity: FieldEntity, fieldCode: string, optionId: number): void {
    this.fields[entity].deleteOption(fieldCode, optionId);
  }
}
