/**
 * One value cannot stop a stream (issue 11, item 3). The sandbox serves deals holding dates that
 * do not exist, a time of 25:61 and amounts of 10^29 and more, and a lead source without its key;
 * the real CLI loads them into DuckDB and PostgreSQL. Every other row of the batch loads, the bad
 * values are NULL, each is recorded once in _loader_rejects (also after the records are read
 * again), a value fixed in Pipedrive clears its reject, and `state show` summarizes them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';

const SCHEMA = 'hostile';
const DEAL_A = 3;
const DEAL_B = 4;
const SOURCE = 3; // internal id of the lead source whose name (its primary key) goes missing
const STREAMS = 'deals,lead_sources';

interface Target {
  readonly name: string;
  args(): string[];
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/** The custom fields of the sandbox's deal catalog that the hostile values go into. */
function customCode(sandbox: Sandbox, type: string): string {
  const field = sandbox.fields('deal').find((f) => f.is_custom_field && f.field_type === type);
  if (!field) throw new Error(`the sandbox has no ${type} deal field`);
  return field.field_code;
}

function poison(sandbox: Sandbox): void {
  sandbox.mutate.update('deals', DEAL_A, {
    add_time: '2024-02-30T00:00:00Z',
    expected_close_date: '0000-00-00',
    value: 1e30,
    custom_fields: { [customCode(sandbox, 'time')]: '25:61', [customCode(sandbox, 'monetary')]: { value: 1e29, currency: 'EUR' } },
  });
  sandbox.mutate.update('deals', DEAL_B, {
    close_time: '0000-00-00 00:00:00',
    custom_fields: { [customCode(sandbox, 'daterange')]: { value: '2024-01-01', until: '2023-02-29' } },
  });
  sandbox.mutate.update('leadSources', SOURCE, { name: null });
}

async function sandboxCount(sandbox: Sandbox, entity: 'deals' | 'leadSources'): Promise<number> {
  let count = 0;
  // Archived deals too: the deals_archived stream loads them into the same table.
  for await (const _record of sandbox.records(entity)) count += 1;
  return count;
}

async function rejects(target: Target): Promise<string[]> {
  const rows = await target.query(
    `SELECT table_name, record_id, column_name, original_text, load_id FROM ${SCHEMA}._loader_rejects ORDER BY table_name, record_id, column_name`,
  );
  return rows.map((r) => `${String(r['table_name'])} ${String(r['record_id'])} ${String(r['column_name'])} ${String(r['original_text'])}`);
}

async function columnOf(target: Target, fieldKey: string, subfield = ''): Promise<string> {
  const [row] = await target.query(
    `SELECT column_name FROM ${SCHEMA}._loader_columns WHERE table_name = 'deals' AND field_key = '${fieldKey}' AND subfield = '${subfield}'`,
  );
  return String(row?.['column_name']);
}

