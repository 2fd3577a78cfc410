/**
 * v2 custom-field values (reference §5c): one generator per creatable type. Each value comes from
 * its own PRNG stream keyed by (seed, entity, record id, field ordinal), so adding a field or
 * mutating a record never changes any other value.
 */
import type { CustomField } from './field-catalog.js';
import { entityCode, Rng } from './random.js';
import { isoDate } from './time.js';
import { CURRENCIES, PLACES, STREETS, COMPANY_STEMS, FIRST_NAMES } from './vocabulary.js';

export interface ReferenceCounts {
  readonly users: number;
  readonly persons: number;
  readonly organizations: number;
}

/** Share of unset custom values per record: real companies leave many fields empty. */
const NULL_RATE = 0.25;

function clockTime(rng: Rng, fromHour: number, toHour: number): string {
  return `${String(rng.int(fromHour, toHour)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45'])}:00`;
}

function addressValue(rng: Rng): Record<string, string | null> {
  const place = rng.pick(PLACES);
  const street = rng.pick(STREETS);
  const number = String(rng.int(1, 240));
  const postal = `${place.postalPrefix}${rng.int(100, 999)}`;
  // What the user typed, and Google's rendering of it, which differ (as they usually do).
  const typed = `${street.toLowerCase()} ${number} ${place.city}`;
  const formatted = `${street} ${number}, ${postal} ${place.city}, ${place.country}`;
  return {
    value: typed,
    street_number: number,
    route: street,
    sublocality: null,
    subpremise: rng.chance(0.2) ? `Suite ${rng.int(1, 40)}` : null,
    locality: place.city,
    admin_area_level_1: place.region,
    admin_area_level_2: null,
    country: place.country,
    postal_code: postal,
    formatted_address: formatted,
  };
}

function valueOf(field: CustomField, rng: Rng, refs: ReferenceCounts, aroundSecond: number): unknown {
  switch (field.type) {
    case 'varchar':
      return `${rng.pick(COMPANY_STEMS)} ${rng.int(1, 999)}`;
    case 'varchar_auto':
      return rng.pick(['Inbound', 'Outbound', 'Partner referral', 'Event']);
    case 'text':
      return `Notes from ${rng.pick(FIRST_NAMES)}:\nline with "quotes", 'apostrophes' and a ; semicolon.`;
    case 'phone':
      return `${rng.pick(PLACES).phonePrefix} ${rng.int(100, 999)} ${rng.int(1000, 9999)}`;
    case 'double':
      return rng.decimal(0, 10_000, 2);
    case 'monetary':
      return { value: rng.decimal(100, 250_000, 2), currency: rng.pick(CURRENCIES) };
    case 'date':
      return isoDate(aroundSecond + rng.int(-90, 90) * 86_400);
    case 'daterange': {
      const start = aroundSecond + rng.int(-60, 60) * 86_400;
      return { value: isoDate(start), until: isoDate(start + rng.int(1, 120) * 86_400) };
    }
    case 'time': {
      const place = rng.pick(PLACES);
      return { value: clockTime(rng, 7, 18), timezone_id: place.timezoneId, timezone_name: place.timezoneName };
    }
    case 'timerange': {
      const place = rng.pick(PLACES);
      return { value: clockTime(rng, 7, 12), until: clockTime(rng, 13, 19), timezone_id: place.timezoneId, timezone_name: place.timezoneName };
    }
    case 'enum':
      return field.valueIds.length ? rng.pick(field.valueIds) : null;
    case 'set': {
      if (!field.valueIds.length) return null;
      const chosen = field.valueIds.filter(() => rng.chance(0.4));
      return chosen.length ? chosen : [rng.pick(field.valueIds)];
    }
    case 'user':
      return rng.int(1, Math.max(1, refs.users));
    case 'org':
      return rng.int(1, Math.max(1, refs.organizations));
    case 'people':
      return rng.int(1, Math.max(1, refs.persons));
    case 'address':
      return addressValue(rng);
  }
}

/** The `custom_fields` object of a freshly generated record: every field present, unset → null. */
export function generateCustomFields(
  seed: number,
  entity: string,
  id: number,
  fields: readonly CustomField[],
  refs: ReferenceCounts,
  aroundSecond: number,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const code = entityCode(entity);
  for (const field of fields) {
    if (!field.generated) {
      values[field.key] = null;
      continue;
    }
    const rng = new Rng(seed, code, id, 0xc0ffee, field.ordinal);
    values[field.key] = rng.chance(NULL_RATE) ? null : valueOf(field, rng, refs, aroundSecond);
  }
  return values;
}
