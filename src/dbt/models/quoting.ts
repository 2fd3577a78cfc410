/**
 * How the generated models and tests write names and string literals: the one thing `--target`
 * changes in `dbt-models`.
 *
 * Identifiers. Every name the loader makes matches ^[a-z_][a-z0-9_]*$ and is no reserved word
 * (src/schema/naming.ts), so on DuckDB, PostgreSQL and BigQuery it is written bare. Two cases
 * need quotes:
 * - a warehouse that folds bare names to upper case (Snowflake) while the loader created them
 *   quoted in lower case: each column is read quoted and aliased back to its bare name
 *   (`"id" as id`), so the model's own columns are ordinary upper-case Snowflake names that
 *   downstream models and dbt's tests use bare;
 * - a column the loader did not create (made by hand in the schema) whose name is not bare-safe:
 *   it is quoted with the target's own rule (dialect.quoteIdentifier) and keeps that name; its
 *   YAML entry gets `quote: true` so dbt's tests quote it too.
 *
 * String literals. dbt's accepted_values writes each value as `'<value>'` without escaping, so
 * the YAML holds the value already escaped for the target: a quote doubled where the SQL
 * standard applies (DuckDB, PostgreSQL), backslash-escaped where backslash is an escape
 * character (BigQuery, Snowflake): `capabilities.backslashEscapesInStrings`.
 */
import type { Dialect } from '../../../adapters/types.js';
import { IDENTIFIER_PATTERN, RESERVED_WORDS } from '../../schema/naming.js';

export interface QuotingRules {
  readonly quoteIdentifier: (name: string) => string;
  /** True when bare names fold to upper case, so every lower-case name must be quoted. */
  readonly foldsToUpper: boolean;
  /** True where `\` escapes inside string literals: `\` is doubled and `'` written `\'`; else `'` is doubled. */
  readonly backslashEscapes: boolean;
}

export function quotingRulesFor(dialect: Dialect): QuotingRules {
  return {
    quoteIdentifier: (name) => dialect.quoteIdentifier(name),
    foldsToUpper: dialect.capabilities.unquotedCase === 'upper',
    backslashEscapes: dialect.capabilities.backslashEscapesInStrings,
  };
}

/** True for a name every target reads bare with the same meaning (lower snake case, not reserved). */
export function isBareSafe(name: string): boolean {
  return IDENTIFIER_PATTERN.test(name) && !RESERVED_WORDS.has(name);
}

/** How the model refers to a source column (in the select list and in the where clause). */
export function columnReference(name: string, rules: QuotingRules): string {
  return isBareSafe(name) && !rules.foldsToUpper ? name : rules.quoteIdentifier(name);
}

/** A select-list item: the reference, aliased back to the bare name where it was quoted only for case. */
export function selectItem(name: string, rules: QuotingRules): string {
  const reference = columnReference(name, rules);
  return isBareSafe(name) && reference !== name ? `${reference} as ${name}` : reference;
}

/** The model's output column needs `quote: true` in YAML (a hand-made, not bare-safe name). */
export function needsQuoteInYaml(name: string): boolean {
  return !isBareSafe(name);
}

/** The text between the quotes of a string literal holding `value`. */
export function stringLiteralBody(value: string, rules: QuotingRules): string {
  if (rules.backslashEscapes) return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return value.replace(/'/g, "''");
}
