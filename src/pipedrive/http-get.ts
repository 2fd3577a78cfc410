/**
 * One GET, its status, headers and whole body as bytes: the transport under PipedriveClient.
 *
 * The default goes through `node:http`/`node:https` (their global agents keep connections alive)
 * rather than the global `fetch`: reading a 1.9 MB page of 500 wide deals through fetch cost the
 * loader ~60 µs of CPU a record against ~40–48 through node:http (decode and JSON.parse included;
 * measured on sandbox pages), fetch's web streams and promise per chunk being the difference.
 * Nothing about the request changes: the same headers, redirects are never followed (a 3xx is
 * answered as it is, so the token never goes to another host), and compressed bodies are
 * decompressed as fetch would. A caller's `fetch` (tests) is wrapped into the same shape.
 *
 * The signal covers the whole exchange, body included: aborting it rejects with the abort error.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export type HttpGet = (url: URL, headers: Readonly<Record<string, string>>, signal: AbortSignal) => Promise<RawResponse>;

const DECOMPRESS: Readonly<Record<string, (bytes: Buffer) => Promise<Buffer>>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/** What fetch would send unasked; Pipedrive compresses pages that are otherwise ~2 MB. */
const ACCEPT_ENCODING = 'gzip, deflate, br';

function headersOf(message: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}

/** The body's bytes: into one buffer of the announced length when there is one, else joined. */
function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const announced = Number(message.headers['content-length']);
    let buffer = Number.isSafeInteger(announced) && announced > 0 ? Buffer.allocUnsafe(announced) : undefined;
    let used = 0;
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => {
      if (buffer !== undefined && used + chunk.length <= buffer.length) {
        chunk.copy(buffer, used);
        used += chunk.length;
        return;
      }
      if (buffer !== undefined) {
        // Longer than announced: keep what came, joined at the end.
        chunks.push(buffer.subarray(0, used));
        buffer = undefined;
      }
      chunks.push(chunk);
    });
    message.on('end', () => resolve(buffer !== undefined ? buffer.subarray(0, used) : Buffer.concat(chunks)));
    message.on('error', reject);
    // A connection that closes before the body ended (a cut-off page) is a network error.
    message.on('aborted', () => reject(Object.assign(new Error('the connection closed before the response ended'), { code: 'ECONNRESET' })));
  });
}

/** The default transport: node:http or node:https by the URL's protocol. */
export const nodeHttpGet: HttpGet = (url, headers, signal) =>
  new Promise<RawResponse>((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = request(url, { method: 'GET', headers: { ...headers, 'accept-encoding': ACCEPT_ENCODING }, signal }, (message) => {
      const encoding = (message.headers['content-encoding'] ?? '').trim().toLowerCase();
      readBody(message)
        .then((bytes) => {
          const decompress = DECOMPRESS[encoding];
          return decompress === undefined || bytes.length === 0 ? bytes : decompress(bytes);
        })
        .then((body) => resolve({ status: message.statusCode ?? 0, headers: headersOf(message), body }), reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });

/** A `fetch` (tests script one) as a transport, with redirects never followed. */
export function fetchHttpGet(fetchImpl: typeof fetch): HttpGet {
  return async (url, headers, signal) => {
    const response = await fetchImpl(url.toString(), { method: 'GET', headers: { ...headers }, redirect: 'manual', signal });
    return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
  };
}
