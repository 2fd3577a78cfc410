/**
 * The main job: read the selected catalog streams and upsert them into the target schema.
 *
 *   migrate → read state (bookmarks, column map) → read field metadata → build table models
 *   → evolve the schema → for each stream: pages → shaped rows → batches → upsert + bookmark
 *
 * Crash safety: each batch's rows, the columns it needs and its stream's bookmark commit in one
 * transaction (where the warehouse allows DDL in transactions; otherwise DDL runs first and is
 * idempotent). A crash at any moment leaves committed batches and their bookmarks; the rerun
 * resumes there, and the merge by primary key makes re-reads harmless.
 */
import type { WarehouseClient } from '../../adapters/types.js';
import { BudgetExhaustedError, isLoaderError } from '../errors.js';
import type { FieldEntity, StreamDefinition } from '../pipedrive/catalog.js';
import type { FieldDefinition } from '../pipedrive/fields.js';
import type { PipedriveClient } from '../pipedrive/client.js';
import type { Reporter } from '../cli/output.js';
import { migrate } from '../../migrations/index.js';
import { StateStore } from '../state/store.js';
import { RowBatch, DEFAULT_BATCH_LIMITS, type BatchLimits } from './batch.js';
import { readStream } from './stream-reader.js';
import { BackgroundCommits } from './background-commits.js';
import { SchemaSync, buildModels, readFieldMetadata, type TableModels } from './schema-sync.js';
import { upsertBatch } from './upsert.js';
import { newStreamStats, type RunStatus, type RunSummary, type StreamStats } from './summary.js';
import type { Row } from '../schema/types.js';
import type { TableModel } from '../schema/shape.js';

export interface PipelineOptions {
  readonly pipedrive: PipedriveClient;
  readonly warehouse: WarehouseClient;
  readonly schema: string;
  readonly streams: readonly StreamDefinition[];
  readonly fullRefresh: boolean;
  readonly loadId: string;
  readonly reporter: Reporter;
  readonly batch?: BatchLimits;
  /** Polled between batches: true after SIGINT/SIGTERM, so the run stops at a batch boundary. */
  readonly shouldStop?: () => boolean;
  readonly now?: () => Date;
}

