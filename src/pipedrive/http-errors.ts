/**
 * What can go wrong with one attempt (`AttemptFailure`), and the typed, actionable errors the
 * loader raises for it. Messages name the request as `GET <origin><path>` without the query
 * string and quote Pipedrive's own `error` text; they never contain request headers, so the
 * API token cannot leak through them (the client still runs `redact` over the quoted text).
 */
import {
  AuthenticationError,
  BudgetExhaustedError,
  SourceTerminalError,
  SourceTransientError,
  type LoaderError,
} from '../errors.js';
import type { RateLimitHeaders } from './rate-limiter.js';

/** A response whose status or envelope says the request failed. */
export interface HttpFailure {
  readonly kind: 'http';
  readonly status: number;
  readonly rateLimit: RateLimitHeaders;
  /** The parsed body when it was a JSON object; undefined for HTML and other non-JSON bodies. */
  readonly json: Readonly<Record<string, unknown>> | undefined;
}

/** A 2xx whose body is not a usable JSON envelope (empty, `null`, cut off, HTML …). */
export interface BodyFailure {
  readonly kind: 'body';
  readonly status: number;
  readonly problem: 'empty' | 'null' | 'truncated' | 'non-json' | 'not-envelope';
}

/** fetch rejected: connection refused or reset, DNS, TLS, socket closed mid-body … */
export interface NetworkFailure {
  readonly kind: 'network';
  /** ECONNRESET, UND_ERR_SOCKET … when the error carried one. */
  readonly code: string | undefined;
  /** Already sanitized (see redact.ts): safe to attach as a cause. */
  readonly cause: Error;
}

export interface TimeoutFailure {
  readonly kind: 'timeout';
  readonly afterMs: number;
}

export type AttemptFailure = HttpFailure | BodyFailure | NetworkFailure | TimeoutFailure;

/** Identifies a request in messages: `GET https://api.pipedrive.com/api/v2/deals`. */
export interface RequestLabel {
  readonly method: string;
  /** Origin + pathname, never the query string. */
  readonly location: string;
}

const MAX_QUOTE = 300;

/** Pipedrive's own explanation (`error`, or `message` on a few endpoints), shortened. */
export function pipedriveErrorText(json: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!json) return undefined;
  // `error_info` is usually a generic "see developers.pipedrive.com": only a last resort.
  const said = [json.error, json.message, json.error_info].find(
    (p): p is string => typeof p === 'string' && p.trim() !== '',
  );
  if (said === undefined) return undefined;
  const text = said.replace(/\s+/g, ' ').trim();
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

function at(status: number, where: RequestLabel, json: HttpFailure['json']): string {
  const said = pipedriveErrorText(json);
  return `${status} at ${where.method} ${where.location}${said ? `: "${said}"` : ''}`;
}

/** The terminal error for an HTTP failure the policy will not retry. */
export function terminalHttpError(failure: HttpFailure, where: RequestLabel): LoaderError {
  const { status, json } = failure;
  const what = at(status, where, json);
  switch (status) {
    case 401:
      return new AuthenticationError(
        `Pipedrive rejected the API token (${what}). Check PIPEDRIVE_API_TOKEN ` +
          '(Pipedrive: Settings → Personal preferences → API), and that an admin has not disabled API access for this user.',
      );
    case 402:
      return new AuthenticationError(
        `Pipedrive says the company account is not open (${what}): the trial or subscription has ended. ` +
          'Check the billing page in Pipedrive, or use a token from an active company.',
      );
    case 403:
      return new SourceTerminalError(
        `Pipedrive refused access (${what}). The token's user lacks permission for this data, or the ` +
          "company's plan or add-on does not include it. Use a (global admin) user's token, or exclude this stream.",
        status,
      );
    case 404:
      return new SourceTerminalError(
        `Pipedrive has no such path (${what}). Check --pipedrive-url / PIPEDRIVE_BASE_URL; ` +
          'or the endpoint needs an add-on the company does not have.',
        status,
      );
    case 400:
      return new SourceTerminalError(
        `Pipedrive rejected the request as invalid (${what}). This is most likely a loader bug or an ` +
          'API change; please report it with this message.',
        status,
      );
    default:
      break;
  }
  if (status >= 300 && status < 400) {
    return new SourceTerminalError(
      `Pipedrive answered with a redirect (${what}); the loader does not follow redirects so the token ` +
        'is never sent elsewhere. Check --pipedrive-url / PIPEDRIVE_BASE_URL (https, the right host).',
      status,
    );
  }
  if (status >= 200 && status < 300) {
    return new SourceTerminalError(`Pipedrive reported a failure (success: false, ${what}).`, status);
  }
  return new SourceTerminalError(`Pipedrive answered ${what}.`, status);
}

