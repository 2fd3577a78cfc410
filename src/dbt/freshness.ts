/**
 * dbt source freshness thresholds derived from how often the loader is scheduled.
 *
 * The rule: **warn after 2 schedule periods, error after 6, but never under 1 hour and 3 hours.**
 * - Two periods means one scheduled run was missed (or is running late); six means something is
 *   broken, not just slow (a budget-exhausted day stops loads until Pipedrive's midnight).
 * - The floors exist because scheduled CI runs start late when the CI provider is busy (GitHub
 *   documents delays at the top of the hour), so a 15-minute schedule would otherwise warn on
 *   ordinary queueing.
 * - `_loaded_at` moves on every run even when nothing changed in Pipedrive: incremental streams
 *   re-read from one second before their bookmark and the merge rewrites equal rows, and full
 *   streams are rewritten whole. A quiet weekend therefore does not look stale.
 *
 * Thresholds are written in the largest dbt period that expresses them exactly
 * (`{count: 3, period: hour}` rather than 180 minutes), so the YAML reads naturally.
 */
import { parseSchedule } from '../ci/schedule.js';
import { ConfigurationError } from '../errors.js';
import { parseEvery } from '../watch/schedule.js';

export interface Freshness {
  readonly warnAfterMinutes: number;
  readonly errorAfterMinutes: number;
}

export type DbtPeriod = 'minute' | 'hour' | 'day';

export interface DbtDuration {
  readonly count: number;
  readonly period: DbtPeriod;
}

export const WARN_AFTER_PERIODS = 2;
export const ERROR_AFTER_PERIODS = 6;
export const MIN_WARN_AFTER_MINUTES = 60;
export const MIN_ERROR_AFTER_MINUTES = 180;

/** Thresholds for a loader scheduled every `scheduleMinutes` (the longest gap between runs). */
export function freshnessFor(scheduleMinutes: number): Freshness {
  if (!Number.isFinite(scheduleMinutes) || scheduleMinutes <= 0) {
    throw new RangeError(`the schedule must be a positive number of minutes, not ${scheduleMinutes}`);
  }
  const period = Math.ceil(scheduleMinutes);
  return {
    warnAfterMinutes: Math.max(WARN_AFTER_PERIODS * period, MIN_WARN_AFTER_MINUTES),
    errorAfterMinutes: Math.max(ERROR_AFTER_PERIODS * period, MIN_ERROR_AFTER_MINUTES),
  };
}

/** 180 → {count: 3, period: hour}; 2880 → {count: 2, period: day}; 90 → {count: 90, period: minute}. */
export function dbtDuration(minutes: number): DbtDuration {
  if (!Number.isInteger(minutes) || minutes <= 0) throw new RangeError(`not a whole number of minutes: ${minutes}`);
  if (minutes % 1440 === 0) return { count: minutes / 1440, period: 'day' };
  if (minutes % 60 === 0) return { count: minutes / 60, period: 'hour' };
  return { count: minutes, period: 'minute' };
}

/**
 * Thresholds for `dbt-sources --schedule`: the same forms as `init-ci --schedule` (`30m`, `1h`,
 * a cron line), plus any `load --every` interval (`45m`, `90s`): for freshness only the longest
 * gap between runs matters, not whether cron can express it.
 */
export function freshnessForSchedule(text: string): Freshness {
  let gapMinutes: number | null;
  try {
    gapMinutes = parseSchedule(text).maxGapMinutes;
  } catch (scheduleError) {
    try {
      gapMinutes = parseEvery(text, 1_000) / 60_000;
    } catch {
      throw scheduleError;
    }
  }
  if (gapMinutes === null) {
    throw new ConfigurationError(
      `--schedule "${text}": the longest gap between its runs cannot be worked out (days of the month or months are ` +
        'restricted); give the schedule as an interval instead, e.g. --schedule 1h, for the freshness thresholds.',
    );
  }
  return freshnessFor(gapMinutes);
}
