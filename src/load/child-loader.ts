/**
 * Child records read per batch of parents (deal products: `GET /api/v2/deals/products?deal_ids=`
 * with up to 100 deal ids), never one call per parent.
 *
 * The parents to visit are the rows of the parent table changed since this stream's bookmark,
 * read from the warehouse, not kept in memory from the parent streams: a crash between the
 * parents' commit and the children's leaves the work findable, so nothing is lost. The bookmark
 * is `{"update_time": T, "ids": [...]}`: the newest parent update_time visited and the parents
 * visited at exactly T (Pipedrive times have one-second resolution, so another parent may still
 * arrive at T later; it is visited then, and the ones already visited are not paid for twice).
 * The one case this cannot see: a parent already visited at T that changes its children again
 * within that same second keeps its update_time, so that change waits for its next edit.
 *
 * Each parent batch's children are complete, so a child row of those parents that was not
 * returned has gone: it gets `_deleted_at` in the same transaction as the upsert and bookmark.
 */
import type { SqlParam } from '../../adapters/types.js';
import type { ChildRead, StreamDefinition } from '../pipedrive/catalog.js';
import { paginate } from '../pipedrive/paginate.js';
import { BoundParameters } from '../plan/index.js';
import type { Row } from '../schema/types.js';
import { commitBatch, modelOf, withSystemColumns, type LoadContext } from './context.js';
import { markGoneChildren } from './deletes.js';
import { capAtClock, isAfterClock, isoSecondsOf } from '../state/bookmarks.js';
import { finishStats, FutureRecords, sourceClock } from './stream-loader.js';

interface ChildBookmark {
  readonly update_time: string;
  readonly ids: readonly (string | number)[];
}

interface Parent {
  readonly id: string | number;
  readonly updateTime: string;
}

const PARENTS_PER_QUERY = 1000;
const EPOCH = '1970-01-01T00:00:00Z';

export function parseChildBookmark(raw: string | undefined): ChildBookmark | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<ChildBookmark>;
    if (typeof parsed.update_time === 'string' && Array.isArray(parsed.ids)) return { update_time: parsed.update_time, ids: parsed.ids };
  } catch {
    // fall through: an unreadable bookmark means "visit every parent again", which is safe
  }
  return undefined;
}

/** Parents changed since the bookmark, oldest first, in pages of PARENTS_PER_QUERY (keyset). */
async function* changedParents(context: LoadContext, child: ChildRead, since: ChildBookmark | undefined): AsyncGenerator<Parent> {
  const { dialect } = context.warehouse;
  const q = (name: string): string => dialect.quoteIdentifier(name);
  const table = dialect.qualify({ schema: context.schema, name: child.parentTable });
  const skip = new Set((since?.ids ?? []).map(String));
  let afterTime = since?.update_time ?? EPOCH;
  let afterId: SqlParam | undefined;
  for (;;) {
    const bound = new BoundParameters(dialect);
    const after = (): string => `CAST(${bound.shared('after', afterTime)} AS ${dialect.nativeType('timestamp')})`;
    const keyset =
      afterId === undefined
        ? `${q('update_time')} >= ${after()}`
        : `(${q('update_time')} > ${after()} OR (${q('update_time')} = ${after()} AND ${q('id')} > ${bound.add(afterId)}))`;
    const read = (): Promise<Record<string, unknown>[]> =>
      context.warehouse.query(
        `SELECT ${q('id')}, ${q('update_time')} FROM ${table} WHERE ${keyset} ORDER BY ${q('update_time')}, ${q('id')} LIMIT ${PARENTS_PER_QUERY}`,
        bound.values,
      );
    // The parents committed so far. Where a statement outside a transaction would share another
    // stream's open one (one session or connection), the read waits for it in the write queue.
    const rows = dialect.capabilities.concurrentStatements ? await read() : await context.writes.run(read);
    for (const row of rows) {
      const parent = { id: row['id'] as string | number, updateTime: String(row['update_time']) };
      if (!(parent.updateTime === since?.update_time && skip.has(String(parent.id)))) yield parent;
    }
    const last = rows.at(-1);
    if (rows.length < PARENTS_PER_QUERY || last === undefined) return;
    afterTime = String(last['update_time']);
    afterId = last['id'] as SqlParam;
  }
}

export async function loadChildren(context: LoadContext, stream: StreamDefinition & { children: ChildRead }): Promise<void> {
  const { children: child } = stream;
  const model = modelOf(context, stream.table);
  const stats = context.statsFor(stream.name, stream.table);
  const started = Date.now();
  const since = validChildBookmark(context, stream.name, parseChildBookmark(context.bookmarks.get(stream.name)));
  let bookmark: ChildBookmark | undefined = since;
  const future = new FutureRecords();
  context.reporter.info('stream_started', `${stream.name}: reading the children of ${child.parentTable} changed since ${since?.update_time ?? 'the start'}`, {
    stream: stream.name,
  });
  try {
    let parents: Parent[] = [];
    const visit = async (): Promise<void> => {
      if (parents.length === 0) return;
      const ids = parents.map((parent) => parent.id);
      // One parent batch's children commit together: their completeness is what marks the gone ones.
      const rows: Row[] = [];
      for await (const page of paginate(context.pipedrive, stream, { [child.param]: ids.join(',') })) {
        stats.pages += 1;
        for (const record of page.records) rows.push(withSystemColumns(context, model.shape(record)));
      }
      stats.records += rows.length;
      const newest = parents.at(-1)?.updateTime ?? EPOCH;
      const clock = sourceClock(context);
      for (const parent of parents) future.note(parent.id, parent.updateTime, clock);
      if (isAfterClock(newest, clock)) {
        // A parent stamped in the future must not carry the bookmark there: capped, the next run
        // visits every parent changed since Pipedrive's clock (and that parent again).
        bookmark = { update_time: capAtClock(newest, clock), ids: [] };
      } else {
        const sameSecond = parents.filter((parent) => parent.updateTime === newest).map((parent) => parent.id);
        const carried = bookmark?.update_time === newest ? bookmark.ids : [];
        bookmark = { update_time: newest, ids: [...carried, ...sameSecond] };
      }
      const saved = JSON.stringify(bookmark);
      await commitBatch(context, stats, model, rows, stream, async (session) => {
        stats.deleted += await markGoneChildren(context, session, stream.table, child, ids);
        await context.store.saveBookmark(session, stream.name, saved, context.loadId);
      });
      parents = [];
    };
    for await (const parent of changedParents(context, child, since)) {
      parents.push(parent);
      if (parents.length >= child.batchSize) {
        await visit();
        if (context.shouldStop()) {
          stats.status = 'stopped';
          return;
        }
      }
    }
    await visit();
    stats.status = 'loaded';
  } catch (error) {
    stats.status = 'failed';
    throw error;
  } finally {
    future.report(context, stream.name, `${child.parentTable} update_time`);
    finishStats(context, stream, stats, started);
  }
}

/** A child bookmark after Pipedrive's clock cannot be right: every parent is visited again, once. */
function validChildBookmark(context: LoadContext, stream: string, since: ChildBookmark | undefined): ChildBookmark | undefined {
  if (since === undefined) return undefined;
  const clock = sourceClock(context);
  if (!isAfterClock(since.update_time, clock)) return since;
  context.reporter.warn(
    'bookmark_in_future',
    `${stream}: the stored bookmark ${since.update_time} is later than Pipedrive's own clock (${isoSecondsOf(clock)}), so it cannot ` +
      'be right. Visiting every parent this time rather than skip changes.',
    { stream },
  );
  return undefined;
}
