/** Time formats of the sandbox. Internally every timestamp is whole seconds since the epoch. */

const DAY_SECONDS = 86_400;
/** Formatted dates by day number: every served record formats several timestamps. */
const dayCache = new Map<number, string>();

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** v2 RFC3339 with `Z` and no fraction: '2024-07-01T05:46:33Z'. */
export function isoSeconds(epochSeconds: number): string {
  const seconds = Math.floor(epochSeconds);
  const day = Math.floor(seconds / DAY_SECONDS);
  let date = dayCache.get(day);
  if (date === undefined) {
    date = new Date(day * DAY_SECONDS * 1000).toISOString().slice(0, 10);
    if (dayCache.size < 50_000) dayCache.set(day, date);
  }
  const rest = seconds - day * DAY_SECONDS;
  return `${date}T${two(Math.floor(rest / 3600))}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}Z`;
}

/** v1 'YYYY-MM-DD HH:MM:SS' (UTC, no zone). */
export function v1Timestamp(epochSeconds: number): string {
  return isoSeconds(epochSeconds).replace('T', ' ').replace('Z', '');
}

export function isoDate(epochSeconds: number): string {
  return isoSeconds(epochSeconds).slice(0, 10);
}

const STRICT_RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * Parses `updated_since`/`updated_until` the way Pipedrive v2 does: exactly
 * `YYYY-MM-DDTHH:MM:SSZ`; fractions, offsets and spaces are rejected (HTTP 400).
 * Returns undefined for anything else, including impossible dates like 2025-02-30.
 */
export function parseStrictTimestamp(text: string): number | undefined {
  const match = STRICT_RFC3339.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2025-02-30 over to March; a round trip catches that.
  if (isoSeconds(ms / 1000) !== text) return undefined;
  return ms / 1000;
}

export function parseRfc3339(text: string): number | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** RFC3339 with milliseconds, as v1 leads, lead labels and call logs send it: '2020-10-14T11:30:36.551Z'. */
export function isoMillis(epochSeconds: number, millis: number): string {
  return isoSeconds(epochSeconds).replace('Z', `.${String(Math.floor(millis) % 1000).padStart(3, '0')}Z`);
}

/** Milliseconds since the epoch of any RFC3339 timestamp (fractions and offsets allowed), else undefined. */
export function parseRfc3339Millis(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
