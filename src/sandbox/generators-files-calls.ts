/**
 * Generators of v1 file metadata and call logs (reference §9b). Files point at one parent; the
 * parent names (`deal_name` …) are filled in when served, as the real API denormalizes them.
 * Call logs belong to the user who made them (`user_id`): GET /v1/callLogs lists only the token
 * user's logs.
 */
import type { EntityGenerator, GenerationContext } from './generation-context.js';
import { baseCore, detailRng } from './generation-context.js';
import { isoMillis, v1Timestamp } from './time.js';
import { callLogIdOf } from './uuid-ids.js';
import { ACTIVITY_SUBJECTS, CALL_OUTCOMES, FILE_KINDS, PLACES } from './vocabulary.js';

export function fileGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'files', id);
      core.deleted = rng.chance(0.02);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'files', id);
      const kind = rng.pick(FILE_KINDS);
      const r = rng.next();
      const ref = (count: number) => rng.int(1, Math.max(1, count));
      const remote = rng.chance(0.15);
      const fileName = `${kind.stem.replace(/ /g, '_')}_${id}.${kind.extension}`;
      return {
        id,
        user_id: core.ownerId,
        deal_id: r < 0.6 ? ref(ctx.counts.deals) : null,
        person_id: r >= 0.6 && r < 0.8 ? ref(ctx.counts.persons) : null,
        org_id: r >= 0.8 && r < 0.95 ? ref(ctx.counts.organizations) : null,
        product_id: r >= 0.95 ? ref(ctx.counts.products) : null,
        activity_id: null,
        lead_id: null,
        log_id: null,
        add_time: v1Timestamp(core.addTime),
        update_time: v1Timestamp(core.updateTime),
        file_name: fileName,
        file_type: kind.type,
        file_size: rng.int(2_000, 25_000_000),
        active_flag: true,
        inline_flag: false,
        remote_location: remote ? 'googledocs' : 's3',
        remote_id: remote ? `1mT6${id.toString(36)}${rng.int(100_000, 999_999)}` : '',
        cid: '',
        s3_bucket: '',
        mail_message_id: '',
        mail_template_id: '',
        url: `https://sandbox-company.pipedrive.example/v1/files/${id}/download`,
        name: `${kind.stem} ${id}`,
        description: rng.chance(0.2) ? 'Signed copy' : null,
      };
    },
  };
}

export function callLogGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'callLogs', id);
      core.deleted = rng.chance(0.01);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'callLogs', id);
      const outcome = rng.pick(CALL_OUTCOMES);
      const seconds = outcome === 'connected' ? rng.int(30, 3_600) : 0;
      const place = rng.pick(PLACES);
      const start = core.addTime;
      return {
        id: callLogIdOf(ctx.seed, id),
        activity_id: rng.chance(0.5) ? rng.int(1, Math.max(1, ctx.counts.activities)) : null,
        person_id: rng.chance(0.8) ? rng.int(1, Math.max(1, ctx.counts.persons)) : null,
        org_id: rng.chance(0.5) ? rng.int(1, Math.max(1, ctx.counts.organizations)) : null,
        deal_id: rng.chance(0.5) ? rng.int(1, Math.max(1, ctx.counts.deals)) : null,
        lead_id: null,
        subject: rng.pick(ACTIVITY_SUBJECTS),
        duration: String(seconds),
        outcome,
        from_phone_number: `${place.phonePrefix}${rng.int(20_000_000, 99_999_999)}`,
        to_phone_number: `${rng.pick(PLACES).phonePrefix}${rng.int(20_000_000, 99_999_999)}`,
        has_recording: seconds > 0 && rng.chance(0.3),
        start_time: isoMillis(start, 0),
        end_time: isoMillis(start + seconds, 0),
        user_id: core.ownerId,
        company_id: 7_001_234,
        note: rng.chance(0.4) ? 'Asked for a callback on Monday.' : null,
      };
    },
  };
}
