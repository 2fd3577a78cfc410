/**
 * The start date of a first backfill (`load --since 2024-01-01`, or `start_date` in the profile's
 * output), as Stitch's and Singer's start date: an incremental or newest-first stream without a
 * bookmark reads the records updated since then instead of everything. Streams read in full
 * (pipelines, users …) are small and have no update filter, so they ignore it. Once a stream has
 * a bookmark the start date no longer matters; `--full-refresh` starts from it again.
 */
import { ConfigurationError } from '../errors.js';

/** The `_loader_state` key of the schema's start date, recorded by the pipeline's first run with one. */
export const START_DATE_KEY = '#start_date';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * `2024-01-01` (midnight UTC) or an RFC 3339 date-time → `2024-01-01T00:00:00Z`. A date that is
 * not in the calendar, or one after `now`, is refused: a start in the future would load nothing
 * and report success.
 */
export function parseStartDate(text: string, where: string, now: Date = new Date()): string {
  const trimmed = text.trim();
  const parts = DATE_ONLY.exec(trimmed) ?? DATE_TIME.exec(trimmed);
  if (!parts) {
    throw new ConfigurationError(`${where} must be a date such as 2024-01-01 or 2024-01-01T00:00:00Z; got "${text}".`);
  }
  const [year, month, day, hour = '00', minute = '00', second = '00'] = parts.slice(1, 7).map((part) => part ?? '00');
  const zone = parts[7] ?? 'Z';
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`;
  const millis = Date.parse(iso);
  // Date.parse rolls 2024-02-30 over to March 1st; the calendar check catches it.
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const realDay = calendar.getUTCFullYear() === Number(year) && calendar.getUTCMonth() === Number(month) - 1 && calendar.getUTCDate() === Number(day);
  if (Number.isNaN(millis) || !realDay || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    throw new ConfigurationError(`${where} is not a real date and time: "${text}".`);
  }
  if (millis > now.getTime()) {
    throw new ConfigurationError(`${where} ${text} is in the future: a load from then would read nothing. Give a past date.`);
  }
  return new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The start date a run uses: `--since` over the profile's `start_date`; none when neither is set. */
export function resolveStartDate(flag: string | undefined, profile: unknown, now: Date = new Date()): string | undefined {
  if (flag !== undefined) return parseStartDate(flag, '--since', now);
  if (profile === undefined || profile === null || profile === '') return undefined;
  if (profile instanceof Date) return parseStartDate(profile.toISOString(), 'start_date in profiles.yml', now);
  if (typeof profile !== 'string') {
    throw new ConfigurationError(`start_date in profiles.yml must be a date such as 2024-01-01; got ${JSON.stringify(profile)}.`);
  }
  return parseStartDate(profile, 'start_date in profiles.yml', now);
}
