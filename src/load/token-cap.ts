/**
 * A `--max-tokens` cap that cannot make progress. A run stopped by the cap exits 4 ("budget: the
 * next run resumes") only when it moved something forward: some stream's bookmark. Otherwise the
 * next run, with the same cap, would spend the same tokens on the same requests and stop at the
 * same place (e.g. the field metadata, the account check and a caught-up stream fill the cap, and
 * the stream after them never gets its first page): that is a configuration problem, exit 2,
 * with the smallest cap that lets the refused request through.
 *
 * Markers (keys with `#`: the company, add-on missing) do not count: they are rewritten by runs
 * that otherwise stand still. One does: the deletes of a table that needs key scans (one with an
 * incremental stream) reconciled when they were not within the last day (absent or older), since
 * that scan is then not due again for a day. Field metadata and tables listed in full rewrite
 * their marker every run, which is no progress.
 */
import { ConfigurationError } from '../errors.js';
import { STREAMS } from '../pipedrive/catalog.js';
import type { TokenCapError } from '../pipedrive/http-errors.js';

const RECONCILED = '#deletes_reconciled';

/** Tables whose deletes come from key scans: fed by a stream that is not read in full. */
function needsKeyScans(table: string): boolean {
  return STREAMS.some((s) => s.table === table && s.replication !== 'full' && !s.describes && !s.children);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether any stream's bookmark is new or different after the run, or a due key scan finished. */
export function bookmarksMoved(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): boolean {
  for (const [key, value] of after) {
    const previous = before.get(key);
    if (previous === value) continue;
    if (!key.includes('#')) return true;
    if (!key.endsWith(RECONCILED) || !needsKeyScans(key.slice(0, -RECONCILED.length))) continue;
    if (previous === undefined || !(Date.parse(value) - Date.parse(previous) < DAY_MS)) return true;
  }
  return false;
}

/** The smallest cap that lets the refused request through: the next run may need more. */
export function smallestCapPast(error: TokenCapError): number {
  return error.used + error.cost;
}

/** Exit 2: the cap, where it came from, what stopped the run, and the cap to try. */
export function capCannotAdvance(error: TokenCapError, capFrom: string | undefined): ConfigurationError {
  const where = error.stream === '' ? 'the next request' : `the next request (${error.stream})`;
  // deletes.ts charges a key scan to `<table> deletes`; it counts only when read to the end.
  const scan = error.stream.endsWith(' deletes')
    ? ` A key scan for deletes reads the whole ${error.stream.slice(0, -' deletes'.length)} table in one run: ` +
      'raise the cap to cover it, or give --reconcile-deletes never.'
    : '';
  return new ConfigurationError(
    `The token cap of ${error.cap}${capFrom === undefined ? '' : ` (${capFrom})`} is too small for a load to advance: ` +
      `this run spent ${error.used} tokens without moving any stream's bookmark, and ${where} costs ${error.cost} more. ` +
      `Every run with this cap would stop at the same place. Raise the cap to at least ${smallestCapPast(error)} tokens; ` +
      '`pipedrive-loader plan` estimates what a whole run needs.' +
      scan,
  );
}
