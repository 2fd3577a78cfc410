/**
 * The sandbox company: entity stores (created lazily, so a 1M-deal sandbox pays only for what
 * a test touches), field catalogs, the sandbox clock and the mutation API.
 */
import type { FieldEntity } from '../pipedrive/catalog.js';
import type { CreatableCustomFieldType } from '../pipedrive/fields.js';
import type { FieldDefinition } from '../pipedrive/fields.js';
import { leadFieldDefinitions, noteFieldDefinitions } from './builtin-fields.js';
import { DELETED_MARKER, EntityStore } from './entity-store.js';
import { FieldCatalog } from './field-catalog.js';
import type { EntityGenerator, GenerationContext, SandboxEntity, SandboxRecord } from './generation-context.js';
import { dealGenerator, organizationGenerator, personGenerator } from './generators-crm.js';
import { callLogGenerator, fileGenerator } from './generators-files-calls.js';
import { leadGenerator, leadTime, noteGenerator } from './generators-leads.js';
import { activityGenerator, pipelineGenerator, productGenerator, stageGenerator, userGenerator } from './generators-other.js';
import { projectGenerator, taskGenerator } from './generators-projects.js';
import { activityTypeGenerator, currencyGenerator, filterGenerator, goalGenerator, leadLabelGenerator, leadSourceGenerator } from './generators-setup.js';
import { isoMillis, isoSeconds, v1Timestamp } from './time.js';
import { millisOf } from './uuid-ids.js';

/** Field metadata the sandbox serves: the five v2 field entities plus v1-only leads and notes. */
export type SandboxFieldEntity = FieldEntity | 'lead' | 'note';

export interface SandboxMutations {
  /** Merges `patch` into the record (custom_fields key by key) and bumps its update time to the clock. */
  update(entity: SandboxEntity, id: number, patch: Record<string, unknown>): void;
  /** Adds a record (add_time = update_time = clock) and returns its id. */
  insert(entity: SandboxEntity, partial?: Record<string, unknown>): number;
  /**
   * Soft delete, update_time = clock: is_deleted = true where the shape has it (deals also get
   * status 'deleted'); v1 records with `active_flag` get false; activity types stay listed as
   * inactive. Every entity except deals (status=deleted), users and activity types drops out of
   * its lists.
   */
  delete(entity: SandboxEntity, id: number): void;
  /** Deals move to /deals/archived, leads to /v1/leads/archived. */
  archive(entity: 'deals' | 'leads', id: number): void;
  /**
   * Merges person/organization `loserId` into `winnerId`, as the merge endpoints do: the loser
   * disappears from every list (a loader sees it only by reconciling ids) and the winner's
   * update_time moves to the clock. Records pointing at the loser are not re-pointed.
   */
  merge(entity: 'persons' | 'organizations', loserId: number, winnerId: number): void;
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
  /** Whether the company has the Projects add-on (projects and tasks answer 403 otherwise). */
  readonly projectsAddon?: boolean;
}

const FIELD_ENTITY_OF: Partial<Record<SandboxEntity, FieldEntity>> = {
  deals: 'deal',
  persons: 'person',
  organizations: 'organization',
  products: 'product',
  activities: 'activity',
  // Leads carry the deal custom fields (reference §2c).
  leads: 'deal',
};

/** How a mutation stamps update times: the entity's own timestamp format, or not at all (no update time in the shape). */
const V1_STAMPED = new Set<SandboxEntity>(['notes', 'files', 'filters', 'activityTypes']);
const MILLIS_STAMPED = new Set<SandboxEntity>(['leadLabels', 'projects', 'tasks']);
const UNSTAMPED = new Set<SandboxEntity>(['callLogs', 'currencies', 'leadSources', 'goals']);
/** Entities whose records have `is_deleted`; the others get DELETED_MARKER. */
const HAS_IS_DELETED = new Set<SandboxEntity>(['deals', 'persons', 'organizations', 'activities', 'products', 'pipelines', 'stages', 'users']);

export class Dataset implements SandboxMutations {
  readonly ctx: GenerationContext;
  readonly fields: Record<FieldEntity, FieldCatalog>;
  readonly projectsAddon: boolean;
  private nowSecond: number;
  private fieldChanges = 0;
  private readonly stores = new Map<SandboxEntity, EntityStore>();
  private readonly generators: Record<SandboxEntity, EntityGenerator>;

