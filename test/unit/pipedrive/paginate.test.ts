import { describe, expect, it } from 'vitest';
import { SourceTerminalError } from '../../../src/errors.js';
import { findStream, type StreamDefinition } from '../../../src/pipedrive/catalog.js';
import { fetchFieldDefinitions, paginate, type Page } from '../../../src/pipedrive/paginate.js';
import { json, makeClient, ok, rejectionOf, type RecordedCall, type Responder } from './fakes.js';

async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const ids = (pages: Page[]) => pages.map((p) => p.records.map((r) => r.id));
const param = (call: RecordedCall | undefined, name: string) => call?.url.searchParams.get(name) ?? null;

function stream(overrides: Partial<StreamDefinition>): StreamDefinition {
  return {
    name: 'test_stream',
    table: 'test_stream',
    api: 'v1',
    path: '/things',
    pagination: 'offset',
    primaryKey: ['id'],
    replication: 'full',
    ...overrides,
  };
}

/** A server-side cursor list: pages of `size` over ids 1..total, the cursor being the next id. */
function cursorServer(total: number): Responder {
  return (call) => {
    const limit = Number(param(call, 'limit'));
    const from = Number(param(call, 'cursor') ?? 1);
    const data = Array.from({ length: Math.max(0, Math.min(limit, total - from + 1)) }, (_, i) => ({ id: from + i }));
    const next = from + limit <= total ? String(from + limit) : null;
    return ok(data, { next_cursor: next });
  };
}

describe('cursor pagination (v2)', () => {
  it('follows next_cursor with limit=500 and the catalog + caller params until it is null', async () => {
    const deals = findStream('deals');
    if (!deals) throw new Error('deals stream missing from the catalog');
    const { client, fake } = makeClient([cursorServer(1203)]);
    const pages = await collect(
      paginate(client, deals, { updated_since: '2026-01-01T00:00:00Z', sort_by: 'update_time', sort_direction: 'asc' }),
    );
    expect(pages.map((p) => p.records.length)).toEqual([500, 500, 203]);
    expect(pages.flatMap((p) => p.records.map((r) => r.id))).toEqual(Array.from({ length: 1203 }, (_, i) => i + 1));
    expect(fake.calls.map((c) => param(c, 'cursor'))).toEqual([null, '501', '1001']);
    for (const call of fake.calls) {
      expect(call.url.pathname).toBe('/api/v2/deals');
      expect(param(call, 'limit')).toBe('500');
      expect(param(call, 'status')).toBe('open,won,lost,deleted');
      expect(param(call, 'updated_since')).toBe('2026-01-01T00:00:00Z');
      expect(param(call, 'sort_by')).toBe('update_time');
    }
    expect(client.usage.forStream('deals')).toEqual({ requests: 3, tokens: 30 });
  });

  it('stops when additional_data or next_cursor is absent, and on an empty page', async () => {
    const s = stream({ api: 'v2', pagination: 'cursor', path: '/stages' });
    for (const last of [ok([{ id: 1 }]), ok([{ id: 1 }], {}), ok([], { next_cursor: null }), ok(null, { next_cursor: '' })]) {
      const { client, fake } = makeClient([() => last.clone()]);
      const pages = await collect(paginate(client, s));
      expect(pages).toHaveLength(1);
      expect(fake.calls).toHaveLength(1);
    }
  });

  it('can resume from a cursor the caller kept', async () => {
    const { client, fake } = makeClient([cursorServer(1100)]);
    const s = stream({ api: 'v2', pagination: 'cursor', path: '/persons' });
    const pages = await collect(paginate(client, s, { cursor: '1001' }));
    expect(ids(pages)).toEqual([Array.from({ length: 100 }, (_, i) => 1001 + i)]);
    expect(param(fake.calls[0], 'cursor')).toBe('1001');
  });

  it('refuses to loop when the server repeats a cursor', async () => {
    const { client } = makeClient([() => ok([{ id: 1 }], { next_cursor: 'same' })]);
    const error = await rejectionOf(collect(paginate(client, stream({ api: 'v2', pagination: 'cursor' }))));
    expect(error).toBeInstanceOf(SourceTerminalError);
  });
});

