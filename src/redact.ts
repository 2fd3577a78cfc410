/**
 * The one redactor. Every secret the loader knows is removed from text before that text is
 * printed, stored in `_loader_runs` or attached to an error as its cause. The secrets are the API
 * token, profile passwords, keys and tokens, and DBT_ENV_SECRET_* values. The CLI's Reporter uses
 * it on every line, the Pipedrive client on error bodies and fetch errors, and each warehouse
 * adapter's errors.ts in its error mapping.
 *
 * The rules:
 * - **Every form a secret takes is removed.** That is the secret as written, URL-encoded (URLs
 *   and form bodies), and JSON-escaped. A secret holding `"` or `\` appears escaped inside a JSON
 *   log line or a quoted JSON error body, so both the JavaScript form and PHP's (`\/`, `\u00e9`,
 *   as Pipedrive writes it) are removed, and also the form escaped twice (JSON quoted in JSON).
 * - **No character of any occurrence survives.** Every occurrence of every form is found
 *   separately, and overlapping ones merge into one marker. So a secret that is a prefix of
 *   another, or overlaps it, never leaves a tail behind. The marker is never scanned again.
 * - **Every non-empty secret is redacted, however short.** A 1–3 character password is redacted
 *   wherever those characters appear, which garbles output (`shortSecrets` lets the CLI say why).
 *   A garbled log is a nuisance; a password in a CI log is a leak. Callers that build structured
 *   output (JSON lines) redact the values before serializing, so even `"` as a secret cannot
 *   break a line's JSON.
 * - **Credential shapes go even when not registered.** These are PEM private key blocks,
 *   `Bearer …` tokens and Google access tokens (`ya29.…`), because SDK errors may quote request
 *   headers or key files the loader never saw as text.
 */

export const REDACTED = '[REDACTED]';

/** Secrets shorter than this garble output when redacted (see `shortSecrets`). */
export const SHORT_SECRET_LENGTH = 4;

/** Text that is a credential whatever its value; the match (not its lookbehind) is removed. */
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /(?<=\bBearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /\bya29\.[A-Za-z0-9._-]+/g,
];

/** The secret inside a JSON string, as JavaScript's JSON.stringify writes it. */
function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** The secret inside a JSON string as PHP writes it by default: `/` escaped, non-ASCII as \uXXXX. */
function phpJsonEscaped(text: string): string {
  return jsonEscaped(text)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every form of `secret` that may appear in output; empty for an empty secret. */
export function secretForms(secret: string): string[] {
  if (secret === '') return [];
  const urlEncoded = encodeURIComponent(secret);
  const forms = new Set([
    secret,
    urlEncoded,
    urlEncoded.replace(/%20/g, '+'),
    jsonEscaped(secret),
    phpJsonEscaped(secret),
    jsonEscaped(jsonEscaped(secret)),
  ]);
  return [...forms];
}

/** The secrets that `redact` garbles output with, because they are shorter than 4 characters. */
export function shortSecrets(secrets: readonly string[]): string[] {
  return secrets.filter((secret) => secret !== '' && secret.length < SHORT_SECRET_LENGTH);
}

/**
 * A set of secrets, their forms computed once: the Reporter redacts every line it prints with
 * one. Secrets added later apply to every later call.
 */
export class Redactor {
  #forms: string[] = [];
  readonly #secrets = new Set<string>();

  constructor(secrets: readonly string[] = []) {
    this.add(secrets);
  }

  /** Registers secrets; empty and already known ones are ignored. Returns the new ones. */
  add(secrets: readonly string[]): string[] {
    const added = secrets.filter((secret) => secret !== '' && !this.#secrets.has(secret));
    if (added.length === 0) return [];
    for (const secret of added) this.#secrets.add(secret);
    this.#forms = [...new Set([...this.#secrets].flatMap(secretForms))];
    return added;
  }

  get secrets(): readonly string[] {
    return [...this.#secrets];
  }

  redact(text: string): string {
    const spans: [start: number, end: number][] = [];
    for (const form of this.#forms) {
      // Step by one character: occurrences of one form may overlap ("aa" in "aaa").
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) spans.push([at, at + form.length]);
    }
    for (const shape of CREDENTIAL_SHAPES) {
      for (const match of text.matchAll(shape)) if (match[0] !== '') spans.push([match.index, match.index + match[0].length]);
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0]);
    // Overlapping occurrences become one marker; touching ones stay separate markers.
    const merged: [start: number, end: number][] = [];
    for (const [start, end] of spans) {
      const last = merged.at(-1);
      if (last !== undefined && start < last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    let out = '';
    let copiedUpTo = 0;
    for (const [start, end] of merged) {
      out += text.slice(copiedUpTo, start) + REDACTED;
      copiedUpTo = end;
    }
    return out + text.slice(copiedUpTo);
  }
}

/** Removes every form of every secret (and every credential shape) from `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  return new Redactor(secrets).redact(text);
}

/** How deep a cause chain is copied; deeper links are dropped rather than risked. */
const MAX_CAUSE_DEPTH = 4;

/**
 * Returns a copy of `error` that is safe to attach as a `cause`: same name, `code` and (redacted)
 * message and stack, with its own cause chain sanitized the same way. Non-Error values become an
 * Error describing their type only, since their contents are unknown. SDK errors that hold a
 * request (headers, bodies) lose it here: only the name, message, code and stack are kept.
 */
export function sanitizeError(error: unknown, secrets: readonly string[], depth = 0): Error {
  const redactor = new Redactor(secrets);
  if (!(error instanceof Error)) {
    return new Error(`non-Error value thrown (${typeof error})`);
  }
  const cause =
    error.cause !== undefined && depth < MAX_CAUSE_DEPTH ? sanitizeError(error.cause, secrets, depth + 1) : undefined;
  const copy = new Error(redactor.redact(error.message), cause ? { cause } : undefined);
  copy.name = redactor.redact(error.name);
  copy.stack = redactor.redact(error.stack ?? `${copy.name}: ${copy.message}`);
  const code = errorCode(error);
  if (code !== undefined) Object.assign(copy, { code: redactor.redact(code) });
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