  constructor(options: DatasetOptions) {
    this.nowSecond = options.nowSecond;
    this.projectsAddon = options.projectsAddon ?? false;
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
      leads: leadGenerator(this.ctx),
      leadLabels: leadLabelGenerator(this.ctx),
      leadSources: leadSourceGenerator(this.ctx),
      notes: noteGenerator(this.ctx),
      files: fileGenerator(this.ctx),
      filters: filterGenerator(this.ctx),
      currencies: currencyGenerator(this.ctx),
      activityTypes: activityTypeGenerator(this.ctx),
      callLogs: callLogGenerator(this.ctx),
      goals: goalGenerator(this.ctx),
      projects: projectGenerator(this.ctx),
      tasks: taskGenerator(this.ctx),
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

  /** Bumped whenever a field catalog changes, which may change how every record is served. */
  get fieldsVersion(): number {
    return this.fieldChanges;
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

  /** Field metadata as GET /api/v2/{entity}Fields would list it; leads: lead built-ins + deal custom fields. */
  fieldDefinitions(entity: SandboxFieldEntity): FieldDefinition[] {
    if (entity === 'lead') return [...leadFieldDefinitions(), ...this.fields.deal.definitions().filter((f) => f.is_custom_field)];
    if (entity === 'note') return noteFieldDefinitions();
    return this.fields[entity].definitions();
  }

  private stamp(entity: SandboxEntity, id: number, record: SandboxRecord): void {
    const now = this.nowSecond;
    if (entity === 'users') record.modified = v1Timestamp(now);
    else if (entity === 'leads') record.update_time = leadTime(this.ctx, id, now);
    else if (V1_STAMPED.has(entity)) record.update_time = v1Timestamp(now);
    else if (MILLIS_STAMPED.has(entity)) record.update_time = isoMillis(now, millisOf(this.ctx.seed, entity, id, now));
    else if (!UNSTAMPED.has(entity)) record.update_time = isoSeconds(now);
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
    this.stamp(entity, id, record);
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
    if (HAS_IS_DELETED.has(entity)) record.is_deleted = true;
    else if (entity !== 'activityTypes') record[DELETED_MARKER] = true;
    if (entity === 'users' || 'active_flag' in record) record.active_flag = false;
    if (entity === 'deals' || entity === 'projects') record.status = 'deleted';
    this.stamp(entity, id, record);
    store.put(id, record);
  }

  archive(entity: 'deals' | 'leads', id: number): void {
    const { store, record } = this.existing(entity, id);
    record.is_archived = true;
    if (entity === 'deals') record.archive_time = isoSeconds(this.nowSecond);
    this.stamp(entity, id, record);
    store.put(id, record);
  }

  merge(entity: 'persons' | 'organizations', loserId: number, winnerId: number): void {
    if (entity !== 'persons' && entity !== 'organizations') throw new Error('only persons and organizations can be merged');
    if (loserId === winnerId) throw new Error('a record cannot be merged into itself');
    const winner = this.existing(entity, winnerId);
    const loser = this.existing(entity, loserId);
    if (winner.store.isDeleted(winnerId) || loser.store.isDeleted(loserId)) throw new Error(`${entity} ${loserId} or ${winnerId} is deleted`);
    // Pipedrive removes the merged record outright; it is hidden like a soft delete here.
    loser.record.is_deleted = true;
    loser.record.merged_to_id = winnerId;
    this.stamp(entity, loserId, loser.record);
    loser.store.put(loserId, loser.record);
    this.stamp(entity, winnerId, winner.record);
    winner.store.put(winnerId, winner.record);
  }

  renameField(entity: FieldEntity, fieldCode: string, newName: string): void {
    this.fieldChanges++;
    this.fields[entity].rename(fieldCode, newName);
  }

  addField(entity: FieldEntity, spec: { name: string; field_type: CreatableCustomFieldType; options?: readonly string[] }): string {
    this.fieldChanges++;
    return this.fields[entity].add(spec);
  }

  deleteOption(entity: FieldEntity, fieldCode: string, optionId: number): void {
    this.fieldChanges++;
    this.fields[entity].deleteOption(fieldCode, optionId);
  }
}
