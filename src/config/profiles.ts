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
import { renderValue } from './env-var.js';
import { WAREHOUSE_NAMES, type TargetConfig, type WarehouseName } from './target.js';

export const DEFAULT_PROFILE = 'pipedrive';
export const DEFAULT_DUCKDB_PATH = './pipedrive.duckdb';

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

/** Keys whose values are secrets in every dbt adapter's profile. */
const SECRET_KEYS = new Set(['password', 'pass', 'private_key', 'private_key_passphrase', 'token', 'keyfile_json', 'client_secret']);

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

/** Parses profiles.yml text and picks profile and target; exported for tests. */
export function targetFromProfiles(text: string, source: string, request: ProfileRequest): TargetConfig {
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
  const rendered = renderValue(output, { env, secrets, where: `${profileName}.outputs.${targetName}` });
  const { type, ...settings } = rendered as Record<string, unknown>;
  if (typeof type !== 'string' || !(WAREHOUSE_NAMES as readonly string[]).includes(type)) {
    throw new ConfigurationError(
      `Target '${targetName}' in ${source} has type '${String(type)}'; expected one of ${WAREHOUSE_NAMES.join(', ')}.`,
    );
  }
  collectSecrets(settings, secrets);
  return { type: type as WarehouseName, name: targetName, settings, secrets };
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
      notice: `No profiles.yml found; loading into the embedded DuckDB file ${DEFAULT_DUCKDB_PATH}.`,
    };
  }
  const text = readFileSync(file, 'utf8');
  return { target: targetFromProfiles(text, file, request), source: file };
}
