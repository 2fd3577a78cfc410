/**
 * What every conformance test gets: an opened client on a fresh target, unique schema names,
 * and small helpers written only against the adapter contract (Dialect + WarehouseClient).
 */
import { afterEach, beforeEach } from 'vitest';
import type { Adapter, WarehouseClient } from '../../adapters/types.js';
import type { TargetConfig } from '../../src/config/target.js';
import type { ColumnSpec, TableRef, TableSpec } from '../../src/schema/types.js';

export interface ConformanceSubject {
  /** Shown in test names: `duckdb`, `postgres`. */
  readonly name: string;
  readonly adapter: () => Promise<Adapter>;
  /** A target for one test. Schemas are unique per test, so targets may be shared. */
  freshTarget(): Promise<TargetConfig>;
  /** Undoes `freshTarget` after the test, if needed. */
  releaseTarget?(target: TargetConfig): Promise<void>;
  /** Rows in the batch the crash test kills mid-way (default 100,000). */
  readonly crashBatchRows?: number;
  /**
   * Names for the identifier test where the warehouse refuses some of the default ones (BigQuery
   * takes no quote or semicolon in any name, and only letters, digits and underscores in a
   * dataset name). Its dialect must refuse the defaults before sending anything: unit-tested.
   */
  readonly hostileNames?: HostileNames;
  /** True where a NULL list reads back as [] (BigQuery: an ARRAY is never NULL). */
  readonly nullListReadsAsEmpty?: boolean;
}

/** The identifier test's names: each one is used as a schema, table or column name. */
export interface HostileNames {
  readonly schema: string;
  readonly table: string;
  /** An injection-shaped column name (string column). */
  readonly injection: string;
  /** A unicode column name (timestamp column). */
  readonly unicode: string;
  /** A reserved word (string column). */
  readonly reserved: string;
  /** Punctuation (string_list column). */
  readonly punctuation: string;
}

export const DEFAULT_HOSTILE_NAMES: HostileNames = {
  schema: 'we"ird; DROP SCHEMA x; --',
  table: 'Tä"ble 🚀 ; DELETE FROM x',
  injection: 'co"l; DROP TABLE t; --',
  unicode: 'ünï code',
  reserved: 'select',
  punctuation: "it's -- /* */",
};

export interface ConformanceContext {
  readonly subject: ConformanceSubject;
  readonly adapter: Adapter;
  readonly target: TargetConfig;
  /** The test's opened client; replaced by `reopen`. */
  readonly client: WarehouseClient;
  /** `base` plus a suffix unique to this test run, so tests never see each other's tables. */
  schema(base: string): string;
  /** Closes the current client (releasing e.g. DuckDB's file lock) and opens a new one. */
  reopen(): Promise<WarehouseClient>;
  /** Closes the current client without opening another. */
  closeClient(): Promise<void>;
}

let counter = 0;
const runTag = Math.random().toString(36).slice(2, 6);

/** Registers beforeEach/afterEach that fill the returned context for every test. */
export function useConformanceContext(subject: ConformanceSubject): ConformanceContext {
  let adapter: Adapter | undefined;
  let target: TargetConfig | undefined;
  let client: WarehouseClient | undefined;
  let testTag = '';
  const opened: WarehouseClient[] = [];
  const open = async (): Promise<WarehouseClient> => {
    const next = (adapter as Adapter).createClient(target as TargetConfig);
    await next.open();
    opened.push(next);
    client = next;
    return next;
  };

  beforeEach(async () => {
    adapter ??= await subject.adapter();
    target = await subject.freshTarget();
    counter += 1;
    testTag = `${runTag}${counter}`;
    await open();
  });
  afterEach(async () => {
    for (const each of opened.splice(0)) await each.close();
    if (target && subject.releaseTarget) await subject.releaseTarget(target);
  });

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`conformance context: ${what} is only available inside a test`);
    return value;
  };
  return {
    subject,
    get adapter() {
      return required(adapter, 'adapter');
    },
    get target() {
      return required(target, 'target');
    },
    get client() {
      return required(client, 'client');
    },
    schema: (base) => `${base}_${testTag}`,
    async reopen() {
      await client?.close();
      return open();
    },
    async closeClient() {
      await client?.close();
      client = undefined;
    },
  };
}

export async function createTable(client: WarehouseClient, table: TableRef, columns: readonly ColumnSpec[], primaryKey = ['id']): Promise<void> {
  const spec: TableSpec = { name: table.name, columns, primaryKey };
  for (const sql of client.dialect.createSchema(table.schema)) await client.execute(sql);
  for (const sql of client.dialect.createTable(table, spec)) await client.execute(sql);
}

/** Every row of `table`, ordered by `orderBy`, as the client returns them. */
export async function readAll(client: WarehouseClient, table: TableRef, orderBy: readonly string[] = ['id']): Promise<Record<string, unknown>[]> {
  const order = orderBy.map((name) => client.dialect.quoteIdentifier(name)).join(', ');
  return client.query(`SELECT * FROM ${client.dialect.qualify(table)} ORDER BY ${order}`);
}

export async function countRows(client: WarehouseClient, table: TableRef): Promise<number> {
  const [row] = await client.query(`SELECT COUNT(*) AS ${client.dialect.quoteIdentifier('n')} FROM ${client.dialect.qualify(table)}`);
  return Number(row?.['n']);
}
