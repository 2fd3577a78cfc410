/** Response building blocks: Pipedrive's JSON envelopes (reference §3, §7) and Cloudflare HTML pages. */

export interface Reply {
  readonly status: number;
  /** Text, or its UTF-8 bytes when a handler assembled them (list pages from cached records). */
  readonly body: string | Buffer;
  readonly contentType: string;
}

/** The reply's body as text (fault injection cuts it by characters). */
export function bodyText(reply: Reply): string {
  return typeof reply.body === 'string' ? reply.body : reply.body.toString('utf8');
}

/** A request the handlers reject; the server turns it into Pipedrive's error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly info = 'Please check developers.pipedrive.com for more information about Pipedrive API.',
  ) {
    super(message);
  }
}

export function jsonReply(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value), contentType: 'application/json; charset=utf-8' };
}

/** `{"success":true,"data":[…],"additional_data":…}` from each item's JSON, byte for byte as successReply. */
export function successReplyFromJson(items: readonly Buffer[], additionalData: unknown): Reply {
  const head = Buffer.from('{"success":true,"data":[', 'utf8');
  const tail = Buffer.from(`],"additional_data":${JSON.stringify(additionalData)}}`, 'utf8');
  const comma = Buffer.from(',', 'utf8');
  const parts: Buffer[] = [head];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts.push(comma);
    parts.push(items[i] as Buffer);
  }
  parts.push(tail);
  return { status: 200, body: Buffer.concat(parts), contentType: 'application/json; charset=utf-8' };
}

export function successReply(data: unknown, additionalData?: unknown): Reply {
  return jsonReply(200, additionalData === undefined ? { success: true, data } : { success: true, data, additional_data: additionalData });
}

export function errorReply(status: number, error: string, info?: string): Reply {
  return jsonReply(status, {
    success: false,
    error,
    errorCode: status,
    error_info: info ?? 'Please check developers.pipedrive.com for more information about Pipedrive API.',
    data: null,
    additional_data: null,
  });
}

const CLOUDFLARE_TITLES: Record<number, string> = {
  403: 'Access denied',
  502: 'Bad gateway',
  504: 'Gateway time-out',
  524: 'A timeout occurred',
};

/** The HTML page Cloudflare serves in front of Pipedrive: not JSON, on purpose. */
export function cloudflareReply(status: number): Reply {
  const title = CLOUDFLARE_TITLES[status] ?? 'Error';
  const body =
    `<!DOCTYPE html>\n<html lang="en-US"><head><title>${title} | api.pipedrive.com | Cloudflare</title></head>` +
    `<body><div id="cf-wrapper"><h1>Error ${status === 403 ? 1020 : status}</h1><h2>${title}</h2>` +
    `<p>This error is produced by Cloudflare. The site owner may have set restrictions that prevent you from accessing the site.</p>` +
    `<p>Cloudflare Ray ID: 8c0ffee000000000</p></div></body></html>\n`;
  return { status, body, contentType: 'text/html; charset=UTF-8' };
}

/** A `true`/`false` query parameter; anything else is a 400, as the real API validates booleans. */
export function booleanParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ApiError(400, `Parameter '${name}' must be true or false`);
  return raw === 'true';
}

/** A parameter restricted to an enum; a value outside it is a 400. */
export function oneOf(query: URLSearchParams, name: string, allowed: readonly string[]): string | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!allowed.includes(raw)) throw new ApiError(400, `Parameter '${name}' must be one of ${allowed.join(', ')}`);
  return raw;
}
