/**
 * A thin Pipedrive REST client on node:http(s) (http-get.ts says why not the global `fetch`). The
 * official SDK is not used because it hides response headers (needed for rate-limit pacing) and
 * raw envelopes (needed for paging).
 *
 * Each `get` goes: client-side rolling-window limiter (which also honours the shared pause from
 * headers, bursts and Cloudflare) → token ledger (and the --max-tokens cap) → GET with a
 * timeout → release the limiter slot → interpret the response → on failure, ask the RetryPolicy
 * whether to wait and retry or throw a typed error. Every attempt, retries included, takes a slot.
 *
 * The token lives in a private field and is sent only in the `x-api-token` header: never in the
 * URL, never in an error, event or log. Text we do not control (Pipedrive error bodies, fetch
 * errors and their causes) is redacted before it is quoted or attached.
 */
import { BudgetExhaustedError, ConfigurationError } from '../errors.js';
import type { ApiVersion } from './catalog.js';
import { tokenCost } from './costs.js';
import { utf8Text } from './body-text.js';
import { fetchHttpGet, nodeHttpGet, type HttpGet } from './http-get.js';
import { describeFailure, maxTokensError, type AttemptFailure, type RequestLabel } from './http-errors.js';
import { DEFAULT_WINDOW_MS, HeaderPacer, RollingWindowLimiter, type RateLimitHeaders } from './rate-limiter.js';
import { errorCode, sanitizeError } from '../redact.js';
import { interpretResponse, type AttemptResult, type Envelope } from './response.js';
import { DEFAULT_REQUESTS_PER_2S, normalizeBaseUrl, validToken } from './settings.js';
import { NO_RETRIES_YET, RetryPolicy, type RetryCounts, type RetryPolicyOptions, type WaitReason } from './retry.js';
import { UNSCOPED_STREAM, UsageLedger } from './usage.js';

export const DEFAULT_BASE_URL = 'https://api.pipedrive.com';
export { DEFAULT_REQUESTS_PER_2S };
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export type { Envelope } from './response.js';
export { normalizeBaseUrl } from './settings.js';

/** Query parameters; `undefined` values are left out. */
export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** One attempt, reported after its response (or failure) arrived. */
export interface RequestEvent {
  readonly stream: string;
  readonly api: ApiVersion;
  /** The API path without the query string, e.g. `/deals`. */
  readonly path: string;
  /** Undefined when no response arrived (network error, timeout). */
  readonly status: number | undefined;
  /** 1 for the first attempt, 2 for the first retry … */
  readonly attempt: number;
  readonly tokens: number;
  readonly durationMs: number;
  /** A short, token-free description when the attempt failed. */
  readonly failure?: string;
}

/** The client is about to wait; for progress output. `pacing` covers headers and the limiter. */
export interface WaitEvent {
  readonly reason: WaitReason;
  readonly ms: number;
  readonly stream: string;
  readonly api: ApiVersion;
  readonly path: string;
}

export interface PipedriveClientOptions {
  /** Default https://api.pipedrive.com; a company domain or the sandbox also work. */
  baseUrl?: string;
  apiToken: string;
  /** Client-side burst limit per rolling 2 s. Default 20 (Lite). */
  requestsPer2s?: number;
  /** Attempts in all for transient failures. Default 6. */
  maxAttempts?: number;
  requestTimeoutMs?: number;
  /** Stop (BudgetExhaustedError) before a request that would take the run past this many tokens. */
  maxTokens?: number;
  /** A `fetch` to send requests through instead of node:http(s): tests script one. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  onRequest?: (event: RequestEvent) => void;
  onWait?: (event: WaitEvent) => void;
  /** Overrides for the retry policy's delays and bounds (tests, or a very patient CLI flag). */
  retry?: Omit<RetryPolicyOptions, 'random' | 'maxAttempts'>;
}