describe('offset pagination (v1)', () => {
  it('follows additional_data.pagination.next_start while more_items_in_collection', async () => {
    const { client, fake } = makeClient([
      () => ok([{ id: 1 }, { id: 2 }], { pagination: { start: 0, limit: 2, more_items_in_collection: true, next_start: 2 } }),
      () => ok([{ id: 3 }, { id: 4 }], { pagination: { start: 2, limit: 2, more_items_in_collection: true, next_start: 4 } }),
      () => ok([{ id: 5 }], { pagination: { start: 4, limit: 2, more_items_in_collection: false } }),
    ]);
    const pages = await collect(paginate(client, stream({ pageSize: 2, params: { user_id: '0' } }), { sort: 'id ASC' }));
    expect(ids(pages)).toEqual([[1, 2], [3, 4], [5]]);
    expect(fake.calls.map((c) => param(c, 'start'))).toEqual(['0', '2', '4']);
    for (const call of fake.calls) {
      expect(call.url.pathname).toBe('/v1/things');
      expect(param(call, 'limit')).toBe('2');
      expect(param(call, 'user_id')).toBe('0');
      expect(param(call, 'sort')).toBe('id ASC');
    }
  });

  it('reads the flat additional_data variant (v1 /leads) and falls back to start + data.length', async () => {
    const { client, fake } = makeClient([
      () => ok([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { start: 0, limit: 3, more_items_in_collection: true }),
      () => ok([{ id: 'd' }], { start: 3, limit: 3, more_items_in_collection: false }),
    ]);
    const pages = await collect(paginate(client, stream({ path: '/leads', pageSize: 3 })));
    expect(ids(pages)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(fake.calls.map((c) => param(c, 'start'))).toEqual(['0', '3']);
  });

  it('treats data: null as an empty page and stops', async () => {
    const { client, fake } = makeClient([
      () => json({ success: true, data: null, additional_data: { pagination: { start: 0, limit: 500, more_items_in_collection: false } } }),
    ]);
    const pages = await collect(paginate(client, stream({ path: '/notes' })));
    expect(pages).toHaveLength(1);
    expect(pages[0]?.records).toEqual([]);
    expect(fake.calls).toHaveLength(1);
    expect(param(fake.calls[0], 'limit')).toBe('500');
  });

  it('refuses to loop when more items are promised but no progress is possible', async () => {
    const { client } = makeClient([() => ok(null, { pagination: { more_items_in_collection: true } })]);
    const error = await rejectionOf(collect(paginate(client, stream({}))));
    expect(error).toBeInstanceOf(SourceTerminalError);
  });
});

describe('unpaginated lists', () => {
  it('reads once, with no paging params, and keeps the envelope', async () => {
    const users = findStream('users');
    if (!users) throw new Error('users stream missing from the catalog');
    const { client, fake } = makeClient([
      () => json({ success: true, data: [{ id: 1 }, { id: 2 }], additional_data: { company_id: 9 } }),
    ]);
    const pages = await collect(paginate(client, users));
    expect(ids(pages)).toEqual([[1, 2]]);
    expect(pages[0]?.envelope.additional_data).toEqual({ company_id: 9 });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]?.url.href).toBe('https://acme.pipedrive.com/v1/users');
    expect(client.usage.forStream('users')).toEqual({ requests: 1, tokens: 20 });
  });

  it('turns a single-object data into one record and rejects non-object records', async () => {
    const { client } = makeClient([() => ok({ id: 5, name: 'Me' })]);
    expect(ids(await collect(paginate(client, stream({ pagination: 'none', path: '/users/me' }))))).toEqual([[5]]);
    const bad = makeClient([() => ok([1, 2])]);
    const error = await rejectionOf(collect(paginate(bad.client, stream({ pagination: 'none' }))));
    expect(error).toBeInstanceOf(SourceTerminalError);
  });
});

describe('fetchFieldDefinitions', () => {
  it('reads every page of /api/v2/{entity}Fields and parses the definitions', async () => {
    const { client, fake } = makeClient([
      () =>
        ok(
          [
            { field_code: 'title', field_name: 'Title', field_type: 'varchar', is_custom_field: false, options: null, subfields: null },
            {
              field_code: 'a'.repeat(40),
              field_name: 'Tier',
              field_type: 'enum',
              is_custom_field: true,
              options: [{ id: 1, label: 'Gold', color: 'yellow' }],
              subfields: null,
            },
          ],
          { next_cursor: 'c2' },
        ),
      () => ok([{ field_code: 'value', field_name: 'Value', field_type: 'monetary', subfields: [] }], { next_cursor: null }),
    ]);
    const fields = await fetchFieldDefinitions(client, 'deal');
    expect(fields.map((f) => [f.field_code, f.field_type, f.is_custom_field])).toEqual([
      ['title', 'varchar', false],
      ['a'.repeat(40), 'enum', true],
      ['value', 'monetary', false],
    ]);
    expect(fields[1]?.options).toEqual([{ id: 1, label: 'Gold', color: 'yellow' }]);
    expect(fake.calls.map((c) => c.url.pathname)).toEqual(['/api/v2/dealFields', '/api/v2/dealFields']);
    expect(param(fake.calls[1], 'cursor')).toBe('c2');
    expect(client.usage.forStream('deal_fields')).toEqual({ requests: 2, tokens: 20 });
  });

  it('reports a malformed definition as a SourceTerminalError', async () => {
    const { client } = makeClient([() => ok([{ field_name: 'no code' }], { next_cursor: null })]);
    const error = await rejectionOf(fetchFieldDefinitions(client, 'person'));
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect((error as Error).message).toContain('/personFields');
  });
});
