/**
 * Bookmarks: the newest committed `update_time` of a stream, and the `updated_since` value the
 * next run sends.
 */

/**
 * Pipedrive timestamps have one-second resolution and `updated_since` is inclusive. A record
 * written in the same second as the bookmark, but committed after our read, would be missed if we
 * asked for exactly the bookmark; stepping back `seconds` re-reads that second (and the merge by
 * primary key makes the re-read harmless).
 *
 * Returns `YYYY-MM-DDTHH:MM:SSZ`; fractions of a second are dropped before stepping back.
 */
export function bookmarkWithOverlap(bookmark: string, seconds = 1): string {
  const millis = Date.parse(bookmark);
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(bookmark) || Number.isNaN(millis)) {
    throw new TypeError(
      `The stored bookmark "${bookmark}" is not an ISO-8601 timestamp; run \`pipedrive-loader state reset\` for this stream.`,
    );
  }
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError('overlap seconds must be a whole number ≥ 0');
  const wholeSeconds = Math.floor(millis / 1000) - seconds;
  return `${new Date(wholeSeconds * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * A `Date` header has whole seconds, so Pipedrive's clock may be up to this much past it: a
 * timestamp is only "from the future" beyond that.
 */
export const DATE_HEADER_SLACK_MS = 999;

/** Milliseconds of an RFC3339, v1 (`YYYY-MM-DD HH:MM:SS`, UTC) or warehouse (`… +00`) timestamp; NaN if none. */
export function timestampMillisOf(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(value.trim());
  if (!match) return Date.parse(value);
  const zone = match[3] === undefined ? 'Z' : /^[+-]\d{2}$/.test(match[3]) ? `${match[3]}:00` : match[3];
  return Date.parse(`${match[1]}T${match[2]}${zone}`);
}

/** Whether `value` lies after the source's clock `clockMs`: no record can have been updated then yet. */
export function isAfterClock(value: unknown, clockMs: number): boolean {
  const millis = timestampMillisOf(value);
  return Number.isFinite(millis) && millis > clockMs + DATE_HEADER_SLACK_MS;
}

/** `YYYY-MM-DDTHH:MM:SSZ` of a clock reading. */
export function isoSecondsOf(clockMs: number): string {
  return `${new Date(Math.floor(clockMs / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * A bookmark never runs ahead of the source's clock: a record stamped in the future (clock skew,
 * a bad import) would otherwise move it there, and every change made before that moment would
 * be skipped for good. Capped, the next run re-reads from the clock (and the future record again).
 */
export function capAtClock(bookmark: string, clockMs: number): string {
  return isAfterClock(bookmark, clockMs) ? isoSecondsOf(clockMs) : bookmark;
}
