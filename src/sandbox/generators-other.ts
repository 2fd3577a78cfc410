/** Generators of activities, products, pipelines, stages (v2, reference §9a) and users (v1, §1). */
import { generateCustomFields } from './custom-values.js';
import type { Core, EntityGenerator, GenerationContext, SandboxEntity } from './generation-context.js';
import type { Rng } from './random.js';
import { baseCore, detailRng, laterUpdateTime, spreadAddTime, coreRng, HISTORY_SECONDS } from './generation-context.js';
import { STAGES_PER_PIPELINE } from './generators-crm.js';
import { isoDate, isoSeconds, v1Timestamp } from './time.js';
import {
  ACTIVITY_SUBJECTS, ACTIVITY_TYPES, BILLING_FREQUENCIES, CURRENCIES, FIRST_NAMES, LAST_NAMES, PLACES,
  PRODUCT_NAMES, PRODUCT_UNITS, STREETS,
} from './vocabulary.js';

/** An activity's location: typed by a user, with Google's differing formatted_address. */
function meetingPlace(rng: Rng, place: (typeof PLACES)[number], street: string): Record<string, string | null> {
  const number = String(rng.int(1, 99));
  const postal = `${place.postalPrefix}${rng.int(100, 999)}`;
  return {
    value: `${street} ${number}, ${place.city}`,
    country: place.country,
    admin_area_level_1: place.region,
    admin_area_level_2: null,
    locality: place.city,
    sublocality: null,
    route: street,
    street_number: number,
    subpremise: null,
    postal_code: postal,
    formatted_address: `${street} ${number}, ${postal} ${place.city}, ${place.country}`,
  };
}

export function activityGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'activities', id);
      core.deleted = rng.chance(0.01);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'activities', id);
      const done = core.addTime < ctx.startSecond - 14 * 86_400 ? rng.chance(0.85) : rng.chance(0.2);
      const due = core.addTime + rng.int(0, 30) * 86_400;
      const personId = rng.chance(0.8) ? rng.int(1, Math.max(1, ctx.counts.persons)) : null;
      const place = rng.pick(PLACES);
      const street = rng.pick(STREETS);
      const type = rng.pick(ACTIVITY_TYPES);
      return {
        id,
        subject: `${rng.pick(ACTIVITY_SUBJECTS)} (${type})`,
        type,
        owner_id: core.ownerId,
        creator_user_id: rng.int(1, Math.max(1, ctx.counts.users)),
        is_deleted: core.deleted,
        add_time: isoSeconds(core.addTime),
        update_time: isoSeconds(core.updateTime),
        deal_id: rng.chance(0.85) ? rng.int(1, Math.max(1, ctx.counts.deals)) : null,
        lead_id: null,
        person_id: personId,
        org_id: rng.chance(0.7) ? rng.int(1, Math.max(1, ctx.counts.organizations)) : null,
        project_id: null,
        due_date: isoDate(due),
        due_time: rng.chance(0.7) ? `${String(rng.int(8, 17)).padStart(2, '0')}:${rng.pick(['00', '30'])}` : null,
        duration: rng.chance(0.6) ? rng.pick(['00:15', '00:30', '01:00', '02:00']) : null,
        busy: rng.chance(0.6),
        done,
        marked_as_done_time: done ? isoSeconds(Math.min(core.updateTime, Math.max(core.addTime, due))) : null,
        location: type === 'meeting' || type === 'lunch' ? meetingPlace(rng, place, street) : null,
        participants: personId === null ? [] : [{ person_id: personId, primary: true }],
        conference_meeting_client: null,
        conference_meeting_url: null,
        conference_meeting_id: null,
        public_description: null,
        priority: null,
        note: rng.chance(0.3) ? '<p>Discussed <b>pricing</b> &amp; next steps.</p>' : null,
      };
    },
  };
}

export function productGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'products', id);
      core.deleted = rng.chance(0.02);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'products', id);
      const base = PRODUCT_NAMES[(id - 1) % PRODUCT_NAMES.length] ?? 'Product';
      const cycle = Math.floor((id - 1) / PRODUCT_NAMES.length);
      const frequency = rng.pick(BILLING_FREQUENCIES);
      const currencies = [...new Set([rng.pick(CURRENCIES), rng.pick(CURRENCIES)])];
      return {
        id,
        name: cycle === 0 ? base : `${base} v${cycle + 1}`,
        code: `SKU-${String(id).padStart(5, '0')}`,
        description: rng.chance(0.5) ? `${base}: everything a growing team needs.` : null,
        unit: rng.pick(PRODUCT_UNITS),
        tax: rng.pick([0, 9, 20, 22, 24]),
        category: rng.chance(0.7) ? rng.pick([31, 32]) : null,
        is_linkable: true,
        is_deleted: core.deleted,
        visible_to: core.visibleTo,
        owner_id: core.ownerId,
        add_time: isoSeconds(core.addTime),
        update_time: isoSeconds(core.updateTime),
        billing_frequency: frequency,
        billing_frequency_cycles: frequency === 'one-time' ? null : rng.chance(0.5) ? rng.int(1, 24) : null,
        prices: currencies.map((currency) => {
          const price = rng.decimal(10, 5_000, 2);
          return { product_id: id, price, currency, cost: Math.round(price * 0.4 * 100) / 100, direct_cost: null, notes: '' };
        }),
        custom_fields: generateCustomFields(ctx.seed, 'products', id, ctx.fields.product.custom, { users: ctx.counts.users, persons: ctx.counts.persons, organizations: ctx.counts.organizations }, core.addTime),
      };
    },
  };
}

