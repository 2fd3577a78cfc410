import { describe, expect, it } from 'vitest';
import { dbtDuration, freshnessFor, freshnessForSchedule } from '../../../src/dbt/freshness.js';
import { STREAMS } from '../../../src/pipedrive/catalog.js';
import { deletedAtDescription, escapeJinja, isGeneratedDescription, tableDescription } from '../../../src/dbt/descriptions.js';
import { parseSchedule } from '../../../src/ci/schedule.js';

describe('freshnessFor', () => {
  it.each([
    [30, 60, 180],
    [15, 60, 180],
    [5, 60, 180],
    [60, 120, 360],
    [360, 720, 2160],
    [1440, 2880, 8640],
    [45.5, 92, 276],
  ])('a %d-minute schedule warns after %d and errors after %d minutes', (schedule, warn, error) => {
    expect(freshnessFor(schedule)).toEqual({ warnAfterMinutes: warn, errorAfterMinutes: error });
  });

  it('follows the CI schedule’s longest gap', () => {
    const weekdays = parseSchedule('0 6-18 * * 1-5').maxGapMinutes ?? 0;
    expect(freshnessFor(weekdays).warnAfterMinutes).toBe(2 * 60 * 60);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (minutes) => {
    expect(() => freshnessFor(minutes)).toThrow(RangeError);
  });
});

describe('freshnessForSchedule (dbt-sources --schedule)', () => {
  it('takes init-ci schedules, cron lines and any --every interval', () => {
    expect(freshnessForSchedule('30m')).toEqual({ warnAfterMinutes: 60, errorAfterMinutes: 180 });
    expect(freshnessForSchedule('6h')).toEqual({ warnAfterMinutes: 720, errorAfterMinutes: 2160 });
    expect(freshnessForSchedule('0 */4 * * *')).toEqual({ warnAfterMinutes: 480, errorAfterMinutes: 1440 });
    expect(freshnessForSchedule('45m')).toEqual({ warnAfterMinutes: 90, errorAfterMinutes: 270 });
    expect(freshnessForSchedule('90s')).toEqual({ warnAfterMinutes: 60, errorAfterMinutes: 180 });
  });

  it('refuses what has no longest gap, or is no schedule at all', () => {
    expect(() => freshnessForSchedule('0 6 1 * *')).toThrow(/cannot be worked out/);
    expect(() => freshnessForSchedule('often')).toThrow(/is not supported/);
  });
});

describe('dbtDuration', () => {
  it.each([
    [90, { count: 90, period: 'minute' }],
    [60, { count: 1, period: 'hour' }],
    [180, { count: 3, period: 'hour' }],
    [2160, { count: 36, period: 'hour' }],
    [2880, { count: 2, period: 'day' }],
  ])('%d minutes → %o', (minutes, duration) => {
    expect(dbtDuration(minutes)).toEqual(duration);
  });

  it('refuses fractions and non-positive values', () => {
    expect(() => dbtDuration(1.5)).toThrow(RangeError);
    expect(() => dbtDuration(0)).toThrow(RangeError);
  });
});

describe('descriptions', () => {
  it('wraps text holding Jinja delimiters in a raw block, and leaves other text alone', () => {
    expect(escapeJinja('plain {text} 50%')).toBe('plain {text} 50%');
    expect(escapeJinja('a {{ b }}')).toBe('{% raw %}a {{ b }}{% endraw %}');
    expect(escapeJinja('{% if %}')).toBe('{% raw %}{% if %}{% endraw %}');
    expect(escapeJinja('{# c #}')).toBe('{% raw %}{# c #}{% endraw %}');
    // A name cannot close the raw block early.
    expect(escapeJinja('x {% endraw %} {{ y }}')).toBe('{% raw %}x  {{ y }}{% endraw %}');
  });

  it('tells the loader’s descriptions from the user’s', () => {
    for (const generated of [
      "Custom field 'Lead source' (enum: Web).",
      "{% raw %}Custom field '{{ x }}' (text).{% endraw %}",
      "Pipedrive field 'Title' (varchar).",
      "Pipedrive key 'foo' that no field definition describes; type inferred from its values.",
      'Pipedrive id (primary key).',
      tableDescription('deals'),
      tableDescription('activity_fields'),
      tableDescription('custom_table'),
      'Built-in Pipedrive field marked_as_done_time (its API name).',
    ]) {
      expect(isGeneratedDescription(generated), generated).toBe(true);
    }
    for (const written of ['Where the lead came from.', 'Custom source of truth', 'Pipedrive deals, cleaned.']) {
      expect(isGeneratedDescription(written), written).toBe(false);
    }
  });

  it('describes every catalog table from the catalog, and recognises that text as its own', () => {
    for (const table of new Set(STREAMS.map((stream) => stream.table))) {
      const text = tableDescription(table);
      expect(text, table).not.toMatch(/^Table .* of the Pipedrive schema/);
      expect(isGeneratedDescription(text), text).toBe(true);
    }
    expect(tableDescription('stages')).toMatch(/re-read in full on every run/);
  });

  it('describes _deleted_at for every catalog table by how its deletes are found, and recognises it as its own', () => {
    const tables = new Set([...STREAMS.map((stream) => stream.table), 'custom_table']);
    for (const table of tables) expect(isGeneratedDescription(deletedAtDescription(table)), table).toBe(true);
    // What every table said before, wrong for all but deals: replaced on regeneration.
    expect(isGeneratedDescription('When Pipedrive marked the record deleted (its update time), or null. Deleted records are kept, never removed.')).toBe(true);
    expect(deletedAtDescription('pipelines')).toMatch(/Checked on every run, at no extra cost/);
    expect(deletedAtDescription('goals')).toMatch(/Checked on every run/);
    expect(deletedAtDescription('activities')).toMatch(/key scan on the --reconcile-deletes cadence/);
    expect(deletedAtDescription('leads')).toMatch(/key scan/);
    expect(deletedAtDescription('deal_products')).toMatch(/gone from its deal/);
    expect(deletedAtDescription('note_fields')).toMatch(/no longer lists this field/);
  });

  it('names the table a field-definition table describes', () => {
    expect(tableDescription('activity_fields')).toMatch(/each column of activities/);
    expect(tableDescription('person_fields')).toMatch(/each column of persons/);
  });
});
