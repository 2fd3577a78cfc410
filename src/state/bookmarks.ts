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
