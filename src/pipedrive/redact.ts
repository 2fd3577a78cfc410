/**
 * Keeping the API token out of every message, log line and stack trace.
 *
 * The client never puts the token anywhere but the `x-api-token` request header, so in normal
 * operation there is nothing to redact. These helpers are the safety net for text we do not
 * control: Pipedrive's own error strings, and errors thrown by `fetch`/undici (whose messages and
 * causes may quote headers or URLs).
 */

export const REDACTED = '[REDACTED]';

/**
 * Replaces every occurrence of each secret (and its URL-encoded form) with `[REDACTED]`.
 * Empty secrets are ignored. Longer secrets are replaced first so that a secret containing
 * another is removed whole.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    out = out.split(form).join(REDACTED);
  }
  return out;
}

/** How deep a cause chain is copied; deeper links are dropped rather than risked. */
const MAX_CAUSE_DEPTH = 4;

/**
 * Returns a copy of `error` that is safe to attach as a `cause`: same name, `code` and (redacted)
 * message and stack, with its own cause chain sanitized the same way. Non-Error values become an
 * Error describing their type only, since their contents are unknown.
 */
export function sanitizeError(error: unknown, secrets: readonly string[], depth = 0): Error {
  if (!(error instanceof Error)) {
    return new Error(`non-Error value thrown (${typeof error})`);
  }
  const cause =
    error.cause !== undefined && depth < MAX_CAUSE_DEPTH
      ? sanitizeError(error.cause, secrets, depth + 1)
      : undefined;
  const copy = new Error(redact(error.message, secrets), cause ? { cause } : undefined);
  copy.name = redact(error.name, secrets);
  copy.stack = redact(error.stack ?? `${copy.name}: ${copy.message}`, secrets);
  const code = errorCode(error);
  if (code !== undefined) Object.assign(copy, { code: redact(code, secrets) });
  return copy;
}

/** The first string `code` (ECONNRESET, UND_ERR_SOCKET …) found along an error's cause chain. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}
