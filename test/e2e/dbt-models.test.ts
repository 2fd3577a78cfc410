/**
 * `dbt-models` as a user runs it, on DuckDB and PostgreSQL: the real CLI loads the sandbox and
 * writes the models; each model is rendered (source() and the deleted-rows variable substituted)
 * and built as a view in the warehouse, and every generated data test runs as the SQL dbt would
 * compile (test/unit/dbt/models-compile.ts). They pass on the sandbox, and fail exactly where a
 * relation or an enum value is broken on purpose. On DuckDB, regeneration keeps edited files.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { spawnCli, type CliResult } from '../helpers/cli.js';
import { createTestDatabase, type PostgresTestDatabase } from '../helpers/postgres.js';
import { compileTests, renderModel, type CompiledTest, type RenderContext } from '../unit/dbt/models-compile.js';
import { dbtModelsValidator } from '../unit/dbt/models-schema.js';

type Row = Record<string, unknown>;
type Query = (sql: string) => Promise<Row[]>;

interface Engine {
  readonly targetArgs: readonly string[];
  /** Runs `work` with one connection (DuckDB: the file is opened only while the CLI is not running). */
  session<T>(work: (query: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const SCHEMA = 'dbt_models_e2e';
const BUILT = 'dbt_built';
const OUT = 'models/pipedrive';
const HOSTILE = 'Weird "col" order';

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function duckdbEngine(dir: string): Engine {
  return {
    targetArgs: [],
    async session(work) {
      const instance = await DuckDBInstance.create(join(dir, 'pipedrive.duckdb'));
      const connection = await instance.connect();
      try {
        return await work(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS());
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    },
    close: async () => undefined,
  };
}

async function postgresEngine(dir: string): Promise<Engine> {
  const db: PostgresTestDatabase = await createTestDatabase();
  writeFileSync(join(dir, 'profiles.yml'), stringify({ pipedrive: { target: 'pg', outputs: { pg: { type: 'postgres', ...db.settings } } } }));
  return {
    targetArgs: ['--target', 'pg'],
    session: (work) => work((sql) => db.sql(sql)),
    close: () => db.dispose(),
  };
}

describe.each([
  ['DuckDB', (dir: string): Promise<Engine> => Promise.resolve(duckdbEngine(dir))],
  ['PostgreSQL', postgresEngine],
])('dbt-models on %s', (warehouse, makeEngine) => {
  let sandbox: Sandbox;
  let dir: string;
  let engine: Engine;
  let tierLabels: string[];

  function cli(args: readonly string[]): Promise<CliResult> {
    return spawnCli([...args, '--schema', SCHEMA, ...engine.targetArgs, '--pipedrive-url', sandbox.url], {
      cwd: dir,
      env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined },
    });
  }

  const context: RenderContext = {
    source: (_source, table) => `${SCHEMA}.${table}`,
    ref: (model) => `${BUILT}.${model}`,
    quote,
  };

  function modelFiles(extension: string): string[] {
    return readdirSync(join(dir, OUT)).filter((file) => file.endsWith(extension)).sort();
  }

  /** Builds every model as a view, as `dbt run` would (views are dbt's default materialization). */
  async function buildModels(query: Query, rendering: RenderContext = context): Promise<void> {
    await query(`create schema if not exists ${BUILT}`);
    for (const file of modelFiles('.sql')) {
      const sql = renderModel(readFileSync(join(dir, OUT, file), 'utf8'), rendering);
      await query(`create or replace view ${BUILT}.${file.replace(/\.sql$/, '')} as ${sql}`);
    }
  }

  type Failing = CompiledTest & { failures: number };

  /** Builds the models, then runs every data test; returns the failing ones. */
  async function failingTests(includeDeleted = false): Promise<Failing[]> {
    const rendering = { ...context, includeDeleted };
    return engine.session(async (query) => {
      await buildModels(query, rendering);
      const failing: Failing[] = [];
      for (const file of modelFiles('.yml')) {
        for (const test of compileTests(readFileSync(join(dir, OUT, file), 'utf8'), rendering)) {
          const failures = Number((await query(test.sql))[0]?.['failures']);
          if (failures !== 0) failing.push({ ...test, failures });
        }
      }
      return failing;
    });
  }

  function byTest(failing: readonly Failing[]): Map<string, number> {
    return new Map(failing.map((t) => [`${t.model}.${t.column} ${t.kind} ${t.severity}`, t.failures]));
  }

  /** Ids of records the sandbox holds but serves in no list: deleted or merged. */
  async function hiddenIds(entity: SandboxEntity): Promise<string[]> {
    const served = new Set<string>();
    for await (const record of sandbox.records(entity)) served.add(String(record['id']));
    const hidden: string[] = [];
    for await (const record of sandbox.records(entity, { includeHidden: true })) {
      if (!served.has(String(record['id']))) hidden.push(String(record['id']));
    }
    return hidden;
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 13, deals: 200 });
    dir = mkdtempSync(join(tmpdir(), 'pdl-dbt-models-'));
    engine = await makeEngine(dir);
    // An enum whose name and labels carry quotes, a backslash and Jinja; a deleted and an archived deal.
    tierLabels = ["Owner's pick", 'Back\\slash', 'Gold'];
    const tier = sandbox.mutate.addField('deal', { name: "Tier's {{ level }}", field_type: 'enum', options: tierLabels });
    const options = sandbox.fields('deal').find((field) => field.field_code === tier)?.options ?? [];
    sandbox.mutate.update('deals', 1, { custom_fields: { [tier]: options[0]?.id } });
    sandbox.mutate.update('deals', 2, { custom_fields: { [tier]: options[1]?.id } });
    sandbox.mutate.delete('deals', 3);
    sandbox.mutate.archive('deals', 4);
    const load = await cli(['load', '--requests-per-2s', '1000']);
    expect(load.code, load.stderr).toBe(0);
    // A column made by hand in the schema, with a name that needs quoting everywhere.
    await engine.session((query) => query(`alter table ${SCHEMA}.deals add column ${quote(HOSTILE)} varchar`));
    const models = await cli(['dbt-models']);
    expect(models.code, models.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one model and one valid properties file per loaded table, every column listed', async () => {
    const tables = await engine.session((query) =>
      query(
        `select table_name, column_name from information_schema.columns where table_schema = '${SCHEMA}' ` +
          `and table_name not like '\\_loader\\_%' escape '\\'`,
      ),
    );
    const columns = new Map<string, string[]>();
    for (const row of tables) columns.set(String(row['table_name']), [...(columns.get(String(row['table_name'])) ?? []), String(row['column_name'])]);
    expect(modelFiles('.sql')).toEqual([...columns.keys()].map((table) => `stg_pipedrive__${table}.sql`).sort());
    const validate = dbtModelsValidator();
    for (const [table, names] of columns) {
      const sql = readFileSync(join(dir, OUT, `stg_pipedrive__${table}.sql`), 'utf8');
      expect(sql).not.toMatch(/select\s+\*/i);
      expect(sql).toContain(`{{ source('pipedrive', '${table}') }}`);
      const yaml = parse(readFileSync(join(dir, OUT, `stg_pipedrive__${table}.yml`), 'utf8')) as { models: { columns: { name: string }[] }[] };
      expect(validate(yaml), JSON.stringify(validate.errors)).toBe(true);
      expect(yaml.models[0]?.columns.map((c) => c.name).sort(), table).toEqual([...names].sort());
    }
    const deals = readFileSync(join(dir, OUT, 'stg_pipedrive__deals.sql'), 'utf8');
    expect(deals).toContain(`    ${quote(HOSTILE)}`);
    expect(deals).toContain('    robert_drop_table_deals,');
  });

  it('builds every model in the warehouse: live rows only by default, all rows with the variable, archived deals kept', async () => {
    await engine.session(async (query) => {
      await buildModels(query);
      const count = async (sql: string): Promise<number> => Number((await query(sql))[0]?.['n']);
      expect(await count(`select count(*) as n from ${BUILT}.stg_pipedrive__deals`)).toBe(
        await count(`select count(*) as n from ${SCHEMA}.deals where _deleted_at is null`),
      );
      expect(await count(`select count(*) as n from ${BUILT}.stg_pipedrive__deals where id = 3`)).toBe(0);
      expect(await count(`select count(*) as n from ${BUILT}.stg_pipedrive__deals where id = 4 and is_archived`)).toBe(1);
      // The enum labels with a quote and a backslash arrived as written (the accepted_values test reads them).
      expect(await count(`select count(*) as n from ${BUILT}.stg_pipedrive__deals where tier_s_level in ('Owner''s pick', 'Back\\slash')`)).toBe(2);
      const all = renderModel(readFileSync(join(dir, OUT, 'stg_pipedrive__deals.sql'), 'utf8'), { ...context, includeDeleted: true });
      expect(await count(`select count(*) as n from (${all}) m`)).toBe(await count(`select count(*) as n from ${SCHEMA}.deals`));
      expect(await count(`select count(*) as n from (${all}) m where id = 3`)).toBe(1);
    });
  }, 120_000);

  let baseline: Map<string, number>;

  it('passes every error-severity test on the sandbox; each warning is a link to a deleted record or a deleted option', async () => {
    const tests = compileTests(readFileSync(join(dir, OUT, 'stg_pipedrive__deals.yml'), 'utf8'), context);
    expect(tests.filter((t) => t.kind === 'relationships').map((t) => t.column)).toEqual(
      expect.arrayContaining(['person_id', 'org_id', 'stage_id', 'pipeline_id', 'owner_id', 'creator_user_id']),
    );
    expect(tests.find((t) => t.kind === 'accepted_values' && t.column === 'tier_s_level')).toBeDefined();

    const failing = await failingTests();
    baseline = byTest(failing);
    // dbt build succeeds: only `severity: warn` tests find rows.
    expect(failing.filter((t) => t.severity === 'error')).toEqual([]);
    // The sandbox, like Pipedrive, keeps ids of deleted records (and of deleted enum options) on live rows.
    expect(failing.filter((t) => t.kind === 'relationships').length).toBeGreaterThan(0);
    // With deleted rows kept, what still dangles points at records deleted before the first load,
    // which the warehouse never saw.
    for (const test of (await failingTests(true)).filter((t) => t.kind === 'relationships')) {
      expect(test.severity).toBe('warn');
      const hidden = await hiddenIds((test.to ?? '').replace(/^stg_pipedrive__/, '') as SandboxEntity);
      const dangling = await engine.session((query) => query(test.main));
      for (const row of dangling) expect(hidden, `${test.model}.${test.column} → ${String(row['from_field'])}`).toContain(String(row['from_field']));
    }
    for (const test of failing.filter((t) => t.kind === 'accepted_values')) {
      const values = await engine.session((query) => query(test.main));
      for (const row of values) expect(String(row['value_field']), `${test.model}.${test.column}`).toMatch(/^\d+$/);
    }
  }, 180_000);

  it('fails exactly the tests whose relation or value is broken on purpose', async () => {
    await engine.session(async (query) => {
      const live = await query(`select id, stage_id from ${SCHEMA}.deals where _deleted_at is null and person_id is not null order by id limit 2`);
      const [first, second] = live.map((row) => Number(row['id']));
      await query(`update ${SCHEMA}.deals set person_id = 999999999 where id = ${String(first)}`);
      await query(`update ${SCHEMA}.deals set tier_s_level = 'Platinum' where id = ${String(second)}`);
      await query(`update ${SCHEMA}.stages set _deleted_at = add_time where id = ${Number(live[0]?.['stage_id'])}`);
    });
    const after = byTest(await failingTests());
    const changed = [...new Set([...after.keys(), ...baseline.keys()])].filter((key) => after.get(key) !== baseline.get(key)).sort();
    expect(changed).toEqual([
      'stg_pipedrive__deals.person_id relationships warn',
      'stg_pipedrive__deals.stage_id relationships error',
      'stg_pipedrive__deals.tier_s_level accepted_values warn',
    ]);
    expect(after.get('stg_pipedrive__deals.person_id relationships warn')).toBe((baseline.get('stg_pipedrive__deals.person_id relationships warn') ?? 0) + 1);
    expect(after.get('stg_pipedrive__deals.tier_s_level accepted_values warn')).toBe(1);
  }, 120_000);

  it.runIf(warehouse === 'DuckDB')('regenerating rewrites only untouched files and reports the others', async () => {
    const deals = join(dir, OUT, 'stg_pipedrive__deals.yml');
    const persons = join(dir, OUT, 'stg_pipedrive__persons.sql');
    const users = join(dir, OUT, 'stg_pipedrive__users.sql');
    const stages = join(dir, OUT, 'stg_pipedrive__stages.sql');
    const same = await cli(['dbt-models']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/: 0 files written, 0 updated, \d+ unchanged, 0 kept\./);

    const editedPersons = readFileSync(persons, 'utf8').replace('from {{', '-- my note\nfrom {{');
    writeFileSync(persons, editedPersons);
    const foreignUsers = readFileSync(users, 'utf8').split('\n').slice(1).join('\n');
    writeFileSync(users, foreignUsers);
    const stagesBefore = statSync(stages).mtimeMs;
    sandbox.mutate.addField('deal', { name: 'Churn risk', field_type: 'enum', options: ['Low', 'High'] });
    // No record uses the new field yet: only a field-metadata read brings it, so this load reads
    // the metadata (the cadence, --refresh-lists, would within 6 h).
    const reload = await cli(['load', '--requests-per-2s', '1000', '--refresh-lists', 'always']);
    expect(reload.code, reload.stderr).toBe(0);

    const result = await cli(['dbt-models']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Warning: Kept ${OUT}/stg_pipedrive__persons.sql: changed by hand since it was generated`);
    expect(result.stdout).toContain(`Warning: Kept ${OUT}/stg_pipedrive__users.sql: not written by dbt-models`);
    expect(result.stdout).toMatch(/: 0 files written, [1-9]\d* updated, \d+ unchanged, 2 kept\./);
    expect(readFileSync(persons, 'utf8')).toBe(editedPersons);
    expect(readFileSync(users, 'utf8')).toBe(foreignUsers);
    expect(statSync(stages).mtimeMs).toBe(stagesBefore);
    expect(readFileSync(deals, 'utf8')).toContain('name: churn_risk');
    expect(existsSync(`${deals}.${process.pid}.tmp`)).toBe(false);
  }, 300_000);
});
