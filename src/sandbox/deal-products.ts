/**
 * GET /api/v2/deals/products?deal_ids=… (≤100 ids): products attached to deals. Each deal has
 * 0–3 attachments derived from (seed, deal id); attachment ids are deal_id*4+n, so they are
 * unique and stable. The result of ≤100 deals is small, so it is sorted in memory.
 */
import { CursorError, decodeCursor, encodeCursor } from './cursor.js';
import type { Dataset } from './dataset.js';
import type { SandboxRecord } from './generation-context.js';
import type { Reply } from './http-util.js';
import { ApiError, successReply } from './http-util.js';
import { entityCode, Rng } from './random.js';
import type { ApiRequest } from './routes-v2.js';
import { canSee } from './routes-v2.js';
import type { SortKey } from './sort-index.js';
import { compareKeyed } from './sort-index.js';
import { parseRfc3339 } from './time.js';

const SORT_FIELDS = ['id', 'deal_id', 'add_time', 'update_time', 'order_nr'];

export function attachmentsOf(dataset: Dataset, dealId: number): SandboxRecord[] {
  const deal = dataset.store('deals').get(dealId);
  const productCount = dataset.store('products').count;
  if (productCount === 0) return [];
  const rng = new Rng(dataset.ctx.seed, entityCode('deal_products'), dealId);
  const count = rng.chance(0.4) ? rng.int(1, 3) : 0;
  const attachments: SandboxRecord[] = [];
  for (let n = 0; n < count; n++) {
    const productId = rng.int(1, productCount);
    const product = dataset.store('products').get(productId);
    const prices = Array.isArray(product.prices) ? (product.prices as Array<Record<string, unknown>>) : [];
    const itemPrice = typeof prices[0]?.price === 'number' ? prices[0].price : rng.decimal(10, 5_000, 2);
    const quantity = rng.int(1, 20);
    const discount = rng.chance(0.2) ? rng.int(5, 20) : 0;
    const tax = typeof product.tax === 'number' ? product.tax : 0;
    const sum = Math.round(itemPrice * quantity * (1 - discount / 100) * 100) / 100;
    attachments.push({
      id: dealId * 4 + n,
      sum,
      tax,
      deal_id: dealId,
      name: product.name,
      product_id: productId,
      product_variation_id: null,
      order_nr: n + 1,
      add_time: deal.add_time,
      update_time: deal.add_time,
      comments: '',
      currency: deal.currency,
      discount,
      discount_type: 'percentage',
      quantity,
      item_price: itemPrice,
      tax_method: rng.pick(['exclusive', 'inclusive', 'none']),
      is_enabled: true,
      billing_frequency: product.billing_frequency ?? 'one-time',
      billing_frequency_cycles: product.billing_frequency === 'one-time' ? null : (product.billing_frequency_cycles ?? null),
      billing_start_date: null,
    });
  }
  return attachments;
}

function keyOf(row: SandboxRecord, sortBy: string): SortKey {
  const value = row[sortBy];
  if (sortBy === 'add_time' || sortBy === 'update_time') return parseRfc3339(String(value)) ?? 0;
  return typeof value === 'number' ? value : 0;
}

export function handleDealProducts(dataset: Dataset, request: ApiRequest): Reply {
  const { query } = request;
  const raw = query.get('deal_ids');
  if (!raw) throw new ApiError(400, "Parameter 'deal_ids' is required");
  const parts = raw.split(',');
  if (parts.length > 100) throw new ApiError(400, "Parameter 'deal_ids' accepts at most 100 ids");
  if (!parts.every((p) => /^\d+$/.test(p.trim()))) throw new ApiError(400, "Parameter 'deal_ids' must be a comma separated list of integers");
  const limitRaw = query.get('limit') ?? '100';
  const limit = /^\d+$/.test(limitRaw) ? Number(limitRaw) : NaN;
  if (!(limit >= 1 && limit <= 500)) throw new ApiError(400, "Parameter 'limit' must be between 1 and 500");
  const sortBy = query.get('sort_by') ?? 'id';
  if (!SORT_FIELDS.includes(sortBy)) throw new ApiError(400, `Parameter 'sort_by' must be one of ${SORT_FIELDS.join(', ')}`);
  const direction = query.get('sort_direction') ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw new ApiError(400, "Parameter 'sort_direction' must be one of asc, desc");

  const deals = dataset.store('deals');
  const rows = [...new Set(parts.map((p) => Number(p.trim())))]
    .filter((id) => deals.has(id) && canSee(deals, id, request.viewer, true))
    .flatMap((id) => attachmentsOf(dataset, id));
  const sign = direction === 'asc' ? 1 : -1;
  rows.sort((a, b) => sign * compareKeyed(keyOf(a, sortBy), a.id as number, keyOf(b, sortBy), b.id as number));
  let start = 0;
  const cursor = query.get('cursor');
  if (cursor) {
    try {
      const after = decodeCursor(cursor, sortBy, direction);
      start = rows.findIndex((r) => sign * compareKeyed(keyOf(r, sortBy), r.id as number, after.key, after.id) > 0);
      if (start < 0) start = rows.length;
    } catch (error) {
      throw error instanceof CursorError ? new ApiError(400, error.message) : error;
    }
  }
  const page = rows.slice(start, start + limit);
  const last = page[page.length - 1];
  const more = start + page.length < rows.length;
  const next = more && last ? encodeCursor(sortBy, direction, { key: keyOf(last, sortBy), id: last.id as number }) : null;
  return successReply(page, { next_cursor: next });
}
