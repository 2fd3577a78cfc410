import { describe, expect, it } from 'vitest';
import { bigqueryDialect } from '../../../adapters/bigquery/dialect.js';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { snowflakeDialect } from '../../../adapters/snowflake/dialect.js';
import { BoundParameters } from '../../../src/plan/parameters.js';

/** The child loader's keyset condition, built as it builds it. */
function keyset(bound: BoundParameters): string {
  const after = (): string => `CAST(${bound.shared('after', '2024-01-01T00:00:00Z')} AS T)`;
  return `(u > ${after()} OR (u = ${after()} AND id > ${bound.add(7)}))`;
}

describe('BoundParameters', () => {
  it('refers to a shared value twice where parameters are numbered', () => {
    const duck = new BoundParameters(duckdbDialect);
    expect(keyset(duck)).toBe('(u > CAST($1 AS T) OR (u = CAST($1 AS T) AND id > $2))');
    expect(duck.values).toEqual(['2024-01-01T00:00:00Z', 7]);
    const snow = new BoundParameters(snowflakeDialect);
    expect(keyset(snow)).toBe('(u > CAST(:1 AS T) OR (u = CAST(:1 AS T) AND id > :2))');
    expect(snow.values).toEqual(['2024-01-01T00:00:00Z', 7]);
  });

  it('binds a shared value once per use, in text order, where parameters are positional', () => {
    const bound = new BoundParameters(bigqueryDialect);
    expect(keyset(bound)).toBe('(u > CAST(? AS T) OR (u = CAST(? AS T) AND id > ?))');
    expect(bound.values).toEqual(['2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', 7]);
  });

  it('reads a value as a type through the dialect where asked', () => {
    const bigquery = new BoundParameters(bigqueryDialect);
    expect([bigquery.add('x'), bigquery.add('{}', 'json')]).toEqual(['?', 'PARSE_JSON(?)']);
    const duck = new BoundParameters(duckdbDialect);
    expect([duck.add('x'), duck.add('{}', 'json')]).toEqual(['$1', '$2']);
  });
});
