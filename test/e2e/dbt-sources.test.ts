/**
 * `dbt-sources` as a user runs it: the real CLI in its own process, after a load from the
 * sandbox. The file is checked against dbt's documented sources schema and against the warehouse
 * itself (every table and column described); regenerating it keeps the user's edits and changes
 * only the lines of what changed in Pipedrive.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { dbtSourcesValidator } from '../unit/dbt/dbt-schema.js';
import { queryDuckDBFile } from '../helpers/duckdb-file.js';

const INTEGRATION = 'Dbt Test';
const SCHEMA = 'dbt_test';
let sandbox: Sandbox;
let dir: string;

interface Column {
  name: string;
  description: string;
  data_tests?: unknown[];
  meta?: Record<string, unknown>;
}
interface Table {
  name: string;
  description: string;
  columns: Column[];
}
interface Source {
  name: string;
  schema: string;
  loaded_at_field: string;
  freshness: { warn_after: { count: number; period: string }; error_after: { count: number; period: string } };
  tables: Table[];
}

function cli(args: readonly string[]): Promise<CliResult> {
  return spawnCli([...args, '--pipedrive-url', sandbox.url], {
    cwd: dir,
    env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
  });
}

async function load(...extra: string[]): Promise<void> {
  const result = await cli(['load', '--integration', INTEGRATION, '--requests-per-2s', '1000', ...extra]);
  expect(result.code, result.stderr).toBe(0);
}

function query(sql: string): Promise<Record<string, unknown>[]> {
  return queryDuckDBFile(join(dir, 'pipedrive.duckdb'), sql);
}

function sourceOf(text: string): Source {
  const source = (parse(text) as { sources: Source[] }).sources[0];
  if (!source) throw new Error('no source');
  return source;
}

function column(source: Source, table: string, name: string): Column {
  const found = source.tables.find((t) => t.name === table)?.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${table}.${name}`);
  return found;
}

/** Lines only in `a`, with multiplicity. */
function linesOnlyIn(a: string, b: string): string[] {
  const remaining = new Map<string, number>();
  for (const line of b.split('\n')) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  return a.split('\n').filter((line) => {
    const count = remaining.get(line) ?? 0;
    if (count === 0) return true;
    remaining.set(line, count - 1);
    return false;
  });
}

