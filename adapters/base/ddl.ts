/**
 * DDL every SQL warehouse renders the same way, given its own quoting and type mapping (dbt's
 * "default implementation, override per dialect"). Dialects call these and differ only where the
 * warehouse does.
 */
import type { ColumnSpec, LogicalType, TableSpec } from '../../src/schema/types.js';

export interface DdlNaming {
  quoteIdentifier(name: string): string;
  nativeType(type: LogicalType): string;
}

export function columnDefinition(naming: DdlNaming, column: ColumnSpec): string {
  return `${naming.quoteIdentifier(column.name)} ${naming.nativeType(column.type)}`;
}

/** CREATE TABLE IF NOT EXISTS with every column nullable and the primary key declared. */
export function createTableSql(naming: DdlNaming, qualifiedName: string, spec: TableSpec): string {
  const parts = spec.columns.map((column) => columnDefinition(naming, column));
  if (spec.primaryKey.length > 0) {
    parts.push(`PRIMARY KEY (${spec.primaryKey.map((key) => naming.quoteIdentifier(key)).join(', ')})`);
  }
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName} (\n  ${parts.join(',\n  ')}\n)`;
}
