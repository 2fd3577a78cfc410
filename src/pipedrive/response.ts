/**
 * Interpreting one HTTP response: a usable Pipedrive envelope, or an `AttemptFailure` for the
 * retry policy. Error bodies are redacted before they are parsed, because their text ends up
 * quoted in error messages.
 */
import type { AttemptFailure } from './http-errors.js';
import { parseRateLimitHeaders, type RateLimitHeaders } from './rate-limiter.js';
import { redact } from '../redact.js';

export interface Envelope {
  success: boolean;
  data: unknown;
  additional_data?: unknown;
  related_objects?: unknown;
}

/** One attempt's outcome: an envelope, or a failure for the retry policy to judge. */
export type AttemptResult =
  | { readonly ok: true; readonly status: number; readonly rateLimit: RateLimitHeaders; readonly envelope: Envelope }
  | {
      readonly ok: false;
      readonly status: number | undefined;
      readonly rateLimit: RateLimitHeaders | undefined;
      readonly failure: AttemptFailure;
    };

type ParsedBody = { readonly value: unknown } | { readonly problem: 'empty' | 'truncated' | 'non-json' };

function parseBody(text: string): ParsedBody {
  const trimmed = text.trim();
  if (trimmed === '') return { problem: 'empty' };
  try {
    return { value: JSON.parse(trimmed) as unknown };
  } catch {
    // JSON that starts well but does not parse was cut off (or corrupted) on the way.
    return { problem: trimmed.startsWith('{') || trimmed.startsWith('[') ? 'truncated' : 'non-json' };
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Turns one HTTP response into an envelope or a failure. Exported for unit tests. */
export function interpretResponse(
  status: number,
  headers: Headers,
  text: string,
  secrets: readonly string[],
): AttemptResult {
  const rateLimit = parseRateLimitHeaders(headers);
  const failed = (failure: AttemptFailure): AttemptResult => ({ ok: false, status, rateLimit, failure });
  const errorJson = (): Record<string, unknown> | undefined => {
    // Error bodies are quoted in messages, so they are redacted before anything reads them.
    const parsed = parseBody(redact(text, secrets));
    return 'value' in parsed ? asObject(parsed.value) : undefined;
  };
  if (status < 200 || status >= 300) return failed({ kind: 'http', status, rateLimit, json: errorJson() });
  const parsed = parseBody(text);
  if (!('value' in parsed)) return failed({ kind: 'body', status, problem: parsed.problem });
  if (parsed.value === null) return failed({ kind: 'body', status, problem: 'null' });
  const envelope = asObject(parsed.value);
  if (!envelope || typeof envelope.success !== 'boolean') {
    return failed({ kind: 'body', status, problem: 'not-envelope' });
  }
  if (!envelope.success) return failed({ kind: 'http', status, rateLimit, json: errorJson() });
  return { ok: true, status, rateLimit, envelope: envelope as unknown as Envelope };
}
