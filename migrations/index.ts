/**
 * Migrations of the loader's own tables, recorded in `_loader_migrations` (version, name,
 * applied_at). `migrate` creates the schema, applies whatever is missing in version order, and is
 * safe to run at the start of every command. A loader table dropped by hand after its migration
 * was recorded is recreated: every migration runs again (they are idempotent by contract), so the
 * loader heals instead of failing every run on the missing table.
 */
import type { WarehouseClient, WarehouseSession } from '../adapters/types.js';
import type { TableSpec } from '../src/schema/types.js';
import { loaderTables } from './001_loader_tables.js';
import { loaderRejects } from './002_loader_rejects.js';
import { runWarnings } from './003_run_warnings.js';
import { LOADER_TABLES } from './tables.js';
import type { Migration } from './types.js';

export type { Migration, MigrationContext } from './types.js';
export { LOADER_TABLES } from './tables.js';

/** Every migration, in the order they apply. Append; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [loaderTables, loaderRejects, runWarnings];

const MIGRATIONS_TABLE: TableSpec = {
  name: LOADER_TABLES.migrations,
  columns: [
    { name: 'version', type: 'bigint' },
    { name: 'name', type: 'string' },
    { name: 'applied_at', type: 'timestamp' },
  ],
  primaryKey: ['version'],
};

export interface MigrateResult {
  /** Versions applied by this call, in order; empty when the schema was up to date. */
  readonly applied: number[];
}

export async function appliedVersions(client: WarehouseClient, schema: string): Promise<Set<number>> {
  const { dialect } = client;
  const rows = await client.query<{ version: unknown }>(
    `SELECT ${dialect.quoteIdentifier('version')} AS ${dialect.quoteIdentifier('version')} ` +
      `FROM ${dialect.qualify({ schema, name: LOADER_TABLES.migrations })}`,
  );
  return new Set(rows.map((row) => Number(row.version)));
}

/** The loader's own tables (besides `_loader_migrations`) that are not in the schema. */
async function missingLoaderTables(client: WarehouseClient, schema: string): Promise<string[]> {
  const present = await client.describeSchema(schema);
  return Object.values(LOADER_TABLES).filter((name) => name !== LOADER_TABLES.migrations && !present.has(name));
}

export async function migrate(
  client: WarehouseClient,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  const { dialect } = client;
  for (const sql of dialect.createSchema(schema)) await client.execute(sql);
  const bookkeeping = { schema, name: LOADER_TABLES.migrations };
  for (const sql of dialect.createTable(bookkeeping, MIGRATIONS_TABLE)) await client.execute(sql);

  const done = await appliedVersions(client, schema);
  // Healing a dropped loader table runs every migration again; their old records are replaced.
  const healing = done.size > 0 && (await missingLoaderTables(client, schema)).length > 0;
  if (healing) done.clear();
  const pending = [...migrations].filter((m) => !done.has(m.version)).sort((a, b) => a.version - b.version);
  const applied: number[] = [];
  for (const migration of pending) {
    const apply = async (session: WarehouseSession): Promise<void> => {
      await migration.up({ session, dialect, schema });
      const p = (i: number): string => dialect.parameter(i);
      // A migration run again to heal a dropped table is recorded once. (Only then: on BigQuery
      // every statement is a job.)
      if (healing) {
        await session.execute(
          `DELETE FROM ${dialect.qualify(bookkeeping)} WHERE ${dialect.quoteIdentifier('version')} = ${p(1)}`,
          [migration.version],
        );
      }
      await session.execute(
        `INSERT INTO ${dialect.qualify(bookkeeping)} (${['version', 'name', 'applied_at']
          .map((c) => dialect.quoteIdentifier(c))
          .join(', ')}) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
        [migration.version, migration.name, new Date().toISOString()],
      );
    };
    // Where DDL would commit implicitly, run it outside a transaction; migrations are idempotent.
    if (dialect.capabilities.ddlInTransaction) await client.transaction(apply);
    else await apply(client);
    applied.push(migration.version);
  }
  return { applied };
}
