/** Regenerating sources.yml over a previous file: what changes, and what the user keeps. */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freshnessFor, renderSourcesYaml } from '../../../src/dbt/sources.js';
import type { FieldEntity } from '../../../src/pipedrive/catalog.js';
import type { FieldDefinition } from '../../../src/pipedrive/fields.js';
import { dbtSourcesValidator } from './dbt-schema.js';
import { customField, dealFields, LEAD_SOURCE_KEY, loadedSchema, sourcesInput } from './fixtures.js';

type Map_ = Record<string, unknown>;

function diffLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((line) => !b.includes(line)), added: b.filter((line) => !a.includes(line)) };
}

function sourceOf(text: string): Map_ {
  return (parse(text) as { sources: Map_[] }).sources[0] ?? {};
}

function tableOf(source: Map_, name: string): Map_ {
  return ((source['tables'] as Map_[]).find((t) => t['name'] === name) ?? {}) as Map_;
}

function columnOf(source: Map_, tableName: string, name: string): Map_ {
  return ((tableOf(source, tableName)['columns'] as Map_[]).find((c) => c['name'] === name) ?? {}) as Map_;
}

/** Applies `edit` to the parsed file and serialises it back, as a user editing it would. */
function edited(text: string, edit: (source: Map_, file: Map_) => void): string {
  const file = parse(text) as Map_;
  edit((file['sources'] as Map_[])[0] ?? {}, file);
  return stringify(file);
}

