/**
 * dbt's `env_var()` templating for profiles.yml values:
 *   {{ env_var('NAME') }}            the variable, or an error naming it when unset
 *   {{ env_var('NAME', 'default') }} the variable, or the default (a number default works too)
 *   {{ env_var('PORT') | int }}      the `int`, `as_number`, `as_bool`, `as_text` and `string`
 *                                    filters dbt users write
 * Variables named DBT_ENV_SECRET_* are secrets: their values are collected so that output can
 * be redacted, as dbt does, and no error message ever quotes them.
 *
 * Any other Jinja (`{{ var('x') }}`, `{% if %}`) is refused with the place it was found, rather
 * than passed on as literal text that would fail later with a confusing connection error.
 */
import { ConfigurationError } from '../errors.js';

const TEMPLATE_SOURCE =
  String.raw`\{\{\s*env_var\(\s*(['"])([^'"]+)\1\s*(?:,\s*(?:(['"])(.*?)\3|(-?\d+(?:\.\d+)?))\s*)?\)\s*(?:\|\s*(int|as_number|as_bool|as_text|string)\s*)?\}\}`;

function templates(): RegExp {
  return new RegExp(TEMPLATE_SOURCE, 'g');
}

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

function applyFilter(value: string, filter: string | undefined, name: string, where: string): string | number | boolean {
  if (filter === 'int' || filter === 'as_number') {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) {
      const shown = isSecretVariable(name) ? `the value of ${name}` : `'${value}'`;
      throw new ConfigurationError(`profiles.yml ${where}: ${shown} is not a number`);
    }
    return filter === 'int' ? Math.trunc(number) : number;
  }
  if (filter === 'as_bool') return /^(true|1|yes)$/i.test(value.trim());
  return value;
}

/** The default of a match: the quoted text, or a number literal written without quotes. */
function fallbackOf(quoted: string | undefined, numeric: string | undefined): string | undefined {
  return quoted ?? numeric;
}

function refuseOtherJinja(text: string, where: string): void {
  const rest = text.replace(templates(), '');
  if (/\{\{|\{%/.test(rest)) {
    throw new ConfigurationError(
      `profiles.yml ${where} uses Jinja that pipedrive-loader does not evaluate; only ` +
        "{{ env_var('NAME') }} and {{ env_var('NAME', 'default') }} (with | int, | as_number, | as_bool) are supported.",
    );
  }
}

/**
 * Expands every env_var() in a string. A value that is exactly one template with a numeric or
 * boolean filter becomes that type, as in dbt.
 */
export function renderTemplate(text: string, context: TemplateContext): string | number | boolean {
  refuseOtherJinja(text, context.where);
  const whole = new RegExp(`^\\s*${TEMPLATE_SOURCE}\\s*$`);
  const single = whole.exec(text);
  if (single) {
    const [, , name = '', , quoted, numeric, filter] = single;
    return applyFilter(expandOne(name, fallbackOf(quoted, numeric), context), filter, name, context.where);
  }
  return text.replace(templates(), (_match, _q1, name: string, _q2, quoted: string | undefined, numeric: string | undefined) =>
    expandOne(name, fallbackOf(quoted, numeric), context),
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

export interface VariableReference {
  readonly name: string;
  /** True when the template gives a default, so the variable may be left unset. */
  readonly hasDefault: boolean;
}

/**
 * The environment variables a parsed YAML value reads through env_var(), in order of first use,
 * without evaluating anything (init-ci lists them as the secrets a workflow must provide).
 */
export function referencedVariables(value: unknown): VariableReference[] {
  const found = new Map<string, boolean>();
  const visit = (item: unknown): void => {
    if (typeof item === 'string') {
      for (const match of item.matchAll(templates())) {
        const name = match[2] ?? '';
        const hasDefault = match[4] !== undefined || match[5] !== undefined;
        // Required anywhere means required.
        found.set(name, (found.get(name) ?? true) && hasDefault);
      }
    } else if (Array.isArray(item)) {
      item.forEach(visit);
    } else if (item !== null && typeof item === 'object') {
      Object.values(item).forEach(visit);
    }
  };
  visit(value);
  return [...found].map(([name, hasDefault]) => ({ name, hasDefault }));
}