export class LoadPipeline {
  private readonly now: () => Date;
  private readonly store: StateStore;
  private readonly summary: RunSummary;
  private readonly started: number;
  private loadedAt = '';

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? (() => new Date());
    this.store = new StateStore(options.warehouse, options.schema);
    this.summary = { loadId: options.loadId, status: 'running', streams: [], requests: 0, tokens: 0, seconds: 0 };
    this.started = Date.now();
  }

  async run(): Promise<RunSummary> {
    const { warehouse, schema, reporter, loadId } = this.options;
    await migrate(warehouse, schema);
    this.loadedAt = this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await this.store.startRun(loadId, this.loadedAt);
    reporter.info('run_started', `Loading into ${warehouse.describeTarget()}, schema ${schema} (load ${loadId})`, {
      load_id: loadId,
    });
    try {
      const bookmarks = await this.store.readBookmarks();
      const fields = await readFieldMetadata(this.options.pipedrive, this.options.streams);
      const persisted = await this.store.readColumnMappings();
      const models = buildModels(this.options.streams, fields, persisted, this.loadedAt);
      const sync = new SchemaSync(warehouse, schema, this.store);
      await sync.load();
      // Summary rows in reading order: field metadata first, then the streams.
      for (const entity of fields.keys()) this.statsFor(`${entity}_fields`, `${entity}_fields`);
      for (const stream of this.options.streams) if (!stream.describes) this.statsFor(stream.name, stream.table);
      this.attributeColumns(await sync.ensure(models), fields);
      await this.loadFieldTables(models, sync, fields);
      for (const stream of this.options.streams) {
        if (stream.describes) continue; // loaded above from the metadata already read
        if (this.options.shouldStop?.()) {
          this.summary.status = 'interrupted';
          break;
        }
        const bookmark = this.options.fullRefresh ? undefined : bookmarks.get(stream.name);
        await this.loadStream(stream, bookmark, models, sync);
      }
      if (this.summary.status === 'running') this.summary.status = 'succeeded';
    } catch (error) {
      this.summary.status = statusOf(error);
      this.summary.error = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      await this.finish();
    }
    return this.summary;
  }

  /** The `<entity>_fields` tables hold the metadata already read; no further requests. */
  private async loadFieldTables(
    models: TableModels,
    sync: SchemaSync,
    fields: ReadonlyMap<FieldEntity, FieldDefinition[]>,
  ): Promise<void> {
    for (const [entity, definitions] of fields) {
      const table = `${entity}_fields`;
      const model = models.get(table);
      if (!model) continue;
      const stats = this.statsFor(`${entity}_fields`, table);
      const rows = definitions.map((definition) => this.systemColumns(model.shape(definition as unknown as Record<string, unknown>)));
      stats.records = rows.length;
      stats.pages = 1;
      await this.commit(stats, model, sync, rows, undefined, undefined);
      stats.status = 'loaded';
    }
  }

  /** Columns created before any stream ran are counted on the first stream writing each table. */
  private attributeColumns(added: ReadonlyMap<string, number>, fields: ReadonlyMap<FieldEntity, unknown>): void {
    const writers = [
      ...[...fields.keys()].map((entity) => ({ name: `${entity}_fields`, table: `${entity}_fields` })),
      ...this.options.streams.filter((s) => !s.describes),
    ];
    for (const [table, count] of added) {
      const writer = writers.find((w) => w.table === table);
      if (writer) this.statsFor(writer.name, table).columnsAdded += count;
    }
  }

  private statsFor(stream: string, table: string): StreamStats {
    let stats = this.summary.streams.find((s) => s.stream === stream);
    if (!stats) {
      stats = newStreamStats(stream, table);
      this.summary.streams.push(stats);
    }
    return stats;
  }

  private systemColumns(row: Row): Row {
    row._loaded_at = this.loadedAt;
    row._load_id = this.options.loadId;
    return row;
  }

  private async loadStream(
    stream: StreamDefinition,
    bookmark: string | undefined,
    models: TableModels,
    sync: SchemaSync,
  ): Promise<void> {
    const { reporter, pipedrive } = this.options;
    const model = models.get(stream.table);
    if (!model) throw new Error(`no table model for ${stream.table}`);
    const stats = this.statsFor(stream.name, stream.table);
    const started = Date.now();
    const batch = new RowBatch(this.options.batch ?? DEFAULT_BATCH_LIMITS);
    const key = stream.replicationKey;
    let newest: string | undefined;
    const commits = new BackgroundCommits();
    const flush = (): void => {
      if (batch.size === 0) return;
      const rows = batch.take();
      const saveBookmark = stream.replication === 'incremental' ? newest : undefined;
      commits.start(() => this.commit(stats, model, sync, rows, stream, saveBookmark));
    };
    reporter.info('stream_started', `${stream.name}: reading${bookmark ? ` changes since ${bookmark}` : ' everything'}`, {
      stream: stream.name,
    });
    try {
      for await (const page of readStream(pipedrive, stream, bookmark)) {
        stats.pages += 1;
        for (const record of page.records) {
          const row = this.systemColumns(model.shape(record));
          const value = key === undefined ? undefined : row[key];
          if (typeof value === 'string' && (newest === undefined || value > newest)) newest = value;
          batch.add(row);
          stats.records += 1;
        }
        const seconds = (Date.now() - started) / 1000;
        reporter.progress(
          `${stream.name}: ${stats.records.toLocaleString('en-US')} records, ${stats.pages} pages, ` +
            `${Math.round(stats.records / Math.max(seconds, 0.001)).toLocaleString('en-US')} records/s`,
        );
        if (batch.isFull()) {
          await commits.settle(); // the previous batch is committed: at most one in flight
          flush();
          if (this.options.shouldStop?.()) {
            await commits.settle();
            stats.status = 'stopped';
            this.summary.status = 'interrupted';
            return;
          }
        }
      }
      flush();
      await commits.settle();
      stats.status = 'loaded';
    } catch (error) {
      // Whatever was read before a source failure is valid and ordered: commit it, so the rerun
      // starts after it (best effort: the source failure is what gets reported). After a
      // warehouse failure nothing more is written.
      if (isLoaderError(error) && !error.name.startsWith('Warehouse')) flush();
      await commits.settle().catch(() => undefined);
      stats.status = 'failed';
      throw error;
    } finally {
      stats.seconds = (Date.now() - started) / 1000;
      const usage = pipedrive.usage.byStream().get(stream.name);
      stats.requests = usage?.requests ?? 0;
      stats.tokens = usage?.tokens ?? 0;
      reporter.clearProgress();
      reporter.info(
        'stream_finished',
        `${stream.name}: ${stats.records} records (${stats.inserted} new, ${stats.updated} updated), ` +
          `${stats.requests} requests, ${stats.tokens} tokens, ${stats.seconds.toFixed(1)}s`,
        {
          stream: stream.name,
          rows: stats.records,
          requests: stats.requests,
          tokens: stats.tokens,
          duration: Number(stats.seconds.toFixed(3)),
          load_id: this.options.loadId,
        },
      );
    }
  }

  /** One batch: new columns, rows and the stream's bookmark, committed together. */
  private async commit(
    stats: StreamStats,
    model: TableModel,
    sync: SchemaSync,
    rows: Row[],
    stream: StreamDefinition | undefined,
    bookmark: string | undefined,
  ): Promise<void> {
    stats.columnsAdded += await sync.ensureColumnsFor(model);
    const write = sync.writePlan(model);
    const result = await upsertBatch(
      this.options.warehouse,
      {
        target: { schema: this.options.schema, name: model.spec.name },
        columns: write.columns,
        rows: rows.map(write.project),
        primaryKey: write.primaryKey,
        newestBy: stream?.replicationKey,
      },
      async (session) => {
        if (stream && bookmark !== undefined) {
          await this.store.saveBookmark(session, stream.name, bookmark, this.options.loadId);
        }
      },
    );
    stats.inserted += result.inserted;
    stats.updated += result.updated;
  }

  private async finish(): Promise<void> {
    const total = this.options.pipedrive.usage.total();
    this.summary.requests = total.requests;
    this.summary.tokens = total.tokens;
    this.summary.seconds = (Date.now() - this.started) / 1000;
    for (const stats of this.summary.streams) {
      const usage = this.options.pipedrive.usage.byStream().get(stats.stream);
      if (usage) {
        stats.requests = usage.requests;
        stats.tokens = usage.tokens;
      }
    }
    try {
      await this.store.finishRun(this.options.loadId, this.summary, this.now().toISOString());
    } catch (error) {
      // Recording the run must not hide the error that ended it.
      this.options.reporter.warn('run_record_failed', `Could not record the run in _loader_runs: ${String(error)}`);
    }
  }
}

function statusOf(error: unknown): RunStatus {
  if (error instanceof BudgetExhaustedError) return 'budget_exhausted';
  if (isLoaderError(error) && error.name === 'InterruptedError') return 'interrupted';
  return 'failed';
}
