/**
 * Typed reads of one output's settings (after env_var() rendering), with errors that name the
 * target type and the key. Shared by the settings of the warehouses whose profile keys are
 * validated here (BigQuery, Snowflake); unknown keys are always allowed, because dbt adapters
 * accept many the loader has no use for, and an existing dbt profile must work unchanged.
 */
import { ConfigurationError } from '../errors.js';

export type Settings = Readonly<Record<string, unknown>>;

export class SettingReader {
  constructor(
    private readonly settings: Settings,
    private readonly label: string,
  ) {}

  fail(message: string): never {
    throw new ConfigurationError(`The ${this.label} target: ${message}`);
  }

  has(key: string): boolean {
    const value = this.settings[key];
    return value !== undefined && value !== null;
  }

  /** Text; YAML numbers count as text (`account: 12345`). */
  text(key: string): string | undefined {
    const value = this.settings[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') this.fail(`\`${key}\` must be text.`);
    return value;
  }

  requiredText(key: string, hint: string): string {
    const value = this.text(key);
    if (value === undefined || value.trim() === '') this.fail(`\`${key}\` is required (${hint}).`);
    return value;
  }

  /** A key and its alias (dbt accepts both); they must agree when both are given. */
  aliased(key: string, alias: string): string | undefined {
    const main = this.text(key);
    const other = this.text(alias);
    if (main !== undefined && other !== undefined && main !== other) {
      this.fail(`\`${key}\` (${main}) and its alias \`${alias}\` (${other}) disagree; keep one.`);
    }
    return main ?? other;
  }

  /** A whole number in [min, max]; env_var() without `| int` renders numbers as strings. */
  whole(key: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.settings[key];
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      this.fail(`\`${key}\` must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got ${JSON.stringify(value)}.`);
    }
    return number;
  }

  /** true/false, also as the text dbt users write (`"True"`, `"false"`). */
  flag(key: string): boolean | undefined {
    const value = this.settings[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
    this.fail(`\`${key}\` must be true or false, got ${JSON.stringify(value)}.`);
  }

  oneOf<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    if (!(choices as readonly string[]).includes(value)) this.fail(`\`${key}\` must be one of ${choices.join(', ')}, got "${value}".`);
    return value as T;
  }

  mapping(key: string): Readonly<Record<string, unknown>> | undefined {
    const value = this.settings[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(`\`${key}\` must be a mapping.`);
    return value as Record<string, unknown>;
  }
}
