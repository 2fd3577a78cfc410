/**
 * The /_sandbox/ control API, so a sandbox started by the CLI can be driven from another process.
 * No token needed; every route answers JSON `{success, data}` or `{success:false, error}`.
 *
 *   GET  /_sandbox/stats            POST /_sandbox/stats/reset
 *   GET  /_sandbox/clock            POST /_sandbox/clock      {"advance": seconds}
 *   POST /_sandbox/faults           {"kind", "path"?, "pathPattern"? (RegExp source), "times"?, "everyNth"?, "delayMs"?}
 *   DELETE /_sandbox/faults
 *   POST /_sandbox/mutations        {"op": "update"|"insert"|"delete"|"archive"|"merge"|"stamp"|"renameField"|"addField"|"deleteOption", …}
 *                                   merge: {"entity": "persons"|"organizations", "loserId", "winnerId"}
 *                                   stamp: {"entity", "id", "update_time"} sets update_time alone (e.g. in the future)
 *                                   any op: "advance": seconds moves the clock first, so several
 *                                   mutations of one record (between or during runs) get distinct update_times
 *   GET  /_sandbox/fields/{entity}  (deal, person, organization, product, activity, lead, note)
 *   GET  /_sandbox/records/{entity}?start=&limit=   (any SandboxEntity, internal ids start+1…)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldEntity } from '../pipedrive/catalog.js';
import type { CreatableCustomFieldType } from '../pipedrive/fields.js';
import type { Dataset, SandboxFieldEntity } from './dataset.js';
import type { FaultKind, Faults } from './faults.js';
import type { SandboxEntity } from './generation-context.js';
import { SANDBOX_ENTITIES } from './generation-context.js';
import type { Stats } from './stats.js';
import { isoSeconds } from './time.js';

export interface ControlDeps {
  readonly dataset: Dataset;
  readonly faults: Faults;
  readonly stats: Stats;
  /** Serves a record the way `Sandbox.records` does. */
  readonly serve: (entity: SandboxEntity, id: number) => Record<string, unknown>;
}

const FIELD_ENTITIES = new Set(['deal', 'person', 'organization', 'product', 'activity']);
/** Readable field lists; only the five above have mutable catalogs (lead custom fields are the deal ones). */
const READABLE_FIELD_ENTITIES = new Set([...FIELD_ENTITIES, 'lead', 'note']);

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function entityOf(value: unknown): SandboxEntity {
  if (typeof value !== 'string' || !(SANDBOX_ENTITIES as readonly string[]).includes(value)) throw new Error(`unknown entity ${String(value)}`);
  return value as SandboxEntity;
}

function fieldEntityOf(value: unknown): FieldEntity {
  if (typeof value !== 'string' || !FIELD_ENTITIES.has(value)) throw new Error(`unknown field entity ${String(value)}`);
  return value as FieldEntity;
}

function numberOf(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return value;
}

