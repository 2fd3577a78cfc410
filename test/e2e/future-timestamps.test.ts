/**
 * A bookmark never runs ahead of Pipedrive's clock. One record stamped in the future (clock skew,
 * a bad import) used to carry its stream's bookmark there, and every later change was skipped
 * with exit 0, for good; a hand-edited bookmark in the future did the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

const STREAMS = 'deals,products,deal_products';
let sandbox: Sandbox;
let dir: string;
let file: string;

function load(): Promise<CliResult> {
  return spawnCli(
    ['load', '--integration', 'Future', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--streams', STREAMS],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
}

async function stamp(entity: string, id: number, updateTime: string): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/mutations`, {
    method: 'POST',
    body: JSON.stringify({ op: 'stamp', entity, id, update_time: updateTime }),
  });
  expect(response.status).toBe(200);
}

async function bookmarks(): Promise<Map<string, string>> {
  const rows = await queryDuckDBFile(file, 'SELECT stream, bookmark FROM pipedrive.future._loader_state');
  return new Map(rows.map((row) => [String(row['stream']), String(row['bookmark'])]));
}

async function title(table: string, id: number, column = 'name'): Promise<unknown> {
  const [row] = await queryDuckDBFile(file, `SELECT ${column} AS v FROM pipedrive.future.${table} WHERE id = ${id}`);
  return row?.['v'];
}

async function execute(sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const nowMs = (): number => sandbox.clock.now().getTime();

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 21, deals: 30 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-future-'));
  file = join(dir, 'pipedrive.duckdb');
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('records and bookmarks from the future', () => {
  it('caps every bookmark at Pipedrive\'s clock and warns about the record', async () => {
    expect((await load()).code).toBe(0);
    sandbox.clock.advance(60);
    const future = new Date(nowMs() + 365 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await stamp('deals', 1, future);
    await stamp('products', 1, future);
    const result = await load();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/deals: 1 record\(s\) with update_time after Pipedrive's own clock .* e\.g\. id 1 at /);
    expect(result.stdout).toMatch(/products: 1 record\(s\) with update_time after Pipedrive's own clock/);
    const after = await bookmarks();
    for (const stream of ['deals', 'products']) expect(Date.parse(after.get(stream) ?? ''), stream).toBeLessThanOrEqual(nowMs());
    const child = JSON.parse(after.get('deal_products') ?? '{}') as { update_time?: string };
    expect(Date.parse(child.update_time ?? '')).toBeLessThanOrEqual(nowMs());
  });

  it('still sees the changes made after that record', async () => {
    sandbox.clock.advance(60);
    sandbox.mutate.update('deals', 2, { title: 'Changed after the future record' });
    sandbox.mutate.update('products', 2, { name: 'Changed product' });
    const result = await load();
    expect(result.code).toBe(0);
    expect(await title('deals', 2, 'title')).toBe('Changed after the future record');
    expect(await title('products', 2)).toBe('Changed product');
  });

  it('reads a stream in full, with a warning, when its stored bookmark is after Pipedrive\'s clock', async () => {
    await execute(`UPDATE pipedrive.future._loader_state SET bookmark = '2099-01-01T00:00:00Z' WHERE stream IN ('deals', 'products')`);
    sandbox.clock.advance(60);
    sandbox.mutate.update('deals', 3, { title: 'Changed under an edited bookmark' });
    sandbox.mutate.update('products', 3, { name: 'Another changed product' });
    const result = await load();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/deals: the stored bookmark 2099-01-01T00:00:00Z is later than Pipedrive's own clock .*Reading the stream in full/);
    expect(result.stdout).toMatch(/products: the stored bookmark 2099-01-01T00:00:00Z is later than Pipedrive's own clock/);
    expect(await title('deals', 3, 'title')).toBe('Changed under an edited bookmark');
    expect(await title('products', 3)).toBe('Another changed product');
    const after = await bookmarks();
    for (const stream of ['deals', 'products']) expect(Date.parse(after.get(stream) ?? ''), stream).toBeLessThanOrEqual(nowMs());
  });
});
