/**
 * Resolves the warehouse target from a dbt-style profiles.yml.
 *
 * Lookup order, first match wins (dbt's own, plus the working directory as dbt ≥1.3 does):
 *   1. --profiles-dir DIR   → DIR/profiles.yml (an error if it is missing: the user asked for it)
 *   2. DBT_PROFILES_DIR     → $DBT_PROFILES_DIR/profiles.yml (likewise)
 *   3. ./profiles.yml
 *   4. ~/.dbt/profiles.yml
 * With no file at all the target is the embedded DuckDB file ./pipedrive.duckdb.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigurationError } from '../errors.js';
import { parseBigQuerySettings } from './bigquery-settings.js';
import { DEFAULT_DUCKDB_PATH, parseDuckDBSettings } from './duckdb-settings.js';
import { referencedVariables, renderValue, type VariableReference } from './env-var.js';
import { parsePostgresSettings } from './postgres-settings.js';
import { parseSnowflakeSettings } from './snowflake-settings.js';
import { WAREHOUSE_NAMES, type TargetConfig, type WarehouseName } from './target.js';

export const DEFAULT_PROFILE = 'pipedrive';
export { DEFAULT_DUCKDB_PATH };

export interface ProfileRequest {
  readonly profilesDir?: string;
  readonly profile?: string;
  readonly target?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly home?: string;
}

export interface ResolvedTarget {
  readonly target: TargetConfig;
  /** The profiles.yml used, or undefined for the embedded default. */
  readonly source?: string;
  /** Something the user should know (e.g. that the default was used). */
  readonly notice?: string;
}

/**
 * Keys whose values are secrets in the dbt adapters' profiles (dbt-postgres `password`/`pass`,
 * dbt-snowflake key pairs and OAuth, dbt-bigquery oauth-secrets and the private key inside
 * `keyfile_json`), wherever they appear in the output.
 */
const SECRET_KEYS = new Set([
  'password',
  'pass',
  'private_key',
  'private_key_passphrase',
  'token',
  'refresh_token',
  'client_secret',
  'oauth_client_secret',
]);

/**
 * Every output is validated here, when the profile is resolved, by its warehouse's
 * src/config/<warehouse>-settings.ts, so a mistake shows up before anything connects (the
 * adapters parse the same settings again to use them).
 */
const VALIDATE_AT_RESOLUTION: Record<WarehouseName, (settings: Readonly<Record<string, unknown>>) => unknown> = {
  duckdb: parseDuckDBSettings,
  postgres: parsePostgresSettings,
  bigquery: parseBigQuerySettings,
  snowflake: parseSnowflakeSettings,
};

