/**
 * Identifier rules shared by every warehouse (see docs/schema.md#naming).
 *
 * One naming function for all targets: names are lower snake case ASCII matching
 * ^[a-z_][a-z0-9_]*$ and at most 63 bytes, so they work unquoted everywhere and a company can
 * switch warehouses without renaming anything. Names derived from Pipedrive never start with `_`
 * (that prefix is reserved for the loader's own columns and tables).
 */
import { createHash } from 'node:crypto';
import { snakeCase } from 'change-case';
import { ConfigurationError } from '../errors.js';
import { MAX_IDENTIFIER_BYTES } from './types.js';

export const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/;

/** Length of the stable hash tag appended when a name is shortened or disambiguated. */
const HASH_LENGTH = 8;

/** Letters NFKD does not decompose into ASCII + combining marks. */
const EXTRA_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss', ẞ: 'Ss', æ: 'ae', Æ: 'Ae', ø: 'o', Ø: 'O', œ: 'oe', Œ: 'Oe', ł: 'l', Ł: 'L',
  đ: 'd', Đ: 'D', ð: 'd', Ð: 'D', þ: 'th', Þ: 'Th', ı: 'i',
};
const EXTRA_FOLD_PATTERN = new RegExp(`[${Object.keys(EXTRA_FOLDS).join('')}]`, 'g');
const COMBINING_MARKS = /\p{M}/gu;
const NOT_IDENTIFIER_CHAR = /[^a-z0-9_]/g;
const UNDERSCORE_RUNS = /_+/g;
const EDGE_UNDERSCORES = /^_+|_+$/g;
const STARTS_WITH_DIGIT = /^[0-9]/;

/**
 * Words reserved (not merely keywords) in at least one of PostgreSQL, BigQuery, Snowflake or
 * DuckDB. A name from Pipedrive that equals one of them gets a trailing `_` so it stays usable
 * unquoted. Built-in API names are never reserved words, so they are not affected.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  ('all analyse analyze and any array as asc assert_rows_modified asymmetric at between both by case cast ' +
    'check collate column connect connection constraint contains create cross cube current current_catalog ' +
    'current_date current_role current_schema current_time current_timestamp current_user default ' +
    'deferrable define desc distinct do else end enum escape except exclude exists extract false fetch ' +
    'following for foreign freeze from full grant group grouping groups gscluster having ignore ilike in ' +
    'increment initially inner insert intersect interval into is issue join lateral leading left like ' +
    'limit localtime localtimestamp lookup merge minus natural new no not notnull null nulls of offset on ' +
    'only or order outer over partition pivot placing preceding primary qualify range recursive references ' +
    'regexp respect returning revoke right rlike rollup row rows sample select session_user set similar ' +
    'some start struct symmetric table tablesample then to trailing trigger true try_cast unbounded union ' +
    'unique unpivot update user using values variadic verbose when whenever where window with within')
    .split(' '),
);

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A short, stable, lowercase hex digest of `text` (first 8 hex of SHA-256). */
export function stableHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/** Folds accents and ligatures to ASCII: "Société Générale" → "Societe Generale". */
export function foldAccents(text: string): string {
  return text
    .replace(EXTRA_FOLD_PATTERN, (ch) => EXTRA_FOLDS[ch] ?? ch)
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '');
}

/**
 * The bare snake-case ASCII slug of `raw`, possibly empty, possibly starting with a digit, not
 * yet length-limited. Everything that is not a letter or digit after folding is dropped.
 */
export function rawSlug(raw: string): string {
  return snakeCase(foldAccents(raw))
    .toLowerCase()
    .replace(NOT_IDENTIFIER_CHAR, '_')
    .replace(UNDERSCORE_RUNS, '_')
    .replace(EDGE_UNDERSCORES, '');
}

/**
 * Shortens `name` to at most `maxBytes` by cutting it and appending `_<hash of hashSource>`
 * (dlt style): two long names sharing a prefix stay distinct, and the result is stable.
 * Names that already fit are returned unchanged. `name` must be ASCII.
 */
export function truncateWithHash(name: string, maxBytes: number, hashSource: string): string {
  if (name.length <= maxBytes) return name;
  const keep = Math.max(1, maxBytes - HASH_LENGTH - 1);
  const head = name.slice(0, keep).replace(/_+$/, '');
  return `${head}_${stableHash(hashSource)}`.slice(0, maxBytes);
}

export interface SlugOptions {
  /** Byte budget of the result (default MAX_IDENTIFIER_BYTES). */
  readonly maxBytes?: number;
  /** Used when `raw` slugs to nothing (emoji, punctuation, CJK …). Must itself be a valid slug. */
  readonly fallback?: string;
  /** Put before a slug that starts with a digit (default `c_`). */
  readonly digitPrefix?: string;
  /** Whether reserved SQL words get a trailing `_` (default true). */
  readonly avoidReserved?: boolean;
}

/**
 * A column or table name derived from untrusted text: folded, snake-cased, never empty, never
 * starting with a digit or `_`, never a reserved word, at most `maxBytes` bytes.
 */
