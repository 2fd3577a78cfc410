/** Reads a DuckDB file the CLI wrote, opening and closing it per query (the CLI may reopen it next). */
import { DuckDBInstance } from '@duckdb/node-api';

export async function queryDuckDBFile(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
