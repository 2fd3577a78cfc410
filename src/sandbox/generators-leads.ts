/**
 * Generators of v1 leads and notes (reference §9b). Leads keep their deal-field custom values in
 * `custom_fields` internally, in the v2 form, so mutations work as for deals; `serve-entity.ts`
 * turns them into the flat v1 hash keys leads really carry (unset ones omitted).
 */
import { generateCustomFields } from './custom-values.js';
import type { EntityGenerator, GenerationContext } from './generation-context.js';
import { baseCore, detailRng } from './generation-context.js';
import { companyName } from './generators-crm.js';
import { isoDate, isoMillis, v1Timestamp } from './time.js';
import { millisOf, uuidOf } from './uuid-ids.js';
import { COMPANY_STEMS, CURRENCIES, DEAL_NOUNS, LEAD_SOURCE_NAMES, NOTE_BODIES } from './vocabulary.js';

/** Lead timestamps: RFC3339 with a stable millisecond part (KNOWN-QUIRKS: v1 leads use ms). */
export function leadTime(ctx: GenerationContext, slot: number, second: number): string {
  return isoMillis(second, millisOf(ctx.seed, 'leads', slot, second));
}

export function leadGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'leads', id);
      core.archived = rng.chance(0.1);
      core.deleted = rng.chance(0.01);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'leads', id);
      const labels = Array.from({ length: ctx.counts.leadLabels }, (_, i) => i + 1).filter(() => rng.chance(0.25));
      const personId = rng.chance(0.8) ? rng.int(1, Math.max(1, ctx.counts.persons)) : null;
      const orgId = personId === null || rng.chance(0.6) ? rng.int(1, Math.max(1, ctx.counts.organizations)) : null;
      const source = rng.pick(LEAD_SOURCE_NAMES);
      return {
        id: uuidOf(ctx.seed, 'leads', id),
        title: `${companyName(id, rng)} lead`,
        owner_id: core.ownerId,
        creator_id: rng.int(1, Math.max(1, ctx.counts.users)),
        label_ids: labels.map((n) => uuidOf(ctx.seed, 'leadLabels', n)),
        person_id: personId,
        organization_id: orgId,
        source_name: source,
        origin: source === 'API' ? 'API' : rng.pick(['ManuallyCreated', 'WebForms', 'Import', 'Prospector']),
        origin_id: null,
        channel: rng.chance(0.2) ? rng.pick([52, 53]) : null,
        channel_id: null,
        source_deal_id: null,
        is_archived: core.archived,
        was_seen: rng.chance(0.7),
        value: rng.chance(0.6) ? { amount: rng.decimal(100, 90_000, 2), currency: rng.pick(CURRENCIES) } : null,
        expected_close_date: rng.chance(0.4) ? isoDate(core.addTime + rng.int(7, 120) * 86_400) : null,
        next_activity_id: rng.chance(0.3) ? rng.int(1, Math.max(1, ctx.counts.activities)) : null,
        add_time: leadTime(ctx, id, core.addTime),
        update_time: leadTime(ctx, id, core.updateTime),
        visible_to: String(core.visibleTo),
        cc_email: `sandbox-company+${ctx.seed}+lead${id}@pipedrivemail.example`,
        custom_fields: generateCustomFields(ctx.seed, 'leads', id, ctx.fields.deal.custom, ctx.counts, core.addTime),
      };
    },
  };
}

/** Which record a note is attached to (one parent; the matching pinned flag may be set). */
type NoteParent = 'deal' | 'person' | 'organization' | 'lead';

export function noteGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'notes', id);
      core.deleted = rng.chance(0.01);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'notes', id);
      const r = rng.next();
      // Half on deals, then persons, organizations and (when the company has any) leads.
      const parent: NoteParent = r < 0.5 ? 'deal' : r < 0.75 ? 'person' : r < 0.9 || ctx.counts.leads === 0 ? 'organization' : 'lead';
      const pinned = rng.chance(0.1);
      const pick = (count: number) => rng.int(1, Math.max(1, count));
      return {
        id,
        user_id: core.ownerId,
        last_update_user_id: core.updateTime === core.addTime ? core.ownerId : pick(ctx.counts.users),
        content: `${rng.pick(NOTE_BODIES)}${rng.chance(0.3) ? `<p>${rng.pick(COMPANY_STEMS)} ${rng.pick(DEAL_NOUNS)}</p>` : ''}`,
        add_time: v1Timestamp(core.addTime),
        update_time: v1Timestamp(core.updateTime),
        active_flag: true,
        deal_id: parent === 'deal' ? pick(ctx.counts.deals) : null,
        lead_id: parent === 'lead' ? uuidOf(ctx.seed, 'leads', pick(ctx.counts.leads)) : null,
        person_id: parent === 'person' ? pick(ctx.counts.persons) : null,
        org_id: parent === 'organization' ? pick(ctx.counts.organizations) : null,
        project_id: null,
        task_id: null,
        pinned_to_lead_flag: pinned && parent === 'lead',
        pinned_to_deal_flag: pinned && parent === 'deal',
        pinned_to_organization_flag: pinned && parent === 'organization',
        pinned_to_person_flag: pinned && parent === 'person',
        pinned_to_project_flag: false,
        pinned_to_task_flag: false,
      };
    },
  };
}