export function slugIdentifier(raw: string, options: SlugOptions = {}): string {
  const maxBytes = options.maxBytes ?? MAX_IDENTIFIER_BYTES;
  let slug = rawSlug(raw);
  if (slug === '') slug = rawSlug(options.fallback ?? '') || `field_${stableHash(raw)}`;
  if (STARTS_WITH_DIGIT.test(slug)) slug = `${options.digitPrefix ?? 'c_'}${slug}`;
  if ((options.avoidReserved ?? true) && RESERVED_WORDS.has(slug)) slug = `${slug}_`;
  return truncateWithHash(slug, maxBytes, raw);
}

/** PostgreSQL refuses schema names starting with `pg_` (reserved for the system catalogs). */
export const RESERVED_SCHEMA_PREFIX = 'pg_';

/**
 * Schemas the loader never writes to, on any warehouse (a switch of warehouse must keep working):
 * - `information_schema` (every warehouse's catalog views; BigQuery's and Snowflake's
 *   INFORMATION_SCHEMA too, since names are compared in lower case) and `pg_*` (PostgreSQL's
 *   system schemas: pg_catalog, pg_toast, pg_temp_N …);
 * - `main` and `public`, the default schemas of DuckDB and PostgreSQL. They are ordinary schemas,
 *   but they are where dbt-duckdb and dbt-postgres build models by default: a model named `deals`
 *   would replace the loaded table while `_loader_state` still says it is loaded, and later
 *   incremental runs would never bring the rows back. One schema of its own per company avoids it;
 * - `temp` and `system`, DuckDB's catalogs: `temp.deals` would name the temporary catalog's table.
 */
export const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set(['information_schema', 'main', 'public', 'temp', 'system']);

/** Why the loader will not write to `schema`, or undefined when it may. */
export function reservedSchemaReason(schema: string): string | undefined {
  const name = schema.toLowerCase();
  if (name.startsWith(RESERVED_SCHEMA_PREFIX)) return `starts with ${RESERVED_SCHEMA_PREFIX}, which PostgreSQL reserves for its system schemas`;
  if (name === 'information_schema') return 'is the catalog of the warehouse itself';
  if (name === 'main' || name === 'public') {
    return 'is the default schema of DuckDB or PostgreSQL, where dbt builds models by default, so a model could replace a loaded table';
  }
  if (SYSTEM_SCHEMAS.has(name)) return "is the name of one of DuckDB's catalogs";
  return undefined;
}

/**
 * The warehouse schema (dataset) name for an integration: "Stitch Pipedrive" → `stitch_pipedrive`.
 * `pipedrive_` goes before a digit and before a name the loader must not write to ("PG Sales" →
 * `pipedrive_pg_sales`, "Public" → `pipedrive_public`). A name with no letters or digits at all
 * ("", "   ", all emoji, CJK) is refused: they used to share one fallback schema, `pipedrive`, so
 * two such companies would have loaded into each other.
 */
export function schemaNameFromIntegration(name: string, maxBytes = MAX_IDENTIFIER_BYTES): string {
  if (rawSlug(name) === '') {
    throw new ConfigurationError(
      `The integration name ${JSON.stringify(name)} has no letters or digits to make a schema name from. ` +
        'Name it in Latin letters, e.g. --integration "Acme CRM", or give the schema with --schema.',
    );
  }
  const slug = slugIdentifier(name, { maxBytes, digitPrefix: 'pipedrive_' });
  if (reservedSchemaReason(slug) === undefined) return slug;
  // "PG Sales" must load on every target, PostgreSQL included.
  return slugIdentifier(`pipedrive_${slug}`, { maxBytes, digitPrefix: 'pipedrive_' });
}

/**
 * `candidate` if it is free, else a deterministic variant: `<candidate cut>_<hash of
 * originalForHash>`, then `_2`, `_3` … in the (astronomically unlikely) case that is taken too.
 * Callers pass a unique, stable original (a field key), so the outcome depends only on what is
 * already taken, never on iteration order or time.
 */
export function uniqueName(
  candidate: string,
  taken: ReadonlySet<string>,
  originalForHash: string,
  maxBytes = MAX_IDENTIFIER_BYTES,
): string {
  if (!taken.has(candidate) && candidate.length <= maxBytes) return candidate;
  const tag = `_${stableHash(originalForHash)}`;
  const hashed = `${candidate.slice(0, maxBytes - tag.length).replace(/_+$/, '')}${tag}`;
  if (!taken.has(hashed)) return hashed;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const numbered = `${hashed.slice(0, maxBytes - suffix.length)}${suffix}`;
    if (!taken.has(numbered)) return numbered;
  }
}

/** Appends `_<suffix>` to a base column name, shortening the base (not the suffix) to fit. */
export function withSuffix(base: string, suffix: string, hashSource: string, maxBytes = MAX_IDENTIFIER_BYTES): string {
  const tail = `_${suffix}`;
  const room = maxBytes - tail.length;
  // `order_` (a reserved word made safe) + currency → `order_currency`, not `order__currency`:
  // a double underscore is kept for typed siblings (`<col>__<type>`).
  return `${truncateWithHash(base, room, hashSource).replace(/_+$/, '')}${tail}`;
}

export function isValidIdentifier(name: string, maxBytes = MAX_IDENTIFIER_BYTES): boolean {
  return IDENTIFIER_PATTERN.test(name) && byteLength(name) <= maxBytes;
}