const PIPELINE_NAMES = ['Sales', 'Partnerships', 'Renewals', 'Enterprise', 'Inbound'];
const STAGE_NAMES = ['Qualified', 'Contact made', 'Demo scheduled', 'Proposal made', 'Negotiations started'];
const PROBABILITIES = [10, 25, 50, 75, 90];

/** Pipelines and stages were set up in the company's first weeks and touched rarely since. */
export function setupCore(ctx: GenerationContext, entity: SandboxEntity, id: number): { rng: Rng; core: Core } {
  const rng = coreRng(ctx, entity, id);
  const addTime = spreadAddTime(ctx, entity, id, rng, 30 * 86_400) - HISTORY_SECONDS;
  return { rng, core: { addTime, updateTime: laterUpdateTime(ctx, addTime, rng), ownerId: 1, visibleTo: 3, deleted: false, archived: false, status: 0 } };
}

export function pipelineGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => setupCore(ctx, 'pipelines', id).core,
    record(id, core) {
      return {
        id,
        name: PIPELINE_NAMES[id - 1] ?? `Pipeline ${id}`,
        order_nr: id,
        is_deleted: core.deleted,
        is_deal_probability_enabled: id % 2 === 1,
        add_time: isoSeconds(core.addTime),
        update_time: isoSeconds(core.updateTime),
      };
    },
  };
}

export function stageGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => setupCore(ctx, 'stages', id).core,
    record(id, core) {
      const position = (id - 1) % STAGES_PER_PIPELINE;
      const rot = detailRng(ctx, 'stages', id).chance(0.4);
      return {
        id,
        order_nr: position + 1,
        name: STAGE_NAMES[position] ?? `Stage ${id}`,
        is_deleted: core.deleted,
        deal_probability: PROBABILITIES[position] ?? 50,
        pipeline_id: Math.floor((id - 1) / STAGES_PER_PIPELINE) + 1,
        is_deal_rot_enabled: rot,
        days_to_rotten: rot ? 14 : null,
        add_time: isoSeconds(core.addTime),
        update_time: isoSeconds(core.updateTime),
      };
    },
  };
}

export function userGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => {
      const { core } = setupCore(ctx, 'users', id);
      return { ...core, ownerId: id };
    },
    record(id, core) {
      const rng = detailRng(ctx, 'users', id);
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      const place = rng.pick(PLACES);
      const admin = ctx.adminUserIds.has(id);
      const permissionSet = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-00000000000${n}`;
      // The last of five or more users has left the company: deactivated, still listed.
      const active = !(ctx.counts.users >= 5 && id === ctx.counts.users);
      return {
        id,
        name: id === 1 ? 'Sandbox Admin' : `${first} ${last}`,
        default_currency: 'EUR',
        locale: 'en_US',
        lang: 1,
        email: id === 1 ? 'admin@sandbox.example' : `user${id}@sandbox.example`,
        phone: rng.chance(0.5) ? `${place.phonePrefix} ${rng.int(200, 999)} ${rng.int(1000, 9999)}` : null,
        activated: true,
        last_login: v1Timestamp(ctx.startSecond - rng.int(3_600, 30 * 86_400)),
        created: v1Timestamp(core.addTime),
        modified: v1Timestamp(core.updateTime),
        has_created_company: id === 1,
        access: admin
          ? [
              { app: 'sales', admin: true, permission_set_id: permissionSet(1) },
              { app: 'global', admin: true, permission_set_id: permissionSet(2) },
              { app: 'account_settings', admin: true, permission_set_id: permissionSet(3) },
            ]
          : [{ app: 'sales', admin: false, permission_set_id: permissionSet(4) }],
        active_flag: active,
        timezone_name: place.timezoneName,
        timezone_offset: '+00:00',
        role_id: 1,
        icon_url: null,
        is_you: false,
        is_deleted: false,
      };
    },
  };
}
