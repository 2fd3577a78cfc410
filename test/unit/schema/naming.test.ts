import { ConfigurationError } from '../../../src/errors.js';
import { describe, expect, it } from 'vitest';
import {
  byteLength,
  foldAccents,
  IDENTIFIER_PATTERN,
  isValidIdentifier,
  rawSlug,
  RESERVED_WORDS,
  schemaNameFromIntegration,
  slugIdentifier,
  truncateWithHash,
  uniqueName,
  withSuffix,
} from '../../../src/schema/naming.js';
import { MAX_IDENTIFIER_BYTES } from '../../../src/schema/types.js';

const HOSTILE_INPUTS = [
  "Robert'); DROP TABLE deals;--",
  'Société Générale Ünïcödé',
  '名前',
  '😀🎉',
  '   ',
  '',
  '"quoted"',
  '`back`tick`',
  'a\u0000b',
  '__proto__',
  'constructor',
  '_loaded_at',
  '123',
  '2024 Target',
  'x'.repeat(300),
  'é'.repeat(300),
  '名'.repeat(100) + 'abc',
  'select',
  'Order',
  'ÆØÅ straße',
  'Ωmega ΔΣ',
  'tab\tand\nnewline',
];

describe('schemaNameFromIntegration', () => {
  it('snake-cases and folds accents', () => {
    expect(schemaNameFromIntegration('Stitch Pipedrive')).toBe('stitch_pipedrive');
    expect(schemaNameFromIntegration('Société Générale CRM')).toBe('societe_generale_crm');
    // PostgreSQL reserves pg_ for its own schemas; the name must load on every target.
    expect(schemaNameFromIntegration('PG Sales')).toBe('pipedrive_pg_sales');
    expect(schemaNameFromIntegration('PGA Tour')).toBe('pga_tour');
  });

  it('refuses a name with nothing usable left, rather than sharing one fallback schema', () => {
    for (const name of ['', '   ', '😀🎉', '名前', '---']) {
      expect(() => schemaNameFromIntegration(name)).toThrow(ConfigurationError);
      expect(() => schemaNameFromIntegration(name)).toThrow(/has no letters or digits/);
    }
  });

  it('prefixes a derived name the loader must not write to', () => {
    expect(schemaNameFromIntegration('Public')).toBe('pipedrive_public');
    expect(schemaNameFromIntegration('Main')).toBe('pipedrive_main');
    expect(schemaNameFromIntegration('Information Schema')).toBe('pipedrive_information_schema');
  });

  it('never starts with a digit', () => {
    expect(schemaNameFromIntegration('2024 CRM')).toBe('pipedrive_2024_crm');
    expect(schemaNameFromIntegration('42')).toBe('pipedrive_42');
  });

  it('fits the byte budget, stably and distinctly', () => {
    const long = 'Very Long Integration Name '.repeat(12);
    const name = schemaNameFromIntegration(long);
    expect(byteLength(name)).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^very_long_integration_name_/);
    expect(schemaNameFromIntegration(long)).toBe(name);
    expect(schemaNameFromIntegration(`${long}x`)).not.toBe(name);
    expect(byteLength(schemaNameFromIntegration(long, 30))).toBeLessThanOrEqual(30);
  });

  it('only ever produces [a-z0-9_] names not starting with a digit', () => {
    for (const input of HOSTILE_INPUTS) {
      // Nothing to make a name from: refused (see above), never a shared fallback.
      if (rawSlug(input) === '') {
        expect(() => schemaNameFromIntegration(input), input).toThrow(ConfigurationError);
        continue;
      }
      const name = schemaNameFromIntegration(input);
      expect(name, input).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(name, input).not.toMatch(/^[0-9]/);
      expect(name.length, input).toBeGreaterThan(0);
    }
  });
});

