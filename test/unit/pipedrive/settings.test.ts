import { describe, expect, it } from 'vitest';
import { parseDuckDBSettings } from '../../../src/config/duckdb-settings.js';
import { parsePostgresSettings } from '../../../src/config/postgres-settings.js';
import { budgetSettingsFor } from '../../../src/cli/context.js';
import { defaultTarget, targetFromProfiles } from '../../../src/config/profiles.js';
import { ConfigurationError } from '../../../src/errors.js';
import { DEFAULT_REQUESTS_PER_2S, PLAN_REQUESTS_PER_2S, resolveBudgetSettings } from '../../../src/pipedrive/settings.js';

const LABEL = "profiles.yml output 'prod'";

function resolve(flags: Parameters<typeof resolveBudgetSettings>[0]['flags'], profile: Record<string, unknown> = {}) {
  return resolveBudgetSettings({ flags, profile, profileLabel: LABEL });
}

describe('burst limit', () => {
  it('is 20 per 2 s (Lite) when nothing says otherwise', () => {
    expect(DEFAULT_REQUESTS_PER_2S).toBe(20);
    expect(resolve({})).toEqual({ requestsPer2s: 20, requestsPer2sFrom: 'default: the Lite plan' });
  });

  it('follows the documented plan table', () => {
    expect(PLAN_REQUESTS_PER_2S).toEqual({ lite: 20, growth: 40, premium: 100, ultimate: 120 });
    for (const [plan, limit] of Object.entries(PLAN_REQUESTS_PER_2S)) {
      expect(resolve({ pipedrivePlan: plan }).requestsPer2s).toBe(limit);
      expect(resolve({}, { pipedrive_plan: plan }).requestsPer2s).toBe(limit);
    }
    // Written as the plan is named in Pipedrive's UI.
    expect(resolve({}, { pipedrive_plan: ' Premium ' })).toMatchObject({
      requestsPer2s: 100,
      requestsPer2sFrom: `${LABEL} pipedrive_plan premium`,
    });
  });

  it('takes, first found: --requests-per-2s, --pipedrive-plan, requests_per_2s, pipedrive_plan', () => {
    const profile = { requests_per_2s: 70, pipedrive_plan: 'growth' };
    expect(resolve({ requestsPer2s: 33, pipedrivePlan: 'ultimate' }, profile)).toMatchObject({
      requestsPer2s: 33,
      requestsPer2sFrom: '--requests-per-2s',
    });
    expect(resolve({ pipedrivePlan: 'ultimate' }, profile)).toMatchObject({
      requestsPer2s: 120,
      requestsPer2sFrom: '--pipedrive-plan ultimate',
    });
    expect(resolve({}, profile)).toMatchObject({ requestsPer2s: 70, requestsPer2sFrom: `${LABEL} requests_per_2s` });
    expect(resolve({}, { pipedrive_plan: 'growth' })).toMatchObject({ requestsPer2s: 40 });
  });

  it("reads numbers that env_var() rendered as text, and treats an empty value as unset", () => {
    expect(resolve({}, { requests_per_2s: '40', max_tokens: ' 5000 ' })).toMatchObject({ requestsPer2s: 40, maxTokens: 5000 });
    expect(resolve({}, { requests_per_2s: '', pipedrive_plan: '' })).toMatchObject({ requestsPer2s: 20 });
  });

  it('refuses unknown plans and unusable numbers with the place they came from', () => {
    expect(() => resolve({ pipedrivePlan: 'enterprise' })).toThrow(/--pipedrive-plan must be one of lite, growth, premium, ultimate/);
    expect(() => resolve({}, { pipedrive_plan: 40 })).toThrow(ConfigurationError);
    expect(() => resolve({}, { requests_per_2s: 'fast' })).toThrow(/profiles.yml output 'prod' requests_per_2s must be a whole number/);
    expect(() => resolve({}, { requests_per_2s: 0 })).toThrow(ConfigurationError);
    expect(() => resolve({ requestsPer2s: 2.5 })).toThrow(/--requests-per-2s must be a whole number/);
    expect(() => resolve({}, { max_tokens: -1 })).toThrow(/max_tokens must be a whole number/);
    expect(() => resolve({ maxTokens: 0 })).toThrow(/--max-tokens must be a whole number of at least 1/);
  });
});

describe('token cap', () => {
  it('is absent unless given; --max-tokens beats the profile', () => {
    expect(resolve({}).maxTokens).toBeUndefined();
    expect(resolve({}, { max_tokens: 900 })).toMatchObject({ maxTokens: 900, maxTokensFrom: `${LABEL} max_tokens` });
    expect(resolve({ maxTokens: 300 }, { max_tokens: 900 })).toMatchObject({ maxTokens: 300, maxTokensFrom: '--max-tokens' });
  });

  it('is validated even when a flag overrides it, so a broken profile never goes unnoticed', () => {
    expect(() => resolve({ maxTokens: 300 }, { max_tokens: 'lots' })).toThrow(ConfigurationError);
  });
});

describe('budget settings in a profiles.yml output', () => {
  const profiles = [
    'pipedrive:',
    '  target: prod',
    '  outputs:',
    '    prod:',
    '      type: postgres',
    '      host: db.internal',
    '      user: loader',
    '      dbname: analytics',
    '      pipedrive_plan: growth',
    "      max_tokens: \"{{ env_var('PIPEDRIVE_MAX_TOKENS', '20000') }}\"",
    '    local:',
    '      type: duckdb',
    '      path: ./x.duckdb',
    '      requests_per_2s: 100',
  ].join('\n');
  const args = { sandbox: false, sandboxDeals: 0, sandboxSeed: 1, logFormat: 'text', debug: false } as const;

  function resolved(target: string, env: Record<string, string> = {}) {
    return { target: targetFromProfiles(profiles, '/x/profiles.yml', { target, env }), source: '/x/profiles.yml' };
  }

  it('come from the chosen output, env_var() included, and flags override them', () => {
    expect(budgetSettingsFor(args, resolved('prod'))).toEqual({
      requestsPer2s: 40,
      requestsPer2sFrom: "profiles.yml output 'prod' pipedrive_plan growth",
      maxTokens: 20_000,
      maxTokensFrom: "profiles.yml output 'prod' max_tokens",
    });
    expect(budgetSettingsFor(args, resolved('prod', { PIPEDRIVE_MAX_TOKENS: '500' })).maxTokens).toBe(500);
    expect(budgetSettingsFor(args, resolved('local'))).toEqual({ requestsPer2s: 100, requestsPer2sFrom: "profiles.yml output 'local' requests_per_2s" });
    expect(budgetSettingsFor({ ...args, pipedrivePlan: 'ultimate' }, resolved('prod'), 900)).toMatchObject({
      requestsPer2s: 120,
      maxTokens: 900,
      maxTokensFrom: '--max-tokens',
    });
  });

  it('are ignored by the warehouse adapters', () => {
    expect(() => parsePostgresSettings(resolved('prod').target.settings)).not.toThrow();
    expect(() => parseDuckDBSettings(resolved('local').target.settings)).not.toThrow();
  });

  it('default to Lite with the embedded default target', () => {
    expect(budgetSettingsFor(args, { target: defaultTarget() })).toEqual({
      requestsPer2s: 20,
      requestsPer2sFrom: 'default: the Lite plan',
    });
  });
});