export function findProfilesFile(request: ProfileRequest): string | undefined {
  const env = request.env ?? process.env;
  const cwd = request.cwd ?? process.cwd();
  const explicit = request.profilesDir ?? env.DBT_PROFILES_DIR;
  if (explicit !== undefined && explicit !== '') {
    const file = join(resolve(cwd, explicit), 'profiles.yml');
    const from = request.profilesDir !== undefined ? '--profiles-dir' : 'DBT_PROFILES_DIR';
    if (!existsSync(file)) throw new ConfigurationError(`${from} points at ${explicit}, but ${file} does not exist.`);
    return file;
  }
  const candidates = [join(cwd, 'profiles.yml'), join(request.home ?? homedir(), '.dbt', 'profiles.yml')];
  return candidates.find((file) => existsSync(file));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function collectSecrets(settings: Record<string, unknown>, secrets: string[]): void {
  for (const [key, value] of Object.entries(settings)) {
    if (SECRET_KEYS.has(key) && typeof value === 'string' && value !== '') secrets.push(value);
    else if (isRecord(value)) collectSecrets(value, secrets);
  }
}

export function defaultTarget(): TargetConfig {
  return { type: 'duckdb', name: 'default', settings: { path: DEFAULT_DUCKDB_PATH }, secrets: [] };
}

interface PickedOutput {
  readonly profileName: string;
  readonly targetName: string;
  readonly output: Record<string, unknown>;
  readonly secrets: string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Parses profiles.yml text and picks the output of the profile and target, not yet rendered. */
function pickOutput(text: string, source: string, request: ProfileRequest): PickedOutput {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ConfigurationError(`${source} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const profileName = request.profile ?? DEFAULT_PROFILE;
  const profiles = isRecord(document) ? document : {};
  const profile = profiles[profileName];
  if (!isRecord(profile)) {
    // `config:` is dbt's old top-level settings block, not a profile.
    const names = Object.keys(profiles).filter((name) => name !== 'config');
    const listing = names.length > 0 ? names.join(', ') : 'none';
    throw new ConfigurationError(
      `${source} has no profile '${profileName}'. Profiles in it: ${listing}. Pick one with --profile.`,
    );
  }
  const outputs = isRecord(profile.outputs) ? profile.outputs : {};
  const secrets: string[] = [];
  const env = request.env ?? process.env;
  const defaultTargetName = renderValue(profile.target, { env, secrets, where: `${profileName}.target` });
  const targetName = request.target ?? (typeof defaultTargetName === 'string' ? defaultTargetName : undefined);
  if (targetName === undefined) {
    throw new ConfigurationError(`Profile '${profileName}' in ${source} names no default target; pass --target.`);
  }
  const output = outputs[targetName];
  if (!isRecord(output)) {
    const names = Object.keys(outputs).join(', ') || 'none';
    throw new ConfigurationError(
      `Profile '${profileName}' in ${source} has no target '${targetName}'. Targets: ${names}.`,
    );
  }
  return { profileName, targetName, output, secrets, env };
}

function warehouseType(type: unknown, targetName: string, source: string): WarehouseName {
  if (typeof type !== 'string' || !(WAREHOUSE_NAMES as readonly string[]).includes(type)) {
    throw new ConfigurationError(
      `Target '${targetName}' in ${source} has type '${String(type)}'; expected one of ${WAREHOUSE_NAMES.join(', ')}.`,
    );
  }
  return type as WarehouseName;
}

/** Parses profiles.yml text and picks profile and target; exported for tests. */
export function targetFromProfiles(text: string, source: string, request: ProfileRequest): TargetConfig {
  const { profileName, targetName, output, secrets, env } = pickOutput(text, source, request);
  const rendered = renderValue(output, { env, secrets, where: `${profileName}.outputs.${targetName}` });
  const { type, ...settings } = rendered as Record<string, unknown>;
  const warehouse = warehouseType(type, targetName, source);
  collectSecrets(settings, secrets);
  VALIDATE_AT_RESOLUTION[warehouse](settings);
  return { type: warehouse, name: targetName, settings, secrets };
}

export interface ProfileOutline {
  /** The profiles.yml read. */
  readonly source: string;
  readonly profile: string;
  readonly target: string;
  readonly type: WarehouseName;
  /** The environment variables the output reads through env_var(). */
  readonly variables: readonly VariableReference[];
}

/**
 * The chosen output's type and the variables it reads, without rendering it: `init-ci` needs
 * them on a machine where the CI secrets are not set. Undefined when there is no profiles.yml.
 */
export function outlineProfile(request: ProfileRequest): ProfileOutline | undefined {
  const file = findProfilesFile(request);
  if (file === undefined) return undefined;
  const { profileName, targetName, output, env } = pickOutput(readFileSync(file, 'utf8'), file, request);
  const type = renderValue(output['type'], { env, secrets: [], where: `${profileName}.outputs.${targetName}.type` });
  return {
    source: file,
    profile: profileName,
    target: targetName,
    type: warehouseType(type, targetName, file),
    variables: referencedVariables(output),
  };
}

export function resolveTarget(request: ProfileRequest): ResolvedTarget {
  const file = findProfilesFile(request);
  if (file === undefined) {
    if (request.target !== undefined || request.profile !== undefined) {
      throw new ConfigurationError(
        `--target/--profile given, but no profiles.yml was found (looked in --profiles-dir, DBT_PROFILES_DIR, ./profiles.yml, ~/.dbt/profiles.yml).`,
      );
    }
    return {
      target: defaultTarget(),
      notice: `No profiles.yml found; using the embedded DuckDB file ${DEFAULT_DUCKDB_PATH}.`,
    };
  }
  const text = readFileSync(file, 'utf8');
  return { target: targetFromProfiles(text, file, request), source: file };
}
