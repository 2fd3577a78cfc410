/**
 * Switches over LogicalType end in assertNever: a type without a case fails to compile (proved by
 * tsc on every build), and a value that escaped the type system fails loudly at run time instead
 * of being written as some other type.
 */
import { describe, expect, it } from 'vitest';
import { jsonCell } from '../../adapters/bigquery/values.js';
import { stagingVectorType, toStagingValue } from '../../adapters/duckdb/values.js';
import { cellText } from '../../adapters/postgres/values.js';
import { bindText } from '../../adapters/snowflake/values.js';
import { assertNever } from '../../src/assert-never.js';
import { convertRaw } from '../../src/schema/values.js';
import { LOGICAL_TYPES, type LogicalType } from '../../src/schema/types.js';

const UNKNOWN = 'geography' as unknown as LogicalType;

describe('assertNever', () => {
  it('throws naming the value', () => {
    expect(() => assertNever('x' as never, 'logical type')).toThrow('Unhandled logical type: "x"');
  });

  it('stops a type no switch knows, in the shaper and the adapters', () => {
    expect(() => convertRaw('a', UNKNOWN)).toThrow(/Unhandled logical type: "geography"/);
    expect(() => stagingVectorType(UNKNOWN)).toThrow(/Unhandled logical type/);
    expect(() => toStagingValue(UNKNOWN, 'a')).toThrow(/Unhandled logical type/);
    expect(() => cellText(UNKNOWN, 'a')).toThrow(/Unhandled logical type/);
    expect(() => bindText(UNKNOWN, 'a')).toThrow(/Unhandled logical type/);
    expect(() => jsonCell(UNKNOWN, 'a')).toThrow(/Unhandled logical type/);
  });

  it('is never reached for a type that exists', () => {
    for (const type of LOGICAL_TYPES) expect(() => stagingVectorType(type)).not.toThrow();
  });
});
