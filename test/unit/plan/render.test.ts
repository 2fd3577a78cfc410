import { describe, expect, it } from 'vitest';
import type { Capabilities, Dialect } from '../../../adapters/types.js';
import { diff } from '../../../src/plan/diff.js';
import { renderPlan } from '../../../src/plan/render.js';
import type { ColumnSpec, LogicalType, TableRef, TableSpec } from '../../../src/schema/types.js';

/** A minimal dialect that renders readable pseudo-SQL, enough to see what renderPlan asks for. */
function fakeDialect(multiColumnAlter: boolean): Dialect {
  const capabilities: Capabilities = {
    maxIdentifierBytes: 63,
    unquotedCase: 'lower',
    ddlInTransaction: true,
    multiColumnAlter,
    parameters: 'numbered',
    expressionsInValues: true,
    backslashEscapesInStrings: false,
    concurrentStatements: true,
  };
  const quote = (name: string): string => `"${name}"`;
  const qualify = (t: TableRef): string => `${quote(t.schema)}.${quote(t.name)}`;
  const native = (type: LogicalType): string => type.toUpperCase();
  const def = (c: ColumnSpec): string => `${quote(c.name)} ${native(c.type)}`;
  return {
    name: 'postgres',
    capabilities,
    quoteIdentifier: quote,
    qualify,
    nativeType: native,
    logicalType: (nativeType) => nativeType.toLowerCase() as LogicalType,
    parameter: (i) => `$${i}`,
    parameterAs: (i) => `$${i}`,
    createSchema: (schema) => [`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`],
    createTable: (table: TableRef, spec: TableSpec) => [`CREATE TABLE ${qualify(table)} (${spec.columns.map(def).join(', ')})`],
    addColumns: (table, columns) => [`ALTER TABLE ${qualify(table)} ${columns.map((c) => `ADD COLUMN ${def(c)}`).join(', ')}`],
    merge: () => ({ inTransaction: [], afterTransaction: [] }),
    dropStaging: () => ({ inTransaction: [], afterTransaction: [] }),
    deduplicatedStaging: () => '',
    versionHash: () => '',
  };
}

const DEALS: TableSpec = {
  name: 'deals',
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'title', type: 'string' },
    { name: 'priority', type: 'string' },
  ],
};
const STAGES: TableSpec = { name: 'stages', primaryKey: ['id'], columns: [{ name: 'id', type: 'bigint' }] };

describe('renderPlan', () => {
  it('creates the schema before its tables', () => {
    const sql = renderPlan(diff([DEALS, STAGES], new Map(), { schemaExists: false }), fakeDialect(true), 'crm');
    expect(sql).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "crm"',
      'CREATE TABLE "crm"."deals" ("id" BIGINT, "title" STRING, "priority" STRING)',
      'CREATE TABLE "crm"."stages" ("id" BIGINT)',
    ]);
  });

  it('adds columns in one ALTER when the warehouse allows it', () => {
    const actual = new Map([['deals', [{ name: 'id', type: 'bigint' as const }]], ['stages', [...STAGES.columns]]]);
    const sql = renderPlan(diff([DEALS, STAGES], actual, { schemaExists: true }), fakeDialect(true), 'crm');
    expect(sql).toEqual(['ALTER TABLE "crm"."deals" ADD COLUMN "title" STRING, ADD COLUMN "priority" STRING']);
  });

  it('adds one column per ALTER otherwise', () => {
    const actual = new Map([['deals', [{ name: 'id', type: 'bigint' as const }]]]);
    const sql = renderPlan(diff([DEALS], actual, { schemaExists: true }), fakeDialect(false), 'crm');
    expect(sql).toEqual(['ALTER TABLE "crm"."deals" ADD COLUMN "title" STRING', 'ALTER TABLE "crm"."deals" ADD COLUMN "priority" STRING']);
  });

  it('adds the typed sibling of a conflicting column', () => {
    const actual = new Map([['deals', [{ name: 'id', type: 'bigint' as const }, { name: 'title', type: 'string' as const }, { name: 'priority', type: 'bigint' as const }]]]);
    const sql = renderPlan(diff([DEALS], actual, { schemaExists: true }), fakeDialect(true), 'crm');
    expect(sql).toEqual(['ALTER TABLE "crm"."deals" ADD COLUMN "priority__string" STRING']);
  });

  it('renders nothing when nothing changes', () => {
    const actual = new Map([['deals', [...DEALS.columns]]]);
    expect(renderPlan(diff([DEALS], actual, { schemaExists: true }), fakeDialect(true), 'crm')).toEqual([]);
  });
});