const OUT = 'models/sources/pipedrive.yml';

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 13, deals: 200 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-dbt-'));
  await load();
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dbt-sources', () => {
  it('writes a sources.yml that dbt accepts, describing every table and column of the schema', async () => {
    const result = await cli(['dbt-sources', '--integration', INTEGRATION]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Wrote ${OUT}: \\d+ tables, \\d+ columns, schema ${SCHEMA}\\.$`, 'm'));
    const text = readFileSync(join(dir, OUT), 'utf8');
    const document = parse(text) as unknown;
    const validate = dbtSourcesValidator();
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);

    const source = sourceOf(text);
    expect(source).toMatchObject({
      name: 'pipedrive',
      schema: SCHEMA,
      loaded_at_field: '_loaded_at',
      freshness: { warn_after: { count: 1, period: 'hour' }, error_after: { count: 3, period: 'hour' } },
    });
    const columns = await query(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = '${SCHEMA}' AND table_name NOT LIKE '\\_loader\\_%' ESCAPE '\\'`,
    );
    const expected = new Map<string, string[]>();
    for (const row of columns) {
      const table = String(row['table_name']);
      expected.set(table, [...(expected.get(table) ?? []), String(row['column_name'])]);
    }
    expect(source.tables.map((t) => t.name).sort()).toEqual([...expected.keys()].sort());
    for (const table of source.tables) {
      expect(table.description, table.name).not.toBe('');
      expect(table.columns.map((c) => c.name).sort(), table.name).toEqual([...(expected.get(table.name) ?? [])].sort());
      for (const c of table.columns) expect(c.description, `${table.name}.${c.name}`).not.toBe('');
    }
    expect(column(source, 'deals', 'id').data_tests).toEqual(['unique', 'not_null']);
    expect(column(source, 'deal_fields', 'field_code').data_tests).toEqual(['unique', 'not_null']);
  });

  it('gives each custom field its Pipedrive name and type, and each enum field its options', async () => {
    const source = sourceOf(readFileSync(join(dir, OUT), 'utf8'));
    const enums = await query(
      `SELECT f.field_name, f.options, c.column_name FROM ${SCHEMA}.deal_fields f
       JOIN ${SCHEMA}._loader_columns c ON c.field_key = f.field_code AND c.table_name = 'deals' AND c.subfield = ''
       WHERE f.is_custom_field AND f.field_type = 'enum'`,
    );
    expect(enums.length).toBeGreaterThan(0);
    for (const field of enums) {
      const description = column(source, 'deals', String(field['column_name'])).description;
      expect(description).toContain(`Custom field '${String(field['field_name'])}' (enum: `);
      const labels = (JSON.parse(String(field['options'])) as { label: string }[]).map((option) => option.label);
      for (const label of labels.slice(0, 25)) expect(description).toContain(label);
    }
  });

  it('says per table how its deletes are detected in _deleted_at', async () => {
    const source = sourceOf(readFileSync(join(dir, OUT), 'utf8'));
    const deletedAt = (table: string): string => column(source, table, '_deleted_at').description;
    // Full streams: every run, for free.
    expect(deletedAt('stages')).toMatch(/^When the loader found that Pipedrive no longer lists this record .*Checked on every run, at no extra cost/);
    expect(deletedAt('deal_fields')).toMatch(/no longer lists this field .*Checked on every run/);
    // Incremental and newest-first tables: a key scan on the cadence.
    for (const table of ['persons', 'products', 'leads']) expect(deletedAt(table), table).toMatch(/key scan on the --reconcile-deletes cadence/);
    expect(deletedAt('persons')).not.toMatch(/every run/);
    // Deals also carry Pipedrive's own delete; deal products are checked per re-read deal.
    expect(deletedAt('deals')).toMatch(/^Deals Pipedrive reports deleted \(status deleted\) carry their update time\. .*key scan/);
    expect(deletedAt('deal_products')).toMatch(/gone from its deal .*Checked whenever the deal changes/);
    // The one text all tables had before, which was wrong for all but deals, is gone.
    for (const table of source.tables) expect(deletedAt(table.name)).not.toContain('When Pipedrive marked the record deleted');
  });

  it('leaves an up-to-date file untouched', async () => {
    const before = statSync(join(dir, OUT)).mtimeMs;
    const content = readFileSync(join(dir, OUT), 'utf8');
    const result = await cli(['dbt-sources', '--integration', INTEGRATION]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${OUT} is up to date \\(\\d+ tables, \\d+ columns\\)\\.$`, 'm'));
    expect(readFileSync(join(dir, OUT), 'utf8')).toBe(content);
    expect(statSync(join(dir, OUT)).mtimeMs).toBe(before);
  });

  it('after a rename and a new field in Pipedrive, changes only those lines and keeps the user’s edits', async () => {
    // The user documents a column and adds meta.
    const original = readFileSync(join(dir, OUT), 'utf8');
    const header = original.slice(0, original.indexOf('version:'));
    const file = parse(original) as { sources: Source[] };
    const title = file.sources[0]?.tables.find((t) => t.name === 'deals')?.columns.find((c) => c.name === 'title');
    if (!title) throw new Error('no deals.title');
    title.description = 'The deal title, as sales wrote it.';
    title.meta = { owner: 'sales-ops' };
    const edited = header + stringify(file, { lineWidth: 0 });
    writeFileSync(join(dir, OUT), edited);

    // Pipedrive changes: a custom field is renamed, another is created.
    const renamed = sandbox.fields('deal').find((f) => f.is_custom_field && f.field_type === 'varchar');
    if (!renamed) throw new Error('no varchar custom field');
    sandbox.mutate.renameField('deal', renamed.field_code, 'Renamed In Pipedrive');
    sandbox.mutate.addField('deal', { name: 'Churn risk', field_type: 'enum', options: ['Low', 'High'] });
    // No record uses either change, so only a field-metadata read brings them: this load's (the
    // cadence would bring them within --refresh-lists, 6 h by default).
    await load('--refresh-lists', 'always');

    const result = await cli(['dbt-sources', '--integration', INTEGRATION, '--log-format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(written).toMatchObject({ level: 'info', event: 'sources_written', path: OUT, load_id: null, tables: expect.any(Number) });

    const regenerated = readFileSync(join(dir, OUT), 'utf8');
    const source = sourceOf(regenerated);
    expect(column(source, 'deals', 'title')).toMatchObject({ description: 'The deal title, as sales wrote it.', meta: { owner: 'sales-ops' } });
    expect(column(source, 'deals', 'churn_risk').description).toBe("Custom field 'Churn risk' (enum: Low, High).");
    // Changed lines: the renamed field's description (on every table carrying deal fields) and
    // the new column (its name and description, on the same tables).
    const removed = linesOnlyIn(edited, regenerated);
    const added = linesOnlyIn(regenerated, edited);
    expect(removed.length).toBeGreaterThan(0);
    for (const line of removed) expect(line).toContain(`Custom field '${renamed.field_name}'`);
    for (const line of added) expect(line).toMatch(/Renamed In Pipedrive|churn_risk|Churn risk/);
    expect(added.filter((line) => line.includes('name: churn_risk')).length).toBeGreaterThan(0);
  });

  it('prints the file with --out - (logs on stderr), and takes the schedule for freshness', async () => {
    const result = await cli(['dbt-sources', '--integration', INTEGRATION, '--out', '-', '--schedule', '6h']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Printed sources for \d+ tables/);
    expect(dbtSourcesValidator()(parse(result.stdout))).toBe(true);
    expect(sourceOf(result.stdout).freshness).toEqual({
      warn_after: { count: 12, period: 'hour' },
      error_after: { count: 36, period: 'hour' },
    });
  });

  it('refuses a schema the loader never wrote', async () => {
    const result = await cli(['dbt-sources', '--integration', 'Not Loaded', '--out', 'other.yml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Schema not_loaded in DuckDB file \.\/pipedrive\.duckdb was not loaded by pipedrive-loader/);
    expect(existsSync(join(dir, 'other.yml'))).toBe(false);
  });
});