/** The daily company budget is spent: stop now, resume tomorrow. */
export function dailyBudgetError(failure: HttpFailure, where: RequestLabel): BudgetExhaustedError {
  return new BudgetExhaustedError(
    `Pipedrive's daily API token budget for this company is spent (${at(429, where, failure.json)}). ` +
      "It resets at midnight in Pipedrive's server time. Data committed so far is kept; run again " +
      'after the reset and the load resumes from its bookmarks.',
  );
}

/**
 * The run's own --max-tokens cap would be passed by the next request, which is not sent. The
 * figures let the load tell a cap that merely paused it (exit 4) from one no run can pass
 * (src/load/token-cap.ts).
 */
export class TokenCapError extends BudgetExhaustedError {
  constructor(
    message: string,
    readonly cap: number,
    readonly used: number,
    readonly cost: number,
    readonly stream: string,
  ) {
    super(message);
    // Still reported as the budget stopping the run (exit 4, the same JSON `error`).
    this.name = 'BudgetExhaustedError';
  }
}

export function maxTokensError(cap: number, used: number, cost: number, where: RequestLabel, stream = ''): TokenCapError {
  return new TokenCapError(
    `Stopped at the --max-tokens cap of ${cap} tokens: ${used} used so far, and the next request ` +
      `(${where.method} ${where.location}, ${cost} tokens) would pass it. Data committed so far is kept; ` +
      'the next run resumes from its bookmarks.',
    cap,
    used,
    cost,
    stream,
  );
}

/** A short description of a failure for logs and for the give-up message. */
export function describeFailure(failure: AttemptFailure): string {
  switch (failure.kind) {
    case 'http': {
      const said = pipedriveErrorText(failure.json);
      const body = failure.json ? '' : ' (non-JSON body)';
      return `HTTP ${failure.status}${body}${said ? ` "${said}"` : ''}`;
    }
    case 'body':
      return {
        empty: `HTTP ${failure.status} with an empty body`,
        null: `HTTP ${failure.status} with a null body`,
        truncated: `HTTP ${failure.status} with a truncated JSON body`,
        'non-json': `HTTP ${failure.status} with a non-JSON body`,
        'not-envelope': `HTTP ${failure.status} with JSON that is not a Pipedrive response`,
      }[failure.problem];
    case 'network':
      return `network error (${failure.code ?? innermostMessage(failure.cause)})`;
    case 'timeout':
      return `no complete response within ${Math.round(failure.afterMs / 1000)} s`;
  }
}

/** Retries ran out on a failure that may well go away later. */
/** fetch wraps the reason ("connect ECONNREFUSED …", "bad port") in causes; show the innermost. */
function innermostMessage(error: Error): string {
  let current: Error = error;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}

export function gaveUpError(failure: AttemptFailure, attempts: number, where: RequestLabel): SourceTransientError {
  const cause = failure.kind === 'network' ? { cause: failure.cause } : undefined;
  return new SourceTransientError(
    `Pipedrive kept failing at ${where.method} ${where.location}: ${attempts} attempts, the last ` +
      `${describeFailure(failure)}. This is usually temporary: run again later (committed data is kept).`,
    cause,
  );
}

/** Cloudflare kept answering with its HTML 403 page: the token is fine, we were too fast. */
export function cloudflareBlockError(attempts: number, where: RequestLabel): SourceTransientError {
  return new SourceTransientError(
    `Pipedrive's Cloudflare front blocked ${where.method} ${where.location} (HTML 403, ${attempts} attempts). ` +
      'This is not an authentication problem: it follows too many rate-limited requests. Wait at least ' +
      'several minutes, lower --requests-per-2s, and check that other tools are not using the same token heavily.',
  );
}

/** 429 bursts kept coming although we waited for each reset (`withHeaders`: they said remaining 0). */
export function burstLimitError(attempts: number, where: RequestLabel, withHeaders = true): SourceTransientError {
  const which = withHeaders ? '429 with x-ratelimit-remaining: 0' : '429 without rate-limit headers';
  return new SourceTransientError(
    `Pipedrive kept rate-limiting ${where.method} ${where.location} (${which}, ${attempts} attempts). ` +
      'Another tool may be using the same token heavily; lower --requests-per-2s or run later.',
  );
}
