/** Type conflicts through the planner; state committing with its batch; a crash between batches. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, type Migration } from '../../migrations/index.js';
import { upsertBatch } from '../../src/load/upsert.js';
import { createRowProjector, diff, renderPlan } from '../../src/plan/index.js';
import { StateStore } from '../../src/state/store.js';
import type { ColumnSpec, Row, TableSpec } from '../../src/schema/types.js';
import { createTable, DEFAULT_HOSTILE_NAMES, readAll, type ConformanceContext } from './context.js';

const CRASH_CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

export function stateCases(ctx: ConformanceContext): void {
  describe('type conflicts through src/plan', () => {
    it('loads a desired type that differs from the existing column without losing data', async () => {
      const schema = ctx.schema('conflicts');
      const table = { schema, name: 'deals' };
      const existing: ColumnSpec[] = [
        { name: 'id', type: 'bigint' },
        { name: 'priority', type: 'bigint' }, // desired string: a typed sibling
        { name: 'amount', type: 'double' }, // desired bigint: converted into the double column
        { name: 'happened', type: 'timestamp' }, // desired date: midnight UTC
        { name: 'label', type: 'string_list' }, // desired string: a one-element list
        { name: 'note', type: 'string' }, // desired bigint: its text
      ];
      await createTable(ctx.client, table, existing);
      await upsertBatch(ctx.client, {
        target: table,
        columns: existing,
        rows: [{ id: 1, priority: 3, amount: 1.5, happened: '2024-01-01T10:00:00Z', label: ['a', 'b'], note: 'old' }],
        primaryKey: ['id'],
      });

      const desired: TableSpec = {
        name: 'deals',
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'priority', type: 'string' },
          { name: 'amount', type: 'bigint' },
          { name: 'happened', type: 'date' },
          { name: 'label', type: 'string' },
          { name: 'note', type: 'bigint' },
          { name: 'added', type: 'decimal' },
        ],
        primaryKey: ['id'],
      };
      const plan = diff([desired], await ctx.client.describeSchema(schema), { schemaExists: true });
      const tablePlan = plan.tables[0];
      if (!tablePlan) throw new Error('no table plan');
      expect(tablePlan.conflicts.map((c) => [c.column, c.resolution, c.writtenTo])).toEqual([
        ['priority', 'sibling', 'priority__string'],
        ['amount', 'convert', 'amount'],
        ['happened', 'convert', 'happened'],
        ['label', 'convert', 'label'],
        ['note', 'convert', 'note'],
      ]);
      const statements = renderPlan(plan, ctx.client.dialect, schema);
      await ctx.client.transaction(async (session) => {
        for (const sql of statements) await session.execute(sql);
      });
      const projector = createRowProjector(tablePlan);
      const shaped: Row[] = [{ id: 2, priority: 'high', amount: 7, happened: '2024-02-03', label: 'solo', note: 42, added: '10.5' }];
      await upsertBatch(ctx.client, {
        target: table,
        columns: projector.columns,
        rows: shaped.map((row) => projector.project(row)),
        primaryKey: tablePlan.primaryKey,
      });
      expect(await readAll(ctx.client, table)).toEqual([
        { id: 1, priority: 3, amount: 1.5, happened: '2024-01-01T10:00:00Z', label: ['a', 'b'], note: 'old', priority__string: null, added: null },
        { id: 2, priority: null, amount: 7, happened: '2024-02-03T00:00:00Z', label: ['solo'], note: '42', priority__string: 'high', added: '10.5' },
      ]);
    });
  });

  describe('state', () => {
    it('migrates the loader tables once, and records nothing of a failed migration', async () => {
      const schema = ctx.schema((ctx.subject.hostileNames ?? DEFAULT_HOSTILE_NAMES).schema);
      expect(await migrate(ctx.client, schema)).toEqual({ applied: MIGRATIONS.map((m) => m.version) });
      expect(await migrate(ctx.client, schema)).toEqual({ applied: [] });
      const next = Math.max(...MIGRATIONS.map((m) => m.version)) + 1;
      const broken: Migration = {
        version: next,
        name: 'broken',
        async up({ session, dialect }) {
          for (const sql of dialect.createTable({ schema, name: 'half_done' }, { name: 'half_done', columns: [{ name: 'a', type: 'bigint' }], primaryKey: [] })) {
            await session.execute(sql);
          }
          throw new Error('broken migration');
        },
      };
      await expect(migrate(ctx.client, schema, [...MIGRATIONS, broken])).rejects.toThrow('broken migration');
      // The failed migration is not recorded: once fixed, the next run applies it.
      const fixed: Migration = { version: next, name: 'fixed', async up() {} };
      expect(await migrate(ctx.client, schema, [...MIGRATIONS, fixed])).toEqual({ applied: [next] });
      const tables = await ctx.client.describeSchema(schema);
      const loaderTables = ['_loader_columns', '_loader_migrations', '_loader_rejects', '_loader_runs', '_loader_state'];
      // Where DDL commits by itself the half-done table may stay (migrations/types.ts says so).
      const expected = ctx.client.dialect.capabilities.ddlInTransaction ? loaderTables : [...loaderTables, 'half_done'];
      expect([...tables.keys()].sort()).toEqual(expected);
    });

    it('writes the column map per batch: over a statement\'s worth of mappings, replaced by key, the last of a key winning', async () => {
      const schema = ctx.schema('column_map');
      await migrate(ctx.client, schema);
      const store = new StateStore(ctx.client, schema);
      const mapping = (table: string, key: string, subfield: string, name: string) => ({
        table_name: table,
        field_key: key,
        subfield,
        column_name: `${key}_${subfield}`.replace(/_$/, ''),
        field_name: name,
        field_type: subfield === '' ? 'varchar' : 'monetary',
        first_seen_at: '2024-01-01T00:00:00Z',
        last_seen_at: '2024-01-02T00:00:00Z',
      });
      // 1,203 mappings: three statements' worth (500 each), keys differing only by table or subfield.
      const first = Array.from({ length: 401 }, (_, i) => [
        mapping('deals', `k${String(i).padStart(3, '0')}`, '', `Field ${i}`),
        mapping('deals', `k${String(i).padStart(3, '0')}`, 'currency', `Field ${i} "€"`),
        mapping('persons', `k${String(i).padStart(3, '0')}`, '', `Person's ${i}`),
      ]).flat();
      await ctx.client.transaction((session) => store.saveColumnMappings(session, first));
      expect(await store.readColumnMappings()).toHaveLength(first.length);
      // Renamed fields replace their rows; a key given twice keeps the last.
      const renamed = [mapping('deals', 'k007', 'currency', 'first'), mapping('persons', 'k400', '', 'Renamed'), mapping('deals', 'k007', 'currency', 'last')];
      await ctx.client.transaction((session) => store.saveColumnMappings(session, renamed));
      const stored = await store.readColumnMappings();
      expect(stored).toHaveLength(first.length);
      const find = (table: string, key: string, subfield: string) =>
        stored.find((m) => m.table_name === table && m.field_key === key && m.subfield === subfield)?.field_name;
      expect(find('deals', 'k007', 'currency')).toBe('last');
      expect(find('persons', 'k400', '')).toBe('Renamed');
      expect(find('deals', 'k007', '')).toBe('Field 7');
      expect(find('deals', 'k400', 'currency')).toBe('Field 400 "€"');
      expect(find('persons', 'k399', '')).toBe("Person's 399");
    });

    it('commits the bookmark atomically with the batch: both, or neither', async () => {
      const schema = ctx.schema('state');
      await migrate(ctx.client, schema);
      const store = new StateStore(ctx.client, schema);
      const target = { schema, name: 'deals' };
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'bigint' },
        { name: 'update_time', type: 'timestamp' },
      ];
      await createTable(ctx.client, target, columns);
      const batch = (id: number, time: string) => ({ target, columns, rows: [{ id, update_time: time }], primaryKey: ['id'], newestBy: 'update_time' });
      await upsertBatch(ctx.client, batch(1, '2024-01-01T00:00:00Z'), (s) => store.saveBookmark(s, 'deals', '2024-01-01T00:00:00Z', 'l1'));
      const stateError = new Error('crash after the bookmark');
      const failed = upsertBatch(ctx.client, batch(2, '2024-01-02T00:00:00Z'), async (s) => {
        await store.saveBookmark(s, 'deals', '2024-01-02T00:00:00Z', 'l1');
        throw stateError;
      });
      // The caller's own error comes back unchanged, not relabelled as a warehouse error.
      await expect(failed).rejects.toBe(stateError);
      expect(await readAll(ctx.client, target)).toEqual([{ id: 1, update_time: '2024-01-01T00:00:00Z' }]);
      expect(await store.readBookmarks()).toEqual(new Map([['deals', '2024-01-01T00:00:00Z']]));
      // An empty batch still commits its state.
      await upsertBatch(ctx.client, { ...batch(3, ''), rows: [] }, (s) => store.saveBookmark(s, 'deals', '2024-01-03T00:00:00Z', 'l2'));
      expect(await store.readBookmarks()).toEqual(new Map([['deals', '2024-01-03T00:00:00Z']]));
    });

    it('keeps one reject per (table, record, column), replaced or cleared with its batch', async () => {
      const schema = ctx.schema('rejects');
      await migrate(ctx.client, schema);
      const store = new StateStore(ctx.client, schema);
      const bad = (recordId: string, column: string, original: string) => ({ recordId, column, original, reason: `not a valid ${column}` });
      await ctx.client.transaction((s) =>
        store.replaceRejects(s, 'deals', ['1', '2', '3'], [bad('1', 'add_time', '2024-02-30'), bad('1', 'value', '1e30'), bad('2', 'add_time', 'x'), bad('2', 'add_time', "o'ne")], 'l1', '2024-01-01T00:00:00Z'),
      );
      // Read again: record 1 still bad in one column, record 2 now clean; another table untouched.
      await ctx.client.transaction((s) => store.replaceRejects(s, 'persons', ['1'], [bad('1', 'add_time', '0000-00-00')], 'l2', '2024-01-02T00:00:00Z'));
      await ctx.client.transaction((s) => store.replaceRejects(s, 'deals', ['1', '2'], [bad('1', 'value', '1e31')], 'l2', '2024-01-02T00:00:00Z'));
      // A batch that rolls back takes its rejects with it.
      const crash = new Error('crash');
      await expect(
        ctx.client.transaction(async (s) => {
          await store.replaceRejects(s, 'deals', ['9'], [bad('9', 'value', '1e40')], 'l3', '2024-01-03T00:00:00Z');
          throw crash;
        }),
      ).rejects.toBe(crash);
      expect(await store.readNewestRejects(10)).toEqual([
        { table: 'deals', recordId: '1', column: 'value', original: '1e31', reason: 'not a valid value', loadId: 'l2', rejectedAt: '2024-01-02T00:00:00Z' },
        { table: 'persons', recordId: '1', column: 'add_time', original: '0000-00-00', reason: 'not a valid add_time', loadId: 'l2', rejectedAt: '2024-01-02T00:00:00Z' },
      ]);
      expect(await store.readRejectCounts()).toEqual([
        { table: 'deals', column: 'value', reason: 'not a valid value', count: 1, lastAt: '2024-01-02T00:00:00Z' },
        { table: 'persons', column: 'add_time', reason: 'not a valid add_time', count: 1, lastAt: '2024-01-02T00:00:00Z' },
      ]);
      expect(await store.tablesWithRejects()).toEqual(new Set(['deals', 'persons']));
    });

    it('keeps exactly the committed batch after a process is killed inside the next one', async () => {
      const schema = ctx.schema('crash');
      // The child must be the only writer (DuckDB's file lock): close this test's client first.
      await ctx.closeClient();
      const rows = String(ctx.subject.crashBatchRows ?? 100_000);
      const child = spawn(process.execPath, ['--import', 'tsx', CRASH_CHILD, JSON.stringify(ctx.target), schema, rows], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
      await new Promise<void>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('INSIDE_SECOND_BATCH')) resolve();
        });
        child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const client = await ctx.reopen();
      const target = { schema, name: 'deals' };
      const [summary] = await client.query(
        `SELECT COUNT(*) AS ${client.dialect.quoteIdentifier('n')}, MIN(${client.dialect.quoteIdentifier('id')}) AS ${client.dialect.quoteIdentifier('lo')}, ` +
          `MAX(${client.dialect.quoteIdentifier('id')}) AS ${client.dialect.quoteIdentifier('hi')} FROM ${client.dialect.qualify(target)}`,
      );
      expect(summary).toEqual({ n: 1000, lo: 1, hi: 1000 });
      expect(await new StateStore(client, schema).readBookmarks()).toEqual(new Map([['deals', '2024-01-01T00:00:00Z']]));
    });
  });
}