describe('regenerating sources.yml', () => {
  const first = renderSourcesYaml(sourcesInput());

  it('changes nothing when nothing changed', () => {
    expect(renderSourcesYaml(sourcesInput({ existing: first }))).toBe(first);
  });

  it('changes only the lines of what changed: a renamed field, a new option, a new column', () => {
    const fields = dealFields().map((f) =>
      f.field_code === LEAD_SOURCE_KEY ? customField(LEAD_SOURCE_KEY, 'Lead origin', 'enum', ['Web', 'Referral', 'Partner', 'Event']) : f,
    );
    const withNew = [...fields, customField('9'.repeat(40), 'Churn risk', 'double')];
    const previous = loadedSchema(dealFields()).mappings;
    const { tables, mappings } = loadedSchema(withNew, previous);
    const second = renderSourcesYaml(
      sourcesInput({ tables, mappings, fields: new Map<FieldEntity, FieldDefinition[]>([['deal', withNew]]), existing: first }),
    );
    expect(diffLines(first, second)).toEqual({
      removed: ["            description: \"Custom field 'Lead source' (enum: Web, Referral, Partner).\""],
      added: [
        "          - name: churn_risk",
        "            description: Custom field 'Churn risk' (double).",
        "            description: \"Custom field 'Lead origin' (enum: Web, Referral, Partner, Event).\"",
      ],
    });
    // The column keeps the name it was given first (docs/schema.md), so dbt models keep working.
    expect(columnOf(sourceOf(second), 'deals', 'lead_source')['description']).toMatch(/Lead origin/);
  });

  it('updates freshness when the schedule changes', () => {
    const hourly = renderSourcesYaml(sourcesInput({ existing: first, freshness: freshnessFor(60) }));
    expect(sourceOf(hourly)['freshness']).toEqual({
      warn_after: { count: 2, period: 'hour' },
      error_after: { count: 6, period: 'hour' },
    });
  });

  it('keeps what the user added: descriptions, tests, meta, tags, tables, columns, other sources and models', () => {
    const userFile = edited(first, (source, file) => {
      source['description'] = 'Our CRM, via the loader.';
      source['meta'] = { owner: 'data-team' };
      source['tags'] = ['crm'];
      const deals = tableOf(source, 'deals');
      deals['description'] = 'Every deal we ever had.';
      deals['freshness'] = { warn_after: { count: 12, period: 'hour' } };
      deals['meta'] = { contains_pii: false };
      const leadSource = columnOf(source, 'deals', 'lead_source');
      leadSource['description'] = 'Where the lead came from (marketing owns this).';
      leadSource['data_tests'] = [{ accepted_values: { values: ['Web', 'Referral', 'Partner'] } }];
      leadSource['meta'] = { pii: false };
      const id = columnOf(source, 'deals', 'id');
      id['data_tests'] = [{ unique: { config: { severity: 'warn' } } }, 'not_null', { relationships: { to: "ref('x')", field: 'id' } }];
      (deals['columns'] as Map_[]).push({ name: 'planned_column', description: 'Coming soon.' });
      (source['tables'] as Map_[]).push({ name: 'deal_forecasts', description: 'Added by hand.' });
      (file['sources'] as Map_[]).push({ name: 'stripe', tables: [{ name: 'charges' }] });
      file['models'] = [{ name: 'stg_deals', description: 'Staged deals.' }];
    });
    const again = renderSourcesYaml(sourcesInput({ existing: userFile }));
    const file = parse(again) as Map_;
    expect(dbtSourcesValidator()(file)).toBe(true);
    const source = sourceOf(again);
    expect(source).toMatchObject({ description: 'Our CRM, via the loader.', meta: { owner: 'data-team' }, tags: ['crm'] });
    expect(tableOf(source, 'deals')).toMatchObject({
      description: 'Every deal we ever had.',
      freshness: { warn_after: { count: 12, period: 'hour' } },
      meta: { contains_pii: false },
    });
    expect(columnOf(source, 'deals', 'lead_source')).toEqual({
      name: 'lead_source',
      description: 'Where the lead came from (marketing owns this).',
      data_tests: [{ accepted_values: { values: ['Web', 'Referral', 'Partner'] } }],
      meta: { pii: false },
    });
    // The user's configured unique test counts as `unique`: not added a second time.
    expect(columnOf(source, 'deals', 'id')['data_tests']).toEqual([
      { unique: { config: { severity: 'warn' } } },
      'not_null',
      { relationships: { to: "ref('x')", field: 'id' } },
    ]);
    expect((tableOf(source, 'deals')['columns'] as Map_[]).at(-1)).toEqual({ name: 'planned_column', description: 'Coming soon.' });
    expect((source['tables'] as Map_[]).at(-1)).toEqual({ name: 'deal_forecasts', description: 'Added by hand.' });
    expect((file['sources'] as Map_[]).map((s) => s['name'])).toEqual(['pipedrive', 'stripe']);
    expect(file['models']).toEqual([{ name: 'stg_deals', description: 'Staged deals.' }]);
    // And regenerating that again is stable.
    expect(renderSourcesYaml(sourcesInput({ existing: again }))).toBe(again);
  });

  it('adds the key tests to a column whose user tests lack them, under the user’s `tests` key', () => {
    const userFile = edited(first, (source) => {
      const id = columnOf(source, 'deals', 'id');
      delete id['data_tests'];
      id['tests'] = ['not_null', 'dbt_utils.at_least_one'];
    });
    const id = columnOf(sourceOf(renderSourcesYaml(sourcesInput({ existing: userFile }))), 'deals', 'id');
    expect(id['tests']).toEqual(['not_null', 'dbt_utils.at_least_one', 'unique']);
    expect(id).not.toHaveProperty('data_tests');
  });

  it('rewrites the loader’s own keys: schema, loaded_at_field and freshness', () => {
    const userFile = edited(first, (source) => {
      source['schema'] = 'old_schema';
      source['loaded_at_field'] = 'update_time';
      source['freshness'] = { warn_after: { count: 1, period: 'day' } };
    });
    const source = sourceOf(renderSourcesYaml(sourcesInput({ existing: userFile })));
    expect(source).toMatchObject({ schema: 'stitch_pipedrive', loaded_at_field: '_loaded_at' });
    expect(source['freshness']).toEqual({ warn_after: { count: 1, period: 'hour' }, error_after: { count: 3, period: 'hour' } });
  });

  it('moves freshness under config without leaving a stale top-level copy, and back', () => {
    const modern = renderSourcesYaml(sourcesInput({ existing: first, freshnessPlacement: 'config' }));
    const source = sourceOf(modern);
    expect(source).not.toHaveProperty('freshness');
    expect(source).not.toHaveProperty('loaded_at_field');
    expect(source['config']).toMatchObject({ loaded_at_field: '_loaded_at' });
    const userModern = edited(modern, (s) => {
      (s['config'] as Map_)['meta'] = { owner: 'data-team' };
    });
    const back = sourceOf(renderSourcesYaml(sourcesInput({ existing: userModern })));
    expect(back['config']).toEqual({ meta: { owner: 'data-team' } });
    expect(back['loaded_at_field']).toBe('_loaded_at');
  });

  it('treats an empty previous file as no file', () => {
    expect(renderSourcesYaml(sourcesInput({ existing: '' }))).toBe(first);
  });
});
