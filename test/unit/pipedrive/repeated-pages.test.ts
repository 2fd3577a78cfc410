import { describe, expect, it } from 'vitest';
import { SourceTerminalError } from '../../../src/errors.js';
import { findStream, type StreamDefinition } from '../../../src/pipedrive/catalog.js';
import { MAX_EMPTY_PAGES_IN_A_ROW, paginate } from '../../../src/pipedrive/paginate.js';
import { makeClient, ok } from './fakes.js';

function stream(name: string): StreamDefinition {
  const found = findStream(name);
  if (!found) throw new Error(`no stream ${name}`);
  return found;
}

async function drain(pages: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of pages) count += 1;
  return count;
}

describe('a server that pages forever', () => {
  it('is stopped when a cursor page repeats an earlier page under a new cursor', async () => {
    let n = 0;
    // Pages A, B, A, B … each with a cursor never seen before.
    const { client, fake } = makeClient([() => ok([{ id: n % 2 === 0 ? 1 : 3 }, { id: (n++ % 2 === 0 ? 2 : 4) }], { next_cursor: `c${n}` })]);
    const error = await drain(paginate(client, stream('deals'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceTerminalError);
    expect(String(error)).toMatch(/served again a page of 2 records it had already served \(first id 1\)/);
    expect(fake.calls).toHaveLength(3);
  });

  it('is stopped when an offset list ignores `start` and keeps saying more items follow', async () => {
    const { client, fake } = makeClient([
      (call) => ok([{ id: 7 }], { pagination: { more_items_in_collection: true, next_start: Number(call.url.searchParams.get('start')) + 1 } }),
    ]);
    const error = await drain(paginate(client, stream('notes'))).catch((e: unknown) => e);
    expect(String(error)).toMatch(/served again a page of 1 records/);
    expect(fake.calls).toHaveLength(2);
  });

  it('is stopped after too many empty pages that each announce another', async () => {
    let n = 0;
    const { client, fake } = makeClient([() => ok([], { next_cursor: `e${n++}` })]);
    const error = await drain(paginate(client, stream('deals'))).catch((e: unknown) => e);
    expect(String(error)).toMatch(/empty pages in a row/);
    expect(fake.calls).toHaveLength(MAX_EMPTY_PAGES_IN_A_ROW + 1);
  });

  it('lets a list that only moves forward be read to the end, however long', async () => {
    let n = 0;
    const { client } = makeClient([() => { n += 1; return ok([{ id: n }], { next_cursor: n < 600 ? `c${n}` : null }); }]);
    expect(await drain(paginate(client, stream('deals')))).toBe(600);
  });
});
