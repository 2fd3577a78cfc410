/** Small fetch helpers for the sandbox tests (Node's global fetch, 127.0.0.1 only). */
import type { Sandbox } from '../../src/sandbox/index.js';

export interface Envelope {
  success: boolean;
  data: unknown;
  additional_data?: { next_cursor?: string | null; pagination?: { start: number; limit: number; more_items_in_collection: boolean; next_start?: number } } | null;
  error?: string;
  errorCode?: number;
  error_info?: string;
}

export interface Fetched {
  status: number;
  headers: Headers;
  text: string;
  json<T = Envelope>(): T;
}

export async function get(sandbox: Sandbox, path: string, token: string | null = sandbox.adminToken): Promise<Fetched> {
  const response = await fetch(sandbox.url + path, { headers: token === null ? {} : { 'x-api-token': token } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

export type Row = Record<string, unknown>;

/** Follows `next_cursor` to the end; returns every record and the number of pages. */
export async function readAllV2(sandbox: Sandbox, path: string, token: string = sandbox.adminToken): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let pages = 0;
  let cursor: string | null | undefined;
  const join = path.includes('?') ? '&' : '?';
  do {
    const response = await get(sandbox, cursor ? `${path}${join}cursor=${cursor}` : path, token);
    if (response.status !== 200) throw new Error(`GET ${path} → ${response.status}: ${response.text.slice(0, 200)}`);
    const body = response.json();
    rows.push(...(body.data as Row[]));
    pages++;
    cursor = body.additional_data?.next_cursor;
  } while (cursor);
  return { rows, pages };
}

export async function collect(iterable: AsyncIterable<Row>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of iterable) rows.push(row);
  return rows;
}

export async function control(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<{ status: number; body: { success: boolean; data?: Record<string, unknown>; error?: string } }> {
  const response = await fetch(sandbox.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { success: boolean; data?: Record<string, unknown>; error?: string } };
}

/**
 * Reads a v1 offset list to the end. Handles both shapes: `pagination.next_start` (notes, files,
 * call logs) and leads' flat `additional_data` without next_start, where the next start is
 * start + rows received.
 */
export async function readAllV1(sandbox: Sandbox, path: string, token: string = sandbox.adminToken): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let pages = 0;
  let start = 0;
  const join = path.includes('?') ? '&' : '?';
  for (;;) {
    const response = await get(sandbox, `${path}${join}start=${start}`, token);
    if (response.status !== 200) throw new Error(`GET ${path} → ${response.status}: ${response.text.slice(0, 200)}`);
    const body = response.json<{ data: Row[] | null; additional_data: Row }>();
    const page = body.data ?? [];
    rows.push(...page);
    pages++;
    const paging = (body.additional_data.pagination ?? body.additional_data) as { more_items_in_collection: boolean; next_start?: number };
    if (!paging.more_items_in_collection) return { rows, pages };
    start = paging.next_start ?? start + page.length;
  }
}
