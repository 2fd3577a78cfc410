/**
 * Validating the connection settings the CLI passes in (token, base URL) without ever echoing
 * the token back in a message, and resolving the API-budget settings (burst limit, token cap)
 * from flags and profiles.yml.
 */
import { ConfigurationError } from '../errors.js';
import { redact } from '../redact.js';

export function validToken(raw: string): string {
  const token = (raw ?? '').trim();
  if (token === '') {
    throw new ConfigurationError(
      'PIPEDRIVE_API_TOKEN is empty. Find the token in Pipedrive under Settings → Personal preferences → API.',
    );
  }
  // Header values must be visible ASCII; say so without echoing the token.
  if (/[^\x21-\x7e]/.test(token)) {
    throw new ConfigurationError(
      'PIPEDRIVE_API_TOKEN contains spaces, line breaks or non-ASCII characters; copy it again from ' +
        'Settings → Personal preferences → API.',
    );
  }
  return token;
}

/**
 * Accepts `https://api.pipedrive.com`, `https://acme.pipedrive.com/`, the sandbox's
 * `http://127.0.0.1:4010`, and also a URL copied from the docs with `/v1`, `/api/v1` or `/api/v2`
 * on the end (stripped, since the client adds the version prefix itself).
 */
export function normalizeBaseUrl(raw: string, token = ''): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigurationError(`--pipedrive-url is not a valid URL: ${redact(raw, [token])}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`--pipedrive-url must be an http(s) URL, got ${url.protocol}`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigurationError(
      `--pipedrive-url must be a plain base URL such as https://api.pipedrive.com, without a query string, ` +
        `fragment or credentials (the token goes in PIPEDRIVE_API_TOKEN); got ${url.origin}${url.pathname}`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/(api\/v[12]|v1)$/, '');
  return `${url.origin}${path}`;
}

/** Burst limit per API token and rolling 2 s of each Pipedrive plan (reference §6; OAuth apps get more). */
export const PLAN_REQUESTS_PER_2S = { lite: 20, growth: 40, premium: 100, ultimate: 120 } as const;
export type PipedrivePlan = keyof typeof PLAN_REQUESTS_PER_2S;
export const PIPEDRIVE_PLANS = Object.keys(PLAN_REQUESTS_PER_2S) as PipedrivePlan[];
/** Pipedrive's Lite plan allows 20 requests per rolling 2 s per API token: safe on every plan. */
export const DEFAULT_REQUESTS_PER_2S = PLAN_REQUESTS_PER_2S.lite;

/** The profiles.yml output keys the loader reads for itself (adapters ignore them). */
export const PROFILE_KEYS = {
  plan: 'pipedrive_plan',
  requestsPer2s: 'requests_per_2s',
  maxTokens: 'max_tokens',
} as const;

/** The API-budget settings as given on the command line and in the chosen profiles.yml output. */
export interface BudgetSettingsInput {
  readonly flags: {
    readonly requestsPer2s?: number;
    readonly pipedrivePlan?: string;
    readonly maxTokens?: number;
  };
  /** The resolved target's settings (profiles.yml output keys after env_var()); {} without a file. */
  readonly profile: Readonly<Record<string, unknown>>;
  /** Names the output in messages, e.g. `profiles.yml output 'prod'`. */
  readonly profileLabel: string;
}

export interface BudgetSettings {
  readonly requestsPer2s: number;
  /** Where the burst limit came from, for output: `--pipedrive-plan growth`, `default: the Lite plan` … */
  readonly requestsPer2sFrom: string;
  readonly maxTokens?: number;
  readonly maxTokensFrom?: string;
}

/**
 * Resolves the burst limit and the token cap. Precedence, first found wins:
 *   --requests-per-2s > --pipedrive-plan > output's requests_per_2s > output's pipedrive_plan > 20 (Lite)
 *   --max-tokens > output's max_tokens > no cap
 * A flag beats the profile as a whole (a one-off run overrides the standing setup), and within one
 * level an explicit number beats a plan name (it is the more specific statement). There are no
 * environment variables of their own: profiles.yml's env_var() already reads the environment.
 */
export function resolveBudgetSettings(input: BudgetSettingsInput): BudgetSettings {
  const { flags, profile, profileLabel } = input;
  const where = (key: string): string => `${profileLabel} ${key}`;
  // Every profile value is validated, even when a flag overrides it: a broken profile must not
  // go unnoticed until the day the flag is dropped.
  const profileRequests = wholeSetting(profile[PROFILE_KEYS.requestsPer2s], where(PROFILE_KEYS.requestsPer2s));
  const rawPlan = profile[PROFILE_KEYS.plan];
  const profilePlan = isUnset(rawPlan) ? undefined : planNamed(rawPlan, where(PROFILE_KEYS.plan));
  const profileCap = wholeSetting(profile[PROFILE_KEYS.maxTokens], where(PROFILE_KEYS.maxTokens));

  const burst = burstLimit(flags, profileRequests, profilePlan, where);
  if (flags.maxTokens !== undefined) {
    return { ...burst, maxTokens: positiveWhole(flags.maxTokens, '--max-tokens'), maxTokensFrom: '--max-tokens' };
  }
  if (profileCap !== undefined) return { ...burst, maxTokens: profileCap, maxTokensFrom: where(PROFILE_KEYS.maxTokens) };
  return burst;
}

type BurstLimit = Pick<BudgetSettings, 'requestsPer2s' | 'requestsPer2sFrom'>;

function burstLimit(
  flags: BudgetSettingsInput['flags'],
  profileRequests: number | undefined,
  profilePlan: PipedrivePlan | undefined,
  where: (key: string) => string,
): BurstLimit {
  if (flags.requestsPer2s !== undefined) {
    return { requestsPer2s: positiveWhole(flags.requestsPer2s, '--requests-per-2s'), requestsPer2sFrom: '--requests-per-2s' };
  }
  if (flags.pipedrivePlan !== undefined) {
    const plan = planNamed(flags.pipedrivePlan, '--pipedrive-plan');
    return { requestsPer2s: PLAN_REQUESTS_PER_2S[plan], requestsPer2sFrom: `--pipedrive-plan ${plan}` };
  }
  if (profileRequests !== undefined) {
    return { requestsPer2s: profileRequests, requestsPer2sFrom: where(PROFILE_KEYS.requestsPer2s) };
  }
  if (profilePlan !== undefined) {
    return { requestsPer2s: PLAN_REQUESTS_PER_2S[profilePlan], requestsPer2sFrom: `${where(PROFILE_KEYS.plan)} ${profilePlan}` };
  }
  return { requestsPer2s: DEFAULT_REQUESTS_PER_2S, requestsPer2sFrom: 'default: the Lite plan' };
}

function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || raw === '';
}

function planNamed(raw: unknown, where: string): PipedrivePlan {
  const name = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if ((PIPEDRIVE_PLANS as string[]).includes(name)) return name as PipedrivePlan;
  throw new ConfigurationError(
    `${where} must be one of ${PIPEDRIVE_PLANS.join(', ')} (got ${JSON.stringify(raw)}); ` +
      'or give the burst limit itself with --requests-per-2s / requests_per_2s.',
  );
}

/** A whole number ≥ 1 from profiles.yml, where env_var() renders numbers as strings. */
function wholeSetting(raw: unknown, where: string): number | undefined {
  if (isUnset(raw)) return undefined;
  const value = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number') {
    throw new ConfigurationError(`${where} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  }
  return positiveWhole(value, where);
}

function positiveWhole(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${where} must be a whole number of at least 1, got ${value}`);
  }
  return value;
}
