import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { referencedVariables, renderTemplate } from '../../../src/config/env-var.js';
import { findProfilesFile, resolveTarget, targetFromProfiles } from '../../../src/config/profiles.js';
import { ConfigurationError } from '../../../src/errors.js';

const profile = (path: string): string => `
pipedrive:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: ${path}
    ci:
      type: duckdb
      path: "{{ env_var('WAREHOUSE_PATH', './ci.duckdb') }}"
      threads: "{{ env_var('THREADS') | int }}"
other:
  target: x
  outputs:
    x: { type: duckdb, path: other.duckdb }
`;

let root: string;
let cwd: string;
let home: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pdl-profiles-'));
  cwd = join(root, 'project');
  home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(join(home, '.dbt'), { recursive: true });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('finding profiles.yml', () => {
  it('prefers --profiles-dir, then DBT_PROFILES_DIR, then ./profiles.yml, then ~/.dbt/profiles.yml', () => {
    const flagDir = join(root, 'flag');
    const envDir = join(root, 'env');
    mkdirSync(flagDir);
    mkdirSync(envDir);
    for (const dir of [flagDir, envDir, cwd, join(home, '.dbt')]) writeFileSync(join(dir, 'profiles.yml'), profile(`${dir}/x.duckdb`));
    const env = { DBT_PROFILES_DIR: envDir };
    expect(findProfilesFile({ profilesDir: flagDir, env, cwd, home })).toBe(join(flagDir, 'profiles.yml'));
    expect(findProfilesFile({ env, cwd, home })).toBe(join(envDir, 'profiles.yml'));
    expect(findProfilesFile({ env: {}, cwd, home })).toBe(join(cwd, 'profiles.yml'));
    rmSync(join(cwd, 'profiles.yml'));
    expect(findProfilesFile({ env: {}, cwd, home })).toBe(join(home, '.dbt', 'profiles.yml'));
    rmSync(join(home, '.dbt', 'profiles.yml'));
    expect(findProfilesFile({ env: {}, cwd, home })).toBeUndefined();
  });

  it('reads --profiles-dir relative to the working directory, and ignores an empty DBT_PROFILES_DIR', () => {
    mkdirSync(join(cwd, 'config'));
    writeFileSync(join(cwd, 'config', 'profiles.yml'), profile('x.duckdb'));
    writeFileSync(join(home, '.dbt', 'profiles.yml'), profile('home.duckdb'));
    expect(findProfilesFile({ profilesDir: 'config', env: {}, cwd, home })).toBe(join(cwd, 'config', 'profiles.yml'));
    expect(findProfilesFile({ env: { DBT_PROFILES_DIR: '' }, cwd, home })).toBe(join(home, '.dbt', 'profiles.yml'));
  });

  it('resolves the target from the file it finds, and tells where it came from', () => {
    writeFileSync(join(home, '.dbt', 'profiles.yml'), profile('/data/home.duckdb'));
    const resolved = resolveTarget({ env: {}, cwd, home });
    expect(resolved.source).toBe(join(home, '.dbt', 'profiles.yml'));
    expect(resolved.notice).toBeUndefined();
    expect(resolved.target.settings).toEqual({ path: '/data/home.duckdb' });
  });

  it('refuses --target or --profile when there is no profiles.yml to apply them to', () => {
    expect(() => resolveTarget({ target: 'prod', env: {}, cwd, home })).toThrow(/no profiles.yml was found/);
  });

  it('says so when an explicitly named directory has no profiles.yml', () => {
    expect(() => findProfilesFile({ profilesDir: join(root, 'missing'), env: {}, cwd, home })).toThrow(
      /--profiles-dir points at .*missing/,
    );
    expect(() => findProfilesFile({ env: { DBT_PROFILES_DIR: join(root, 'nope') }, cwd, home })).toThrow(/DBT_PROFILES_DIR/);
  });

  it('falls back to the embedded DuckDB file, with a notice, when there is no file at all', () => {
    const resolved = resolveTarget({ env: {}, cwd, home });
    expect(resolved.target).toMatchObject({ type: 'duckdb', settings: { path: './pipedrive.duckdb' } });
    expect(resolved.notice).toMatch(/No profiles.yml found/);
  });
});

describe('choosing profile and target', () => {
  it("uses the profile 'pipedrive' and its default target", () => {
    const target = targetFromProfiles(profile('/data/dev.duckdb'), 'profiles.yml', { env: {} });
    expect(target).toMatchObject({ type: 'duckdb', name: 'dev', settings: { path: '/data/dev.duckdb' } });
  });

  it('honours --target and --profile', () => {
    const ci = targetFromProfiles(profile('x'), 'p.yml', { target: 'ci', env: { THREADS: '4' } });
    expect(ci.settings).toEqual({ path: './ci.duckdb', threads: 4 });
    const other = targetFromProfiles(profile('x'), 'p.yml', { profile: 'other', env: {} });
    expect(other.settings).toEqual({ path: 'other.duckdb' });
  });

  it('lists the profiles the file does contain when the profile is missing', () => {
    expect(() => targetFromProfiles(profile('x'), 'p.yml', { profile: 'sales', env: {} })).toThrow(
      "p.yml has no profile 'sales'. Profiles in it: pipedrive, other.",
    );
  });

  it('lists the targets when the target is missing, and rejects unknown warehouse types', () => {
    expect(() => targetFromProfiles(profile('x'), 'p.yml', { target: 'prod', env: {} })).toThrow(/Targets: dev, ci/);
    const bad = 'pipedrive:\n  target: a\n  outputs:\n    a: { type: mysql }\n';
    expect(() => targetFromProfiles(bad, 'p.yml', { env: {} })).toThrow(/type 'mysql'; expected one of duckdb/);
  });
});

