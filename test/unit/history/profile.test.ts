/** `history:` in a profiles.yml output reaches resolveHistory as written, env_var() included. */
import { describe, expect, it } from 'vitest';
import { targetFromProfiles } from '../../../src/config/profiles.js';
import { resolveHistory } from '../../../src/history/selection.js';

const profile = (history: string): string => `pipedrive:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ./x.duckdb\n      history: ${history}\n`;

describe('history in the profile output', () => {
  it('takes a YAML list, "all", or an env_var() that renders to either', () => {
    const tables = (text: string, env: Record<string, string> = {}) =>
      resolveHistory(undefined, targetFromProfiles(text, 'profiles.yml', { env }).settings['history']).map((choice) => choice.table);
    expect(tables(profile('[deals, persons]'))).toEqual(['deals', 'persons']);
    expect(tables(profile('all'))).toContain('organizations');
    expect(tables(profile(`"{{ env_var('PIPEDRIVE_HISTORY', 'deals') }}"`))).toEqual(['deals']);
    expect(tables(profile(`"{{ env_var('PIPEDRIVE_HISTORY', 'deals') }}"`), { PIPEDRIVE_HISTORY: 'persons,leads' })).toEqual(['persons', 'leads']);
  });
});