describe('slugIdentifier', () => {
  it('neutralises SQL metacharacters and quotes', () => {
    expect(slugIdentifier("Robert'); DROP TABLE deals;--")).toBe('robert_drop_table_deals');
    expect(slugIdentifier('"quoted"')).toBe('quoted');
  });

  it('folds accents and ligatures', () => {
    expect(foldAccents('Société Générale Ünïcödé')).toBe('Societe Generale Unicode');
    expect(slugIdentifier('Société Générale Ünïcödé')).toBe('societe_generale_unicode');
    expect(slugIdentifier('Straße')).toBe('strasse');
    expect(slugIdentifier('Ærø')).toBe('aero');
  });

  it('uses the fallback for names that slug to nothing', () => {
    expect(slugIdentifier('名前', { fallback: 'custom_field_9dc80c50' })).toBe('custom_field_9dc80c50');
    expect(slugIdentifier('😀', { fallback: 'custom_field_abc' })).toBe('custom_field_abc');
    // Without a fallback: a stable hashed name, distinct for distinct inputs.
    expect(slugIdentifier('名前')).toMatch(/^field_[0-9a-f]{8}$/);
    expect(slugIdentifier('名前')).toBe(slugIdentifier('名前'));
    expect(slugIdentifier('名前')).not.toBe(slugIdentifier('住所'));
  });

  it('prefixes a leading digit and never yields a leading underscore', () => {
    expect(slugIdentifier('2024 Target')).toBe('c_2024_target');
    expect(slugIdentifier('_loaded_at')).toBe('loaded_at');
    expect(slugIdentifier('__proto__')).toBe('proto');
  });

  it('suffixes reserved words', () => {
    expect(slugIdentifier('Order')).toBe('order_');
    expect(slugIdentifier('SELECT')).toBe('select_');
    expect(slugIdentifier('Order Date')).toBe('order_date');
    for (const word of RESERVED_WORDS) expect(RESERVED_WORDS.has(slugIdentifier(word))).toBe(false);
  });

  it('keeps every hostile input valid and within 63 bytes', () => {
    for (const input of HOSTILE_INPUTS) {
      const name = slugIdentifier(input);
      expect(isValidIdentifier(name), input).toBe(true);
      expect(name.startsWith('_'), input).toBe(false);
      expect(byteLength(name), input).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    }
  });

  it('measures bytes, not characters, for multi-byte input', () => {
    const name = slugIdentifier('é'.repeat(100));
    expect(name).toMatch(IDENTIFIER_PATTERN);
    expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(63);
    expect(name.startsWith('eeee')).toBe(true);
  });

  it('shortens a 300-character name with a stable hash of the original', () => {
    const a = slugIdentifier(`${'Quarterly revenue forecast '.repeat(11)}A`);
    const b = slugIdentifier(`${'Quarterly revenue forecast '.repeat(11)}B`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(b.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^quarterly_revenue_forecast_.*_[0-9a-f]{8}$/);
  });
});

describe('uniqueName', () => {
  it('returns the candidate when free', () => {
    expect(uniqueName('region', new Set(['value']), 'k1')).toBe('region');
  });

  it('appends a hash of the original when taken, deterministically', () => {
    const taken = new Set(['region']);
    const first = uniqueName('region', taken, 'key-a');
    expect(first).toMatch(/^region_[0-9a-f]{8}$/);
    expect(uniqueName('region', taken, 'key-a')).toBe(first);
    expect(uniqueName('region', taken, 'key-b')).not.toBe(first);
  });

  it('numbers further collisions and always fits', () => {
    const taken = new Set<string>();
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const name = uniqueName('x'.repeat(63), taken, 'same-original');
      expect(name.length).toBeLessThanOrEqual(63);
      expect(names.has(name)).toBe(false);
      names.add(name);
      taken.add(name);
    }
  });
});

describe('truncateWithHash and withSuffix', () => {
  it('leaves short names alone', () => {
    expect(truncateWithHash('short', 63, 'short')).toBe('short');
    expect(withSuffix('amount', 'currency', 'k')).toBe('amount_currency');
    // A reserved word made safe (`order_`) does not produce a double underscore.
    expect(withSuffix('order_', 'currency', 'k')).toBe('order_currency');
  });

  it('keeps the suffix readable when the base is long', () => {
    const base = 'a'.repeat(63);
    const name = withSuffix(base, 'admin_area_level_1', 'key');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.endsWith('_admin_area_level_1')).toBe(true);
    expect(isValidIdentifier(name)).toBe(true);
  });
});

describe('naming properties', () => {
  const POOL = ['a', 'Z', '9', '0', '_', ' ', '-', "'", '"', ';', '`', 'é', 'ß', 'Æ', '名', '😀', '\u0301', 'Ω', '\t', '$', '.', 'ı'];

  function randomText(seed: number): string {
    let state = seed;
    const length = seed % 90;
    let out = '';
    for (let i = 0; i < length; i++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      out += POOL[state % POOL.length];
    }
    return out;
  }

  it('always yields a valid, deterministic identifier within the byte budget', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const input = randomText(seed);
      const name = slugIdentifier(input);
      expect(isValidIdentifier(name), JSON.stringify(input)).toBe(true);
      expect(name.startsWith('_'), JSON.stringify(input)).toBe(false);
      expect(RESERVED_WORDS.has(name)).toBe(false);
      expect(slugIdentifier(input)).toBe(name);
      if (rawSlug(input) === '') {
        expect(() => schemaNameFromIntegration(input, 40)).toThrow(ConfigurationError);
      } else {
        expect(isValidIdentifier(schemaNameFromIntegration(input, 40), 40), JSON.stringify(input)).toBe(true);
      }
    }
  });

  it('uniqueName never returns a taken name', () => {
    const taken = new Set<string>();
    for (let seed = 1; seed <= 500; seed++) {
      const name = uniqueName(slugIdentifier(randomText(seed % 7)), taken, `key-${seed}`);
      expect(taken.has(name)).toBe(false);
      expect(isValidIdentifier(name)).toBe(true);
      taken.add(name);
    }
  });
});
