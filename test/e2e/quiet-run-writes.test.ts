/**
 * What a scheduled run with nothing changed writes (issue 15, item 6), through the real CLI into
 * a DuckDB file: the re-read second of each stream only gets its bookkeeping columns (the values
 * are as stored), and the column map is not rewritten while the field metadata rests; a run that
 * reads the field metadata (`--refresh-lists always`) records having seen each field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

let sandbox: Sandbox;
let dir: string;
const database = (): string => join(dir, 'pipedrive.duckdb');

async function load(...extra: string[]): Promise<string> {
  const result = await spawnCli(
    ['load', '--integration', 'Quiet', '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--log-format', 'json', ...extra],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
  expect(result.code, result.stderr).toBe(0);
  const started = result.stdout.split('\n').find((line) => line.includes('"run_started"')) ?? '{}';
  return String((JSON.parse(started) as { load_id?: string }).load_id);
}

const columnMap = () => queryDuckDBFile(database(), 'SELECT * FROM quiet._loader_columns ORDER BY table_name, field_key, subfield');
const deals = () => queryDuckDBFile(database(), 'SELECT * EXCLUDE (_loaded_at, _load_id) FROM quiet.deals ORDER BY id');
const dealLoads = async () =>
  new Map((await queryDuckDBFile(database(), 'SELECT _load_id, count(*) AS n FROM quiet.deals GROUP BY ALL')).map((row) => [String(row['_load_id']), Number(row['n'])]));

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'pdl-quiet-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a run with nothing changed', () => {
  it('touches only the bookkeeping columns of the re-read rows and leaves the column map alone', async () => {
    const first = await load();
    const mapBefore = await columnMap();
    const dealsBefore = await deals();
    expect(mapBefore.length).toBeGreaterThan(10);

    sandbox.clock.advance(1800);
    const quiet = await load();
    expect(await columnMap()).toEqual(mapBefore);
    expect(await deals()).toEqual(dealsBefore);
    // The second the bookmark ends on was read again and confirmed by this run; the rest stays
    // as the first run wrote it.
    const loads = await dealLoads();
    expect(loads.get(quiet)).toBeGreaterThan(0);
    expect((loads.get(first) ?? 0) + (loads.get(quiet) ?? 0)).toBe(dealsBefore.length);
  });

  it('records having seen every field again when it reads the field metadata', async () => {
    const before = await columnMap();
    sandbox.clock.advance(1800);
    await load('--refresh-lists', 'always');
    const after = await columnMap();
    expect(after.map((row) => ({ ...row, last_seen_at: null }))).toEqual(before.map((row) => ({ ...row, last_seen_at: null })));
    const advanced = after.filter((row, index) => String(row['last_seen_at']) > String(before[index]?.['last_seen_at']));
    expect(advanced.length).toBe(after.filter((row) => row['field_type'] !== 'inferred').length);
  });
});
