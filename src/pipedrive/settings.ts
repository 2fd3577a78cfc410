/**
 * Validating the connection settings the CLI passes in (token, base URL) without ever echoing
 * the token back in a message.
 */
import { ConfigurationError } from '../errors.js';
import { redact } from './redact.js';

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
