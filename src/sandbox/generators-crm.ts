/** Generators of deals, persons and organizations in the v2 shapes of reference §9a. */
import { generateCustomFields } from './custom-values.js';
import type { EntityGenerator, GenerationContext } from './generation-context.js';
import { baseCore, DEAL_STATUS_NAMES, DealStatus, detailRng } from './generation-context.js';
import type { Rng } from './random.js';
import { isoDate, isoSeconds } from './time.js';
import {
  COMPANY_STEMS, COMPANY_SUFFIXES, CURRENCIES, DEAL_NOUNS, EMAIL_LABELS, FIRST_NAMES, LAST_NAMES,
  LOST_REASONS, PHONE_LABELS, PLACES, STREETS,
} from './vocabulary.js';

export const STAGES_PER_PIPELINE = 5;

function refs(ctx: GenerationContext) {
  return { users: ctx.counts.users, persons: ctx.counts.persons, organizations: ctx.counts.organizations };
}

function between(rng: Rng, from: number, to: number): number {
  return from + Math.floor(rng.next() * Math.max(0, to - from));
}

function labelIds(rng: Rng, pool: readonly number[]): number[] {
  return pool.filter(() => rng.chance(0.2));
}

export function companyName(id: number, rng: Rng): string {
  return `${rng.pick(COMPANY_STEMS)} ${rng.pick(COMPANY_SUFFIXES)}${id % 7 === 0 ? ` ${id}` : ''}`;
}

function slug(text: string): string {
  return text.normalize('NFKD').replace(/[^a-zA-Z0-9]/g, '').toLowerCase() || 'x';
}

export function dealGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'deals', id);
      const r = rng.next();
      core.status = r < 0.64 ? DealStatus.open : r < 0.86 ? DealStatus.won : DealStatus.lost;
      core.archived = rng.chance(0.04);
      if (rng.chance(0.02)) {
        // Deleted deals stay listable for 30 days, so their deletion (= update_time) is recent.
        core.deleted = true;
        core.updateTime = Math.max(core.addTime, ctx.startSecond - rng.int(1, 29 * 86_400));
      }
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'deals', id);
      const currency = rng.pick(CURRENCIES);
      const value = rng.chance(0.1) ? 0 : rng.decimal(500, 150_000, 2);
      const pipelineId = rng.int(1, Math.max(1, ctx.counts.pipelines));
      const stageInPipeline = rng.int(1, STAGES_PER_PIPELINE);
      const stageId = Math.min(ctx.counts.stages, (pipelineId - 1) * STAGES_PER_PIPELINE + stageInPipeline);
      const closeTime = core.status === DealStatus.open ? null : between(rng, core.addTime, core.updateTime);
      const archiveTime = core.archived ? between(rng, closeTime ?? core.addTime, core.updateTime) : null;
      const won = core.status === DealStatus.won && closeTime !== null ? closeTime : null;
      const lost = core.status === DealStatus.lost && closeTime !== null ? closeTime : null;
      const hasProducts = rng.chance(0.3);
      return {
        id,
        title: `${rng.pick(COMPANY_STEMS)} ${rng.pick(DEAL_NOUNS)}`,
        creator_user_id: rng.int(1, Math.max(1, ctx.counts.users)),
        owner_id: core.ownerId,
        value,
        person_id: rng.chance(0.9) ? rng.int(1, Math.max(1, ctx.counts.persons)) : null,
        org_id: rng.chance(0.85) ? rng.int(1, Math.max(1, ctx.counts.organizations)) : null,
        stage_id: stageId,
        pipeline_id: pipelineId,
        currency,
        archive_time: archiveTime === null ? null : isoSeconds(archiveTime),
        add_time: isoSeconds(core.addTime),
        update_time: isoSeconds(core.updateTime),
        stage_change_time: rng.chance(0.7) ? isoSeconds(between(rng, core.addTime, core.updateTime)) : null,
        status: core.deleted ? 'deleted' : DEAL_STATUS_NAMES[core.status],
        is_archived: core.archived,
        is_deleted: core.deleted,
        probability: rng.chance(0.5) ? rng.int(0, 10) * 10 : null,
        lost_reason: lost !== null ? rng.pick(LOST_REASONS) : null,
        visible_to: core.visibleTo,
        close_time: closeTime === null ? null : isoSeconds(closeTime),
        won_time: won === null ? null : isoSeconds(won),
        lost_time: lost === null ? null : isoSeconds(lost),
        local_won_date: won === null ? null : isoDate(won),
        local_lost_date: lost === null ? null : isoDate(lost),
        local_close_date: closeTime === null ? null : isoDate(closeTime),
        expected_close_date: rng.chance(0.6) ? isoDate(core.addTime + rng.int(7, 180) * 86_400) : null,
        label_ids: labelIds(rng, [1, 2, 3]),
        origin: rng.pick(['ManuallyCreated', 'ManuallyCreated', 'API', 'Import', 'WebForms']),
        origin_id: null,
        channel: rng.chance(0.2) ? rng.pick([52, 53]) : null,
        channel_id: null,
        acv: hasProducts ? rng.decimal(1_000, 90_000, 2) : null,
        arr: hasProducts ? rng.decimal(1_000, 90_000, 2) : null,
        mrr: hasProducts ? rng.decimal(100, 7_500, 2) : null,
        custom_fields: generateCustomFields(ctx.seed, 'deals', id, ctx.fields.deal.custom, refs(ctx), core.addTime),
      };
    },
  };
}