function scenario(name: string, setUp: (dir: string) => Promise<Target>, tearDown: () => Promise<void>): void {
  describe(`hostile values into ${name}`, () => {
    let sandbox: Sandbox;
    let dir: string;
    let target: Target;
    const cli = (args: readonly string[]): Promise<CliResult> =>
      spawnCli([...args, ...target.args(), '--pipedrive-url', sandbox.url], {
        cwd: dir,
        env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
      });

    beforeAll(async () => {
      sandbox = await startSandbox({ seed: 17, deals: 150 });
      dir = mkdtempSync(join(tmpdir(), 'pdl-hostile-'));
      target = await setUp(dir);
      poison(sandbox);
    });
    afterAll(async () => {
      await sandbox?.close();
      await tearDown();
      rmSync(dir, { recursive: true, force: true });
    });

    it('loads every other row, stores the bad values as NULL and records each once, across reruns', async () => {
      const first = await cli(['load', '--streams', STREAMS, '--requests-per-2s', '1000']);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout + first.stderr).toMatch(/deals: 7 value\(s\) that fit no column of their type stored as NULL; recorded in _loader_rejects/);
      expect(first.stdout + first.stderr).toMatch(/lead_sources: 1 record\(s\) without a valid id skipped/);

      const [deals] = await target.query(`SELECT COUNT(*) AS n FROM ${SCHEMA}.deals`);
      expect(Number(deals?.['n'])).toBe(await sandboxCount(sandbox, 'deals'));
      const [sources] = await target.query(`SELECT COUNT(*) AS n FROM ${SCHEMA}.lead_sources`);
      expect(Number(sources?.['n'])).toBe((await sandboxCount(sandbox, 'leadSources')) - 1);

      const time = await columnOf(target, customCode(sandbox, 'time'));
      const money = await columnOf(target, customCode(sandbox, 'monetary'));
      const until = await columnOf(target, customCode(sandbox, 'daterange'), 'until');
      const range = await columnOf(target, customCode(sandbox, 'daterange'));
      const [a] = await target.query(
        `SELECT title, add_time, expected_close_date, value, ${time} AS t, ${money} AS m, ${money}_currency AS c FROM ${SCHEMA}.deals WHERE id = ${DEAL_A}`,
      );
      expect(a).toMatchObject({ add_time: null, expected_close_date: null, value: null, t: null, m: null, c: 'EUR' });
      expect(String(a?.['title'])).not.toBe('');
      const [b] = await target.query(`SELECT close_time, CAST(${range} AS VARCHAR) AS r, ${until} AS u FROM ${SCHEMA}.deals WHERE id = ${DEAL_B}`);
      expect(b).toMatchObject({ close_time: null, u: null });
      expect(String(b?.['r'])).toMatch(/^2024-01-01/);

      const expected = [
        `deals ${DEAL_A} add_time 2024-02-30T00:00:00Z`,
        `deals ${DEAL_A} expected_close_date 0000-00-00`,
        `deals ${DEAL_A} ${money} 1e+29`,
        `deals ${DEAL_A} ${time} 25:61`,
        `deals ${DEAL_A} value 1e+30`,
        `deals ${DEAL_B} close_time 0000-00-00 00:00:00`,
        `deals ${DEAL_B} ${until} 2023-02-29`,
      ].sort();
      const recorded = await rejects(target);
      expect(recorded.filter((r) => r.startsWith('deals '))).toEqual(expected);
      expect(recorded.filter((r) => r.startsWith('lead_sources '))).toEqual([
        expect.stringMatching(/^lead_sources #[0-9a-f]{16} name \{"name":null\}$/),
      ]);

      // Read again: deal A unchanged but touched, deal B's close_time fixed, lead sources re-listed.
      sandbox.clock.advance(600);
      sandbox.mutate.update('deals', DEAL_A, { title: 'Touched' });
      sandbox.mutate.update('deals', DEAL_B, { close_time: '2024-03-01T10:00:00Z' });
      const second = await cli(['load', '--streams', STREAMS, '--requests-per-2s', '1000']);
      expect(second.code, second.stderr).toBe(0);
      const after = await rejects(target);
      expect(after.filter((r) => r.startsWith('deals '))).toEqual(expected.filter((r) => !r.includes('close_time')));
      expect(after.filter((r) => r.startsWith('lead_sources '))).toEqual(recorded.filter((r) => r.startsWith('lead_sources ')));
      const [fixed] = await target.query(`SELECT CAST(close_time AS VARCHAR) AS close_time FROM ${SCHEMA}.deals WHERE id = ${DEAL_B}`);
      expect(String(fixed?.['close_time'])).toMatch(/^2024-03-01/);

      const shown = await cli(['state', 'show']);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('Rejects (7): values no column of their type can hold');
      expect(shown.stdout).toMatch(/^deals +add_time +not a valid timestamp +1 /m);
      expect(shown.stdout).toMatch(/^lead_sources +name +record without a valid name: not loaded +1 /m);
      expect(shown.stdout).toMatch(new RegExp(`^deals +${DEAL_A} +add_time +2024-02-30T00:00:00Z `, 'm'));
      expect(shown.stdout.split('\n').length).toBeLessThan(200);
      const json = await cli(['state', 'show', '--log-format', 'json']);
      const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.filter((line) => line['event'] === 'state_rejects').map((line) => [line['table'], line['column'], line['rows']])).toContainEqual([
        'deals',
        'value',
        1,
      ]);
      expect(lines.find((line) => line['event'] === 'state_reject' && line['column'] === 'add_time')).toMatchObject({
        table: 'deals',
        record_id: String(DEAL_A),
        original_text: '2024-02-30T00:00:00Z',
      });
      // Three CLI runs in child processes: slow on a busy 2-core machine, not stuck.
    }, 180_000);
  });
}

let pg: PostgresTestDatabase | undefined;

scenario(
  'DuckDB',
  async (dir) => ({
    name: 'duckdb',
    args: () => ['--schema', SCHEMA],
    query: (sql) => queryDuckDBFile(join(dir, 'pipedrive.duckdb'), sql),
  }),
  async () => undefined,
);

scenario(
  'PostgreSQL',
  async (dir) => {
    const db = await createTestDatabase();
    pg = db;
    writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...db.settings } } } }));
    return { name: 'postgres', args: () => ['--schema', SCHEMA, '--target', 'pg'], query: (sql) => db.sql(sql) };
  },
  async () => {
    await pg?.dispose();
  },
);
