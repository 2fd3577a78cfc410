/**
 * `init-ci --schedule`: a shorthand interval or a raw 5-field cron line, turned into the cron line
 * of a scheduled workflow, plus the longest gap between two runs (for dbt freshness thresholds).
 *
 * Rules:
 * - Shorthands: `5m`, `10m`, `15m`, `20m`, `30m` (minute steps that divide the hour) and `1h`, `2h`,
 *   `3h`, `4h`, `6h`, `8h`, `12h`, `24h` (hour steps that divide the day). Other values cannot be
 *   written as an evenly spaced cron line and are refused with the list above. GitHub refuses
 *   schedules more frequent than every 5 minutes, hence the minimum.
 * - Shorthands are rendered at a minute offset (`7,37 * * * *` for 30m, offset 7) because GitHub
 *   delays scheduled runs most at the top of the hour, when everyone's cron fires. The caller
 *   passes the offset (init-ci derives it from the integration name, so that several companies'
 *   workflows spread over the hour); it is taken modulo the step.
 * - A raw cron line is 5 fields (minute hour day-of-month month day-of-week) of numbers, `*`,
 *   ranges, lists and `/steps`, checked against each field's range, and used as given (UTC, as
 *   GitHub runs schedules in UTC).
 */
import { ConfigurationError } from '../errors.js';

export const DEFAULT_SCHEDULE = '30m';

const MINUTE_STEPS = [5, 10, 15, 20, 30] as const;
const HOUR_STEPS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

export interface Schedule {
  /** The 5-field cron line. */
  readonly cron: string;
  /** Longest gap between two scheduled runs in minutes; null when it cannot be computed. */
  readonly maxGapMinutes: number | null;
  /** Human wording for comments: "every 30 minutes". */
  readonly description: string;
}

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

function shorthandError(text: string): ConfigurationError {
  return new ConfigurationError(
    `--schedule ${JSON.stringify(text)} is not supported: use ${MINUTE_STEPS.map((m) => `${m}m`).join(', ')}, ` +
      `${HOUR_STEPS.map((h) => `${h}h`).join(', ')}, or a 5-field cron line such as "7,37 * * * *".`,
  );
}

/** Parses `--schedule`; `minuteOffset` places shorthand schedules off the top of the hour. */
export function parseSchedule(text: string, minuteOffset = 0): Schedule {
  const trimmed = text.trim();
  const shorthand = /^(\d+)\s*([mh])$/i.exec(trimmed);
  if (shorthand) return shorthandSchedule(trimmed, Number(shorthand[1]), (shorthand[2] ?? '').toLowerCase(), minuteOffset);
  if (trimmed.split(/\s+/).length === 5) return cronSchedule(trimmed);
  throw shorthandError(text);
}

function shorthandSchedule(text: string, amount: number, unit: string, minuteOffset: number): Schedule {
  if (!Number.isInteger(minuteOffset) || minuteOffset < 0) throw new RangeError('minuteOffset must be a whole number ≥ 0');
  if (unit === 'm' && (MINUTE_STEPS as readonly number[]).includes(amount)) {
    const first = minuteOffset % amount;
    const minutes: number[] = [];
    for (let minute = first; minute < 60; minute += amount) minutes.push(minute);
    return { cron: `${minutes.join(',')} * * * *`, maxGapMinutes: amount, description: `every ${amount} minutes` };
  }
  if (unit === 'h' && (HOUR_STEPS as readonly number[]).includes(amount)) {
    const minute = minuteOffset % 60;
    const hours = amount === 1 ? '*' : amount === 24 ? '0' : `*/${amount}`;
    const description = amount === 1 ? 'every hour' : amount === 24 ? 'once a day' : `every ${amount} hours`;
    return { cron: `${minute} ${hours} * * *`, maxGapMinutes: amount * 60, description };
  }
  throw shorthandError(text);
}

function fieldValue(token: string, field: CronField, line: string): number {
  const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + field.min : /^\d+$/.test(token) ? Number(token) : NaN;
  // Day of week 7 is Sunday in most crons, GitHub's included.
  const upper = field.name === 'day of week' ? 7 : field.max;
  if (!Number.isInteger(value) || value < field.min || value > upper) {
    throw new ConfigurationError(
      `--schedule "${line}": ${JSON.stringify(token)} is not a valid ${field.name} (${field.min}–${field.max}).`,
    );
  }
  return field.name === 'day of week' && value === 7 ? 0 : value;
}

/** The values a cron field matches, e.g. `*\/15` → {0, 15, 30, 45}. */
function expandField(text: string, field: CronField, line: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d+$/.test(stepText))) {
      throw new ConfigurationError(`--schedule "${line}": ${JSON.stringify(part)} has an invalid step in the ${field.name} field.`);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = field.min;
      to = field.max;
    } else {
      const [start = '', end] = range.split('-');
      from = fieldValue(start, field, line);
      to = end === undefined ? (stepText === undefined ? from : field.max) : fieldValue(end, field, line);
      if (to < from) throw new ConfigurationError(`--schedule "${line}": ${JSON.stringify(part)} is an empty range.`);
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

function cronSchedule(line: string): Schedule {
  const texts = line.split(/\s+/);
  const sets = CRON_FIELDS.map((field, index) => expandField(texts[index] ?? '', field, line));
  const [minutes, hours, , , weekdays] = sets;
  const daysRestricted = texts[2] !== '*' || texts[3] !== '*';
  const maxGapMinutes = daysRestricted || !minutes || !hours || !weekdays ? null : largestWeeklyGap(minutes, hours, weekdays);
  return { cron: texts.join(' '), maxGapMinutes, description: `on the cron schedule "${texts.join(' ')}" (UTC)` };
}

/** Largest gap between consecutive runs over a repeating week. */
function largestWeeklyGap(minutes: Set<number>, hours: Set<number>, weekdays: Set<number>): number | null {
  const week = 7 * 24 * 60;
  const runs: number[] = [];
  for (let minuteOfWeek = 0; minuteOfWeek < week; minuteOfWeek += 1) {
    const day = Math.floor(minuteOfWeek / 1440);
    const hour = Math.floor((minuteOfWeek % 1440) / 60);
    if (weekdays.has(day) && hours.has(hour) && minutes.has(minuteOfWeek % 60)) runs.push(minuteOfWeek);
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (first === undefined || last === undefined) return null;
  let largest = first + week - last;
  for (let index = 1; index < runs.length; index += 1) {
    largest = Math.max(largest, (runs[index] ?? 0) - (runs[index - 1] ?? 0));
  }
  return largest;
}

/** A stable minute offset (0–59) from a name, so that several companies' schedules spread out. */
export function minuteOffsetFor(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 1_000_003;
  return hash % 60;
}