function contacts(rng: Rng, first: string, last: string, domain: string) {
  const emails = [{ value: `${slug(first)}.${slug(last)}@${domain}`, primary: true, label: 'work' as string }];
  if (rng.chance(0.3)) emails.push({ value: `${slug(first)}${rng.int(1, 99)}@example.com`, primary: false, label: rng.pick(EMAIL_LABELS) });
  const place = rng.pick(PLACES);
  const phones = rng.chance(0.8)
    ? [{ value: `${place.phonePrefix} ${rng.int(200, 999)} ${rng.int(1000, 9999)}`, primary: true, label: rng.pick(PHONE_LABELS) as string }]
    : [];
  return { emails, phones };
}

export function personGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'persons', id);
      core.deleted = rng.chance(0.01);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'persons', id);
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      const domain = `${slug(rng.pick(COMPANY_STEMS))}.example`;
      return {
        id,
        name: `${first} ${last}`,
        first_name: first,
        last_name: last,
        owner_id: core.ownerId,
        org_id: rng.chance(0.8) ? rng.int(1, Math.max(1, ctx.counts.organizations)) : null,
        add_time: isoSeconds(core.addTime),
        update_time: isoSeconds(core.updateTime),
        ...contacts(rng, first, last, domain),
        is_deleted: core.deleted,
        visible_to: core.visibleTo,
        label_ids: labelIds(rng, [11, 12]),
        picture_id: null,
        custom_fields: generateCustomFields(ctx.seed, 'persons', id, ctx.fields.person.custom, refs(ctx), core.addTime),
      };
    },
  };
}

export function organizationGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'organizations', id);
      core.deleted = rng.chance(0.01);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'organizations', id);
      const place = rng.pick(PLACES);
      const street = rng.pick(STREETS);
      const number = String(rng.int(1, 300));
      const postal = `${place.postalPrefix}${rng.int(100, 999)}`;
      const formatted = `${street} ${number}, ${postal} ${place.city}, ${place.country}`;
      return {
        id,
        name: companyName(id, rng),
        owner_id: core.ownerId,
        add_time: isoSeconds(core.addTime),
        update_time: isoSeconds(core.updateTime),
        is_deleted: core.deleted,
        visible_to: core.visibleTo,
        label_ids: labelIds(rng, [21, 22]),
        address: rng.chance(0.15)
          ? null
          : {
              // As typed, which Google's formatted_address renders differently.
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
              formatted_address: formatted,
            },
        custom_fields: generateCustomFields(ctx.seed, 'organizations', id, ctx.fields.organization.custom, refs(ctx), core.addTime),
      };
    },
  };
}