describe('env_var()', () => {
  const context = (env: Record<string, string>) => ({ env, secrets: [] as string[], where: 'outputs.dev.path' });

  it('reads the variable, or the default', () => {
    expect(renderTemplate("{{ env_var('A') }}", context({ A: 'x' }))).toBe('x');
    expect(renderTemplate("{{ env_var('A', 'fallback') }}", context({}))).toBe('fallback');
    expect(renderTemplate("pre-{{ env_var(\"A\") }}-post", context({ A: 'mid' }))).toBe('pre-mid-post');
    expect(renderTemplate("{{ env_var('PORT') | int }}", context({ PORT: '5432' }))).toBe(5432);
  });

  it('names the missing variable', () => {
    expect(() => renderTemplate("{{ env_var('DB_PASSWORD') }}", context({}))).toThrow(ConfigurationError);
    expect(() => renderTemplate("{{ env_var('DB_PASSWORD') }}", context({}))).toThrow(/DB_PASSWORD is not set/);
  });

  it('collects DBT_ENV_SECRET_* values so they can be redacted', () => {
    const ctx = context({ DBT_ENV_SECRET_PASSWORD: 's3cret-value', PLAIN: 'visible' });
    renderTemplate("{{ env_var('DBT_ENV_SECRET_PASSWORD') }}", ctx);
    renderTemplate("{{ env_var('PLAIN') }}", ctx);
    expect(ctx.secrets).toEqual(['s3cret-value']);
  });

  it('accepts a number as the default, as dbt does', () => {
    expect(renderTemplate("{{ env_var('PORT', 5432) | int }}", context({}))).toBe(5432);
    expect(renderTemplate("{{ env_var('PORT', 5432) }}", context({ PORT: '6543' }))).toBe('6543');
  });

  it('refuses other Jinja instead of passing it on as literal text', () => {
    expect(() => renderTemplate("{{ var('host') }}", context({}))).toThrow(/outputs\.dev\.path uses Jinja that pipedrive-loader does not evaluate/);
    expect(() => renderTemplate("{% if x %}a{% endif %}", context({}))).toThrow(ConfigurationError);
    expect(() => renderTemplate("{{ env_var('A') | upper }}", context({ A: 'x' }))).toThrow(/only \{\{ env_var/);
  });

  it('never quotes a secret variable in an error', () => {
    const ctx = context({ DBT_ENV_SECRET_PORT: 'not-a-port-s3cret' });
    expect(() => renderTemplate("{{ env_var('DBT_ENV_SECRET_PORT') | int }}", ctx)).toThrow(/the value of DBT_ENV_SECRET_PORT is not a number/);
    try {
      renderTemplate("{{ env_var('DBT_ENV_SECRET_PORT') | int }}", ctx);
    } catch (error) {
      expect((error as Error).message).not.toContain('not-a-port-s3cret');
    }
  });

  it('lists the variables a value reads, and whether each has a default', () => {
    const output = {
      host: "{{ env_var('PGHOST', 'localhost') }}",
      password: "{{ env_var('DBT_ENV_SECRET_PW') }}",
      nested: ["{{ env_var('A', 'x') }}-{{ env_var('B') }}", "{{ env_var('A') }}"],
      port: 5432,
    };
    expect(referencedVariables(output)).toEqual([
      { name: 'PGHOST', hasDefault: true },
      { name: 'DBT_ENV_SECRET_PW', hasDefault: false },
      { name: 'A', hasDefault: false },
      { name: 'B', hasDefault: false },
    ]);
  });

  it('treats password keys as secrets too', () => {
    const text = "pipedrive:\n  target: a\n  outputs:\n    a: { type: duckdb, path: x, password: hunter22 }\n";
    expect(targetFromProfiles(text, 'p.yml', { env: {} }).secrets).toEqual(['hunter22']);
  });
});

describe('profiles.example.yml', () => {
  it('shows every output type, each valid, so the documentation cannot drift from the code', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const { parseDuckDBSettings } = await import('../../../adapters/duckdb/index.js');
    const { parsePostgresSettings } = await import('../../../src/config/postgres-settings.js');
    const { parseBigQuerySettings } = await import('../../../src/config/bigquery-settings.js');
    const { parseSnowflakeSettings } = await import('../../../src/config/snowflake-settings.js');
    const text = readFileSync(new URL('../../../profiles.example.yml', import.meta.url), 'utf8');
    const outputs = Object.keys((parse(text) as { pipedrive: { outputs: Record<string, unknown> } }).pipedrive.outputs);
    const types = new Set<string>();
    for (const name of outputs) {
      const target = targetFromProfiles(text, 'profiles.example.yml', { target: name, env: { DBT_ENV_SECRET_PG_PASSWORD: 'pw' } });
      types.add(target.type);
      if (target.type === 'duckdb') expect(() => parseDuckDBSettings(target.settings)).not.toThrow();
      else if (target.type === 'postgres') expect(() => parsePostgresSettings(target.settings)).not.toThrow();
      else if (target.type === 'bigquery') expect(() => parseBigQuerySettings(target.settings)).not.toThrow();
      else expect(() => parseSnowflakeSettings(target.settings)).not.toThrow();
    }
    expect([...types].sort()).toEqual(['bigquery', 'duckdb', 'postgres', 'snowflake']);
    // Every output is introduced by a comment.
    const lines = text.split('\n');
    for (const name of outputs) {
      const index = lines.findIndex((line) => line === `    ${name}:`);
      expect(lines[index - 1], name).toMatch(/^\s+#/);
    }
  });
});