interface CallContext {
  readonly stream: string;
  readonly api: ApiVersion;
  readonly path: string;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class PipedriveClient {
  readonly usage = new UsageLedger();
  /** The normalized base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly #token: string;
  private readonly httpGet: HttpGet;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly policy: RetryPolicy;
  private readonly limiter: RollingWindowLimiter;
  private readonly pacer: HeaderPacer;
  private readonly requestTimeoutMs: number;
  private readonly maxTokens: number | undefined;
  private readonly onRequest: ((event: RequestEvent) => void) | undefined;
  private readonly onWait: ((event: WaitEvent) => void) | undefined;
  /**
   * Set once Pipedrive says the daily budget is spent: every later request would be refused too,
   * and hammering a 429ing API is what earns a Cloudflare block, so later calls fail at once.
   */
  private budgetSpentMessage: string | undefined;
  /** The latest `Date` header Pipedrive sent (ms): its own clock, the one that stamps update_time. */
  private latestServerTime: number | undefined;

  constructor(options: PipedriveClientOptions) {
    this.#token = validToken(options.apiToken);
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL, this.#token);
    this.httpGet = options.fetch ? fetchHttpGet(options.fetch) : nodeHttpGet;
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.requestTimeoutMs = positive('request timeout (ms)', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.maxTokens = options.maxTokens === undefined ? undefined : positive('--max-tokens', options.maxTokens);
    const perWindow = options.requestsPer2s ?? DEFAULT_REQUESTS_PER_2S;
    if (!Number.isInteger(perWindow) || perWindow < 1) {
      throw new ConfigurationError(`--requests-per-2s must be a whole number of at least 1, got ${perWindow}`);
    }
    const maxAttempts = options.maxAttempts ?? 6;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new ConfigurationError(`the maximum number of attempts must be a whole number of at least 1, got ${maxAttempts}`);
    }
    this.policy = new RetryPolicy({ ...options.retry, maxAttempts, random: options.random ?? Math.random });
    this.pacer = new HeaderPacer(this.now, this.sleep, DEFAULT_WINDOW_MS);
    // The shared pause is checked where slots are granted, in queue order: a caller already
    // queued for a slot when a 429 arrives waits too, instead of sending into a full window.
    this.limiter = new RollingWindowLimiter(perWindow, this.now, this.sleep, DEFAULT_WINDOW_MS, {
      pausedFor: () => this.pacer.remainingMs(),
    });
    this.onRequest = options.onRequest;
    this.onWait = options.onWait;
  }

  /** GET one page/object. `path` is below `/api/v2` (v2) or `/v1` (v1), starts with `/`, no query. */
  async get(api: ApiVersion, path: string, params: QueryParams = {}, context: { stream?: string } = {}): Promise<Envelope> {
    if (!path.startsWith('/') || /[?#]/.test(path)) {
      throw new TypeError(`Pipedrive path must start with "/" and carry no query string: ${path}`);
    }
    const url = this.urlFor(api, path, params);
    const label: RequestLabel = { method: 'GET', location: `${url.origin}${url.pathname}` };
    const call: CallContext = { stream: context.stream ?? UNSCOPED_STREAM, api, path };
    const cost = tokenCost(api, 'GET', path);
    let counts: RetryCounts = NO_RETRIES_YET;
    for (let attempt = 1; ; attempt++) {
      const release = await this.limiter.acquire((ms) => this.emitWait('pacing', ms, call));
      let result: AttemptResult;
      const started = this.now();
      try {
        // Checked after the waits: another caller may have hit the daily limit meanwhile.
        if (this.budgetSpentMessage !== undefined) throw new BudgetExhaustedError(this.budgetSpentMessage);
        this.charge(call.stream, cost, label);
        result = await this.attempt(url);
      } finally {
        release();
      }
      if (result.rateLimit) this.learn(result.rateLimit);
      this.onRequest?.({
        ...call,
        status: result.status,
        attempt,
        tokens: cost,
        durationMs: this.now() - started,
        ...(result.ok ? {} : { failure: describeFailure(result.failure) }),
      });
      if (result.ok) return result.envelope;
      const decision = this.policy.decide(result.failure, counts, label);
      if (decision.action === 'fail') {
        if (decision.error instanceof BudgetExhaustedError) this.budgetSpentMessage = decision.error.message;
        throw decision.error;
      }
      counts = decision.counts;
      if (decision.shared) this.pacer.pauseFor(decision.delayMs);
      this.emitWait(decision.reason, decision.delayMs, call);
      await this.sleep(decision.delayMs);
    }
  }

  /**
   * Pipedrive's clock as of its latest response (its `Date` header, whole seconds), or undefined
   * before any response carried one. No record can have been updated later than this.
   */
  serverTime(): number | undefined {
    return this.latestServerTime;
  }

  /** The full URL of a request; exposed for logging and tests (it never contains the token). */
  urlFor(api: ApiVersion, path: string, params: QueryParams = {}): URL {
    const url = new URL(`${this.baseUrl}${api === 'v2' ? '/api/v2' : '/v1'}${path}`);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Charges the ledger, or stops first if this request would pass --max-tokens. */
  private charge(stream: string, cost: number, label: RequestLabel): void {
    const used = this.usage.total().tokens;
    if (this.maxTokens !== undefined && used + cost > this.maxTokens) {
      throw maxTokensError(this.maxTokens, used, cost, label, stream);
    }
    this.usage.charge(stream, cost);
  }

  private learn(rateLimit: RateLimitHeaders): void {
    this.pacer.observe(rateLimit, this.limiter.inFlight, { limit: this.limiter.limit, inWindow: this.limiter.inWindow });
    if (rateLimit.limit !== undefined) this.limiter.lowerLimit(rateLimit.limit);
  }

  private emitWait(reason: WaitReason, ms: number, call: CallContext): void {
    this.onWait?.({ reason, ms, ...call });
  }

  private async attempt(url: URL): Promise<AttemptResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.requestTimeoutMs);
    try {
      // Never follow a redirect (http-get.ts): the token header would go to the new host.
      const response = await this.httpGet(
        url,
        { 'x-api-token': this.#token, accept: 'application/json', 'user-agent': 'pipedrive-loader' },
        controller.signal,
      );
      // The timeout covers reading the body too: a stalled page is as bad as a stalled connect.
      const text = utf8Text(response.body);
      const date = Date.parse(response.headers.get('date') ?? '');
      if (Number.isFinite(date) && (this.latestServerTime === undefined || date > this.latestServerTime)) this.latestServerTime = date;
      return interpretResponse(response.status, response.headers, text, [this.#token]);
    } catch (error) {
      if (controller.signal.aborted) {
        return { ok: false, status: undefined, rateLimit: undefined, failure: { kind: 'timeout', afterMs: this.requestTimeoutMs } };
      }
      const failure: AttemptFailure = {
        kind: 'network',
        code: errorCode(error),
        cause: sanitizeError(error, [this.#token]),
      };
      return { ok: false, status: undefined, rateLimit: undefined, failure };
    } finally {
      clearTimeout(timer);
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive number, got ${value}`);
  return value;
}