function objectOf(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function mutate(dataset: Dataset, body: Record<string, unknown>): unknown {
  // Each version of a record needs its own second (Pipedrive times have one-second resolution).
  if (body.advance !== undefined) dataset.advance(numberOf(body.advance, 'advance'));
  switch (body.op) {
    case 'update':
      dataset.update(entityOf(body.entity), numberOf(body.id, 'id'), objectOf(body.patch, 'patch'));
      return { id: body.id };
    case 'insert':
      return { id: dataset.insert(entityOf(body.entity), objectOf(body.partial ?? body.record, 'partial')) };
    case 'delete':
      dataset.delete(entityOf(body.entity), numberOf(body.id, 'id'));
      return { id: body.id };
    case 'archive':
      if (body.entity !== 'deals' && body.entity !== 'leads') throw new Error('only deals and leads can be archived');
      dataset.archive(body.entity, numberOf(body.id, 'id'));
      return { id: body.id };
    case 'merge':
      if (body.entity !== 'persons' && body.entity !== 'organizations') throw new Error('only persons and organizations can be merged');
      dataset.merge(body.entity, numberOf(body.loserId ?? body.loser_id, 'loserId'), numberOf(body.winnerId ?? body.winner_id, 'winnerId'));
      return { id: body.winnerId ?? body.winner_id };
    case 'renameField':
      dataset.renameField(fieldEntityOf(body.entity), String(body.fieldCode ?? body.field_code), String(body.newName ?? body.name));
      return { field_code: body.fieldCode ?? body.field_code };
    case 'addField': {
      const options = Array.isArray(body.options) ? body.options.map(String) : undefined;
      const key = dataset.addField(fieldEntityOf(body.entity), { name: String(body.name), field_type: String(body.field_type) as CreatableCustomFieldType, options });
      return { field_code: key };
    }
    case 'stamp': {
      // A record whose update_time is wrong (clock skew, a bad import): only that field changes.
      const store = dataset.store(entityOf(body.entity));
      const id = numberOf(body.id, 'id');
      if (!store.has(id)) throw new Error(`${String(body.entity)} ${id} does not exist`);
      if (typeof body.update_time !== 'string') throw new Error('update_time must be a string');
      store.put(id, { ...store.get(id), update_time: body.update_time });
      return { id };
    }
    case 'deleteOption':
      dataset.deleteOption(fieldEntityOf(body.entity), String(body.fieldCode ?? body.field_code), numberOf(body.optionId ?? body.option_id, 'optionId'));
      return { field_code: body.fieldCode ?? body.field_code };
    default:
      throw new Error(`unknown mutation op ${String(body.op)}`);
  }
}

async function dispatch(deps: ControlDeps, req: IncomingMessage, url: URL): Promise<unknown> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const { dataset } = deps;
  if (method === 'GET' && path === '/_sandbox/stats') return deps.stats.snapshot();
  if (method === 'POST' && path === '/_sandbox/stats/reset') return deps.stats.reset(), deps.stats.snapshot();
  if (path === '/_sandbox/clock') {
    if (method === 'POST') dataset.advance(numberOf((await readJson(req)).advance, 'advance'));
    return { now: isoSeconds(dataset.now) };
  }
  if (path === '/_sandbox/faults' && method === 'DELETE') return deps.faults.clear(), { pending: 0 };
  if (path === '/_sandbox/faults' && method === 'POST') {
    const body = await readJson(req);
    const path = typeof body.pathPattern === 'string' ? new RegExp(body.pathPattern) : typeof body.path === 'string' ? body.path : undefined;
    const optional = (name: string) => (body[name] === undefined ? undefined : numberOf(body[name], name));
    deps.faults.inject({ kind: String(body.kind) as FaultKind, path, times: optional('times'), everyNth: optional('everyNth'), delayMs: optional('delayMs') });
    return { pending: deps.faults.pending };
  }
  if (path === '/_sandbox/mutations' && method === 'POST') return mutate(dataset, await readJson(req));
  const fields = /^\/_sandbox\/fields\/(\w+)$/.exec(path);
  if (fields && method === 'GET') {
    const entity = fields[1] ?? '';
    if (!READABLE_FIELD_ENTITIES.has(entity)) throw new Error(`unknown field entity ${entity}`);
    return dataset.fieldDefinitions(entity as SandboxFieldEntity);
  }
  const records = /^\/_sandbox\/records\/(\w+)$/.exec(path);
  if (records && method === 'GET') {
    const entity = entityOf(records[1]);
    const start = Number(url.searchParams.get('start') ?? 0);
    const limit = Math.min(10_000, Number(url.searchParams.get('limit') ?? 1_000));
    const count = dataset.store(entity).count;
    const ids = Array.from({ length: Math.max(0, Math.min(limit, count - start)) }, (_, i) => start + i + 1);
    return { records: ids.map((id) => deps.serve(entity, id)), count };
  }
  throw new NotFound();
}

class NotFound extends Error {}

export async function handleControl(deps: ControlDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  let status = 200;
  let body: unknown;
  try {
    body = { success: true, data: await dispatch(deps, req, url) };
  } catch (error) {
    status = error instanceof NotFound ? 404 : 400;
    body = { success: false, error: error instanceof NotFound ? `no control route ${req.method} ${url.pathname}` : (error as Error).message };
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
