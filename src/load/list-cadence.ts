/**
 * The list cadence (`--refresh-lists`): what a run may leave unread because it cannot have
 * changed in a way the run would miss, and when it must be read again.
 *
 * A run with nothing changed in Pipedrive used to pay for everything Pipedrive can only list in
 * full (pipelines, stages, users, currencies, filters, goals, call logs …: no `updated_since`, so
 * the only way to know whether they changed is to read them), for the field metadata of every
 * entity, and for the first page of the archived leads (40 tokens, the dearest page of the
 * catalog, for a list that rarely changes): 332 of the 464 tokens of such a run on the default
 * sandbox. These are now read at most once per cadence
 * (default every 6 hours), and the time each was last read in full is recorded in
 * `_loader_state` as `<stream>#listed_at`, committed after the read.
 *
 * Fidelity does not wait for the cadence where a record depends on it: a record that carries a
 * custom field or an option id the stored field metadata does not know makes the run re-read
 * that entity's field metadata before the record is shaped (field-refresh.ts), so its column is
 * created and its labels are right. What may wait for the cadence: a field added in Pipedrive that
 * no record uses yet, a renamed field or option (the column keeps its first name anyway; the
 * label follows at the next read), a renamed stage or a deactivated user, a new currency, and
 * archived leads (archiving a lead removes it from `/v1/leads`, so nothing cheaper tells).
 */
import type { StreamDefinition } from '../pipedrive/catalog.js';
import { ConfigurationError } from '../errors.js';

/** Default: every 6 hours, four list reads a day at any schedule. */
export const DEFAULT_LIST_REFRESH_MS = 6 * 60 * 60 * 1000;

/** The `_loader_state` key recording when a stream (or a `<entity>_fields` stream) was last read in full. */
export function listedKey(stream: string): string {
  return `${stream}#listed_at`;
}

/**
 * Streams a run reads only when the cadence is due: every list Pipedrive can only return whole,
 * and the archived leads (newest first, so their bookmark keeps any change for the next read).
 * Field metadata follows the same cadence (field-refresh.ts); deal products follow their deals.
 */
export function readsOnCadence(stream: StreamDefinition): boolean {
  if (stream.children || stream.describes) return false;
  return stream.replication === 'full' || stream.name === 'leads_archived';
}

/** Whether a list last read at `last` (ISO) must be read again at `now`; `refreshMs` 0 means every run. */
export function listDue(refreshMs: number, last: string | undefined, now: Date): boolean {
  if (refreshMs <= 0 || last === undefined) return true;
  const lastMs = Date.parse(last);
  return Number.isNaN(lastMs) || now.getTime() - lastMs >= refreshMs || lastMs > now.getTime();
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const UNIT_MS: Readonly<Record<string, number>> = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };

/** `--refresh-lists 6h` → 21 600 000; `always` → 0 (every run). Minutes, hours or days. */
export function parseRefreshLists(text: string): number {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'always') return 0;
  const match = /^(\d+)\s*([mhd])$/.exec(trimmed);
  const amount = Number(match?.[1] ?? Number.NaN);
  const unit = UNIT_MS[match?.[2] ?? ''];
  if (match === null || unit === undefined || !Number.isSafeInteger(amount * unit)) {
    throw new ConfigurationError(
      `--refresh-lists ${JSON.stringify(text)} is not a cadence: use always, or a whole number of minutes, hours or days (30m, 6h, 1d).`,
    );
  }
  return amount * unit;
}

/** `21600000` → `6h`, for messages. */
export function describeRefresh(refreshMs: number): string {
  if (refreshMs <= 0) return 'every run';
  if (refreshMs % DAY_MS === 0) return `every ${refreshMs / DAY_MS} day(s)`;
  if (refreshMs % HOUR_MS === 0) return `every ${refreshMs / HOUR_MS} hour(s)`;
  return `every ${Math.round(refreshMs / MINUTE_MS)} minute(s)`;
}
