/**
 * The merge of a batch that changes no value (src/load/upsert.ts touchPlan) as each warehouse
 * gets it: a reviewed snapshot, parsed by an independent parser where one knows the dialect
 * (sql-parser-cst for BigQuery, node-sql-parser for Snowflake and PostgreSQL). DuckDB and
 * PostgreSQL run it for real in test/conformance/merge-cases.ts.
 */
import nodeSqlParser from 'node-sql-parser';
import { parse } from 'sql-parser-cst';
import { describe, expect, it } from 'vitest';
import { createBigQueryDialect } from '../../../adapters/bigquery/dialect.js';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { snowflakeDialect } from '../../../adapters/snowflake/dialect.js';
import type { MergeSpec } from '../../../adapters/types.js';
import { touchPlan } from '../../../src/load/upsert.js';

const parser = new nodeSqlParser.Parser();
const spec: MergeSpec = {
  target: { schema: 'pipedrive', name: 'deals' },
  staging: { schema: 'pipedrive', name: '_loader_staging_deals_1' },
  primaryKey: ['id'],
  columns: ['id', 'title', 'update_time', '_loaded_at', '_load_id', '_deleted_at'],
  newestBy: 'update_time',
};

describe('touchPlan: a batch that changes no value', () => {
  it('PostgreSQL: one UPDATE … FROM of the two bookkeeping columns, guarded like the merge', () => {
    const plan = touchPlan(postgresDialect, spec);
    expect(plan.inTransaction).toHaveLength(2);
    const [update] = plan.inTransaction;
    expect(update).toMatchInlineSnapshot(`
      "UPDATE "pipedrive"."deals" AS t SET "_loaded_at" = s."_loaded_at", "_load_id" = s."_load_id"
      FROM (SELECT DISTINCT ON ("id") "id", "title", "update_time", "_loaded_at", "_load_id", "_deleted_at" FROM "pipedrive"."_loader_staging_deals_1"
      ORDER BY "id", "update_time" DESC NULLS LAST, "_loader_staging_row" DESC) AS s
      WHERE t."id" = s."id" AND (t."update_time" IS NULL OR s."update_time" >= t."update_time")"
    `);
    expect(() => parser.astify(update ?? '', { database: 'postgresql' })).not.toThrow();
    expect(plan.inTransaction[1]).toBe(postgresDialect.dropStaging(spec.staging).inTransaction[0]);
  });

  it('DuckDB: the same statement, the staging table dropped in the transaction', () => {
    const plan = touchPlan(duckdbDialect, spec);
    expect(plan).toMatchInlineSnapshot(`
      {
        "afterTransaction": [],
        "inTransaction": [
          "UPDATE "pipedrive_loader"."pipedrive"."deals" AS t SET "_loaded_at" = s."_loaded_at", "_load_id" = s."_load_id"
      FROM (SELECT "id", "title", "update_time", "_loaded_at", "_load_id", "_deleted_at" FROM "pipedrive_loader"."pipedrive"."_loader_staging_deals_1"
        QUALIFY row_number() OVER (PARTITION BY "id" ORDER BY "update_time" DESC NULLS LAST, "_loader_staging_row" DESC) = 1) AS s
      WHERE t."id" = s."id" AND (t."update_time" IS NULL OR s."update_time" >= t."update_time")",
          "DROP TABLE "pipedrive_loader"."pipedrive"."_loader_staging_deals_1"",
        ],
      }
    `);
  });

  it('BigQuery: parses as GoogleSQL; the staging table is dropped after the transaction', () => {
    const bigquery = createBigQueryDialect('my-proj');
    const plan = touchPlan(bigquery, spec);
    expect(plan).toMatchInlineSnapshot(`
      {
        "afterTransaction": [
          "DROP TABLE \`my-proj\`.\`pipedrive\`.\`_loader_staging_deals_1\`",
        ],
        "inTransaction": [
          "UPDATE \`my-proj\`.\`pipedrive\`.\`deals\` AS t SET \`_loaded_at\` = s.\`_loaded_at\`, \`_load_id\` = s.\`_load_id\`
      FROM (SELECT \`id\`, \`title\`, \`update_time\`, \`_loaded_at\`, \`_load_id\`, \`_deleted_at\` FROM \`my-proj\`.\`pipedrive\`.\`_loader_staging_deals_1\`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY \`id\` ORDER BY \`update_time\` DESC, \`_loader_staging_row\` DESC) = 1) AS s
      WHERE t.\`id\` = s.\`id\` AND (t.\`update_time\` IS NULL OR s.\`update_time\` >= t.\`update_time\`)",
        ],
      }
    `);
    for (const sql of plan.inTransaction) parse(sql, { dialect: 'bigquery' });
    expect(plan.afterTransaction).toEqual(bigquery.dropStaging(spec.staging).afterTransaction);
  });

  it('Snowflake: parses with the Snowflake grammar', () => {
    const plan = touchPlan(snowflakeDialect, spec);
    expect(plan).toMatchInlineSnapshot(`
      {
        "afterTransaction": [
          "DROP TABLE "pipedrive"."_loader_staging_deals_1"",
        ],
        "inTransaction": [
          "UPDATE "pipedrive"."deals" AS t SET "_loaded_at" = s."_loaded_at", "_load_id" = s."_load_id"
      FROM (SELECT "id", "title", "update_time", "_loaded_at", "_load_id", "_deleted_at" FROM "pipedrive"."_loader_staging_deals_1"
      QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "update_time" DESC NULLS LAST, "_loader_staging_row" DESC) = 1) AS s
      WHERE t."id" = s."id" AND (t."update_time" IS NULL OR s."update_time" >= t."update_time")",
        ],
      }
    `);
    const [update] = plan.inTransaction;
    expect(() => parser.astify(update ?? '', { database: 'snowflake' })).not.toThrow();
  });

  it('a table without bookkeeping columns only drops its staging table; without newestBy, no guard', () => {
    expect(touchPlan(duckdbDialect, { ...spec, columns: ['id', 'title'] })).toEqual(duckdbDialect.dropStaging(spec.staging));
    const [update] = touchPlan(duckdbDialect, { ...spec, newestBy: undefined }).inTransaction;
    expect(update?.split('\n').at(-1)).toBe('WHERE t."id" = s."id"');
  });
});
