/**
 * dbt's `env_var()` templating for profiles.yml values:
 *   {{ env_var('NAME') }}            the variable, or an error naming it when unset
 *   {{ env_var('NAME', 'default') }} the variable, or the default
 *   {{ env_var('PORT') | int }}      the `int`, `as_number` and `as_bool` filters dbt users write
 * Variables named DBT_ENV_SECRET_* are secrets: their values are collected so that output can
 * be redacted, as dbt does.
 */
import { ConfigurationError } from '../errors.js';

const TEMPLATE =
  /\{\{\s*env_var\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])(.*?)\3\s*)?\)\s*(?:\|\s*(int|as_number|as_bool|as_text|string)\s*)?\}\}/g;

export interface TemplateContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives the value of every secret variable that was expanded. */
  readonly secrets: string[];
  /** Where the value came from, for error messages: `outputs.dev.password`. */
  readonly where: string;
}

export function isSecretVariable(name: string): boolean {
  return name.startsWith('DBT_ENV_SECRET_');
}

function expandOne(name: string, fallback: string | undefined, context: TemplateContext): string {
  const value = context.env[name];
  if (value !== undefined) {
    if (isSecretVariable(name) && value !== '') context.secrets.push(value);
    return value;
  }
  if (fallback !== undefined) return fallback;
  throw new ConfigurationError(
    `profiles.yml ${context.where} uses env_var('${name}'), but ${name} is not set. ` +
      `Set it in the environment, or give a default: env_var('${name}', 'value').`,
  );
}

function applyFilter(value: string, filter: string | undefined, where: string): string | number | boolean {
  if (filter === 'int' || filter === 'as_number') {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) {
      throw new ConfigurationError(`profiles.yml ${where}: '${value}' is not a number`);
    }
    return filter === 'int' ? Math.trunc(number) : number;
  }
  if (filter === 'as_bool') return /^(true|1|yes)$/i.test(value.trim());
  return value;
}

/**
 * Expands every env_var() in a string. A value that is exactly one template with a numeric or
 * boolean filter becomes that type, as in dbt.
 */
export function renderTemplate(text: string, context: TemplateContext): string | number | boolean {
  const whole = new RegExp(`^\\s*${TEMPLATE.source}\\s*$`);
  const single = whole.exec(text);
  if (single) {
    const [, , name = '', , fallback, filter] = single;
    return applyFilter(expandOne(name, fallback, context), filter, context.where);
  }
  return text.replace(TEMPLATE, (_match, _q1, name: string, _q2, fallback: string | undefined) =>
    expandOne(name, fallback, context),
  );
}

/** Expands templates in every string of a parsed YAML value, recursively. */
export function renderValue(value: unknown, context: TemplateContext): unknown {
  if (typeof value === 'string') return renderTemplate(value, context);
  if (Array.isArray(value)) {
    return value.map((item, index) => renderValue(item, { ...context, where: `${context.where}[${index}]` }));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderValue(item, { ...context, where: `${context.where}.${key}` })]),
    );
  }
  return value;
}
