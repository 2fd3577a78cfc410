/**
 * Generators of the Projects add-on's v2 projects and tasks (v2.yml `Project`, `GetTasksResponse`).
 * They exist only when the sandbox runs with `projectsAddon: true`; their timestamps carry
 * milliseconds, as the spec examples of these endpoints do.
 */
import type { EntityGenerator, GenerationContext } from './generation-context.js';
import { baseCore, detailRng } from './generation-context.js';
import { isoDate, isoMillis } from './time.js';
import { millisOf } from './uuid-ids.js';
import { COMPANY_STEMS, DEAL_NOUNS } from './vocabulary.js';

export const PROJECT_STATUSES = ['open', 'completed', 'canceled'] as const;
/** Values of the lists' `status` filter: a deleted project is listed only when `deleted` is asked for. */
export const PROJECT_STATUS_FILTERS = [...PROJECT_STATUSES, 'deleted'] as const;

function stamp(ctx: GenerationContext, entity: string, id: number, second: number): string {
  return isoMillis(second, millisOf(ctx.seed, entity, id, second));
}

export function projectGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'projects', id);
      core.deleted = rng.chance(0.02);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'projects', id);
      const status = core.addTime < ctx.startSecond - 180 * 86_400 ? rng.pick(['completed', 'completed', 'canceled', 'open'] as const) : 'open';
      const start = core.addTime + rng.int(0, 14) * 86_400;
      return {
        id,
        title: `${rng.pick(COMPANY_STEMS)} ${rng.pick(DEAL_NOUNS)} project`,
        // A deleted project keeps its row with status 'deleted' (listed only on request).
        status: core.deleted ? 'deleted' : status,
        board_id: rng.int(1, 2),
        phase_id: rng.int(1, 4),
        owner_id: core.ownerId,
        start_date: isoDate(start),
        end_date: rng.chance(0.7) ? isoDate(start + rng.int(14, 180) * 86_400) : null,
        deal_ids: rng.chance(0.7) ? [rng.int(1, Math.max(1, ctx.counts.deals))] : [],
        person_ids: rng.chance(0.5) ? [rng.int(1, Math.max(1, ctx.counts.persons))] : [],
        org_ids: rng.chance(0.5) ? [rng.int(1, Math.max(1, ctx.counts.organizations))] : [],
        label_ids: [],
        health_status: rng.chance(0.3) ? rng.pick(['on_track', 'at_risk', 'off_track']) : null,
        add_time: stamp(ctx, 'projects', id, core.addTime),
        update_time: stamp(ctx, 'projects', id, core.updateTime),
        status_change_time: stamp(ctx, 'projects', id, core.updateTime),
        // Some finished projects of old were archived: GET /projects no longer lists them, only
        // GET /projects/archived does (drawn last, so the fields above are as they were).
        archive_time: status !== 'open' && rng.chance(0.3) ? stamp(ctx, 'projects', id, core.updateTime) : null,
        custom_fields: {},
      };
    },
  };
}

export function taskGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core(id) {
      const { rng, core } = baseCore(ctx, 'tasks', id);
      core.deleted = rng.chance(0.02);
      return core;
    },
    record(id, core) {
      const rng = detailRng(ctx, 'tasks', id);
      const done = rng.chance(0.5);
      // Every fourth task is a subtask of the task before it (same project).
      const projectId = Math.min(Math.max(1, ctx.counts.projects), Math.floor((id - 1) / 4) + 1);
      const parent = id % 4 === 0 ? id - 1 : null;
      return {
        id,
        title: `${rng.pick(['Kick-off', 'Set up account', 'Import data', 'Train users', 'Go live', 'Review'])} #${id}`,
        creator_id: rng.int(1, Math.max(1, ctx.counts.users)),
        project_id: projectId,
        is_done: done,
        is_milestone: rng.chance(0.1),
        due_date: rng.chance(0.7) ? isoDate(core.addTime + rng.int(1, 60) * 86_400) : null,
        start_date: rng.chance(0.5) ? isoDate(core.addTime) : null,
        parent_task_id: parent,
        assignee_ids: [core.ownerId],
        priority: rng.chance(0.3) ? rng.int(0, 3) : null,
        add_time: stamp(ctx, 'tasks', id, core.addTime),
        update_time: stamp(ctx, 'tasks', id, core.updateTime),
        marked_as_done_time: done ? stamp(ctx, 'tasks', id, core.updateTime) : null,
      };
    },
  };
}
