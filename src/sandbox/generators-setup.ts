/**
 * Generators of the small v1 lists a company configures once and rarely touches (reference §9b):
 * lead labels, lead sources, filters, currencies, activity types and goals. They are set up in the
 * company's first weeks, like pipelines; each is still a store, so tests can mutate them.
 */
import type { EntityGenerator, GenerationContext } from './generation-context.js';
import { detailRng } from './generation-context.js';
import { STAGES_PER_PIPELINE } from './generators-crm.js';
import { setupCore } from './generators-other.js';
import { isoDate, v1Timestamp } from './time.js';
import { goalIdOf, millisOf, uuidOf } from './uuid-ids.js';
import { isoMillis } from './time.js';
import { ACTIVITY_TYPES, LEAD_LABEL_COLORS, LEAD_LABEL_NAMES, LEAD_SOURCE_NAMES } from './vocabulary.js';

export const FIXED_COUNTS = {
  leadLabels: 4,
  leadSources: LEAD_SOURCE_NAMES.length,
  filters: 12,
  currencies: 9,
  activityTypes: ACTIVITY_TYPES.length + 1,
  goals: 16,
} as const;

export function leadLabelGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => setupCore(ctx, 'leadLabels', id).core,
    record(id, core) {
      const stamp = (second: number) => isoMillis(second, millisOf(ctx.seed, 'leadLabels', id, second));
      return {
        id: uuidOf(ctx.seed, 'leadLabels', id),
        name: LEAD_LABEL_NAMES[(id - 1) % LEAD_LABEL_NAMES.length] ?? `Label ${id}`,
        color: LEAD_LABEL_COLORS[(id * 3) % LEAD_LABEL_COLORS.length] ?? 'gray',
        add_time: stamp(core.addTime),
        update_time: stamp(core.updateTime),
      };
    },
  };
}

export function leadSourceGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => setupCore(ctx, 'leadSources', id).core,
    record: (id) => ({ name: LEAD_SOURCE_NAMES[(id - 1) % LEAD_SOURCE_NAMES.length] ?? `Source ${id}` }),
  };
}

export const FILTER_TYPES = ['deals', 'leads', 'org', 'people', 'products', 'activity', 'projects'] as const;

export function filterGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => setupCore(ctx, 'filters', id).core,
    record(id, core) {
      const rng = detailRng(ctx, 'filters', id);
      const type = FILTER_TYPES[(id - 1) % FILTER_TYPES.length] ?? 'deals';
      return {
        id,
        name: `${rng.pick(['All open', 'My', 'Won this quarter', 'Stale', 'Key accounts'])} ${type}`,
        filter_code: null,
        is_editable: id > 2,
        active_flag: true,
        type,
        temporary_flag: null,
        user_id: rng.int(1, Math.max(1, ctx.counts.users)),
        add_time: v1Timestamp(core.addTime),
        update_time: v1Timestamp(core.updateTime),
        visible_to: rng.chance(0.5) ? '7' : '1',
        last_used_time: rng.chance(0.6) ? v1Timestamp(ctx.startSecond - rng.int(3_600, 60 * 86_400)) : null,
        custom_view_id: null,
      };
    },
  };
}

const CURRENCY_ROWS = [
  ['EUR', 'Euro', 2, '€'], ['USD', 'US Dollar', 2, '$'], ['GBP', 'British Pound', 2, '£'], ['SEK', 'Swedish Krona', 2, 'kr'],
  ['PLN', 'Polish Zloty', 2, 'zł'], ['CHF', 'Swiss Franc', 2, 'CHF'], ['JPY', 'Japanese Yen', 0, '¥'], ['BHD', 'Bahraini Dinar', 3, 'BD'],
] as const;

export function currencyGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => setupCore(ctx, 'currencies', id).core,
    record(id) {
      const row = CURRENCY_ROWS[id - 1];
      // Beyond the built-ins: the company's own custom currency (ids continue after them).
      if (!row) return { id, code: `PTS${id}`, name: `Loyalty points ${id}`, decimal_points: 0, symbol: 'pts', active_flag: true, is_custom_flag: true };
      const [code, name, decimals, symbol] = row;
      return { id, code, name, decimal_points: decimals, symbol, active_flag: true, is_custom_flag: false };
    },
  };
}

const ICONS: Record<string, string> = { call: 'call', meeting: 'meeting', task: 'task', deadline: 'deadline', email: 'email', lunch: 'lunch' };

export function activityTypeGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => setupCore(ctx, 'activityTypes', id).core,
    record(id, core) {
      const key = ACTIVITY_TYPES[id - 1];
      const name = key ? key.charAt(0).toUpperCase() + key.slice(1) : `Site visit ${id}`;
      return {
        id,
        order_nr: id,
        name,
        key_string: key ?? `site_visit_${id}`,
        icon_key: key ? (ICONS[key] ?? 'task') : 'car',
        active_flag: true,
        color: key ? 'FFFFFF' : '4A90E2',
        is_custom_flag: key === undefined,
        add_time: v1Timestamp(core.addTime),
        update_time: v1Timestamp(core.updateTime),
      };
    },
  };
}

/** `revenue_forecast` can be created but is not among `/goals/find`'s `type.name` values. */
const GOAL_TYPES = ['deals_won', 'deals_progressed', 'activities_completed', 'activities_added', 'deals_started', 'revenue_forecast'] as const;
/** Every kind of assignee the API allows (`POST /goals`): users, teams and the whole company. */
const GOAL_ASSIGNEES = ['person', 'person', 'team', 'company'] as const;

/** `type.params` as `POST /goals` describes them: stage only for deals_progressed, activity types for activity goals. */
function goalParams(ctx: GenerationContext, type: (typeof GOAL_TYPES)[number], rng: ReturnType<typeof detailRng>): Record<string, unknown> {
  const pipelines = Math.max(1, ctx.counts.pipelines);
  if (type.startsWith('activities')) return { activity_type_id: [rng.int(1, FIXED_COUNTS.activityTypes)] };
  const pipeline = rng.int(1, pipelines);
  if (type === 'deals_progressed') return { pipeline_id: [pipeline], stage_id: (pipeline - 1) * STAGES_PER_PIPELINE + rng.int(1, STAGES_PER_PIPELINE) };
  return { pipeline_id: [pipeline] };
}

/**
 * Goals of several assignees, both tracking metrics, one in three inactive; the pattern is fixed
 * (not drawn) so that tests can count what each `/goals/find` query must return. Person goals
 * rotate over the users, so every token's user has some and most goals are someone else's.
 */
export function goalGenerator(ctx: GenerationContext): EntityGenerator {
  return {
    core: (id) => setupCore(ctx, 'goals', id).core,
    record(id, core) {
      const rng = detailRng(ctx, 'goals', id);
      const type = GOAL_TYPES[(id - 1) % GOAL_TYPES.length] ?? 'deals_won';
      const start = core.addTime + 365 * 86_400 * Math.floor((id - 1) / 2);
      const assignee = GOAL_ASSIGNEES[(id - 1) % GOAL_ASSIGNEES.length] ?? 'person';
      const users = Math.max(1, ctx.counts.users);
      // The n-th person goal belongs to user n (mod the users): user 1 (the admin token's) has one.
      const personIndex = 2 * Math.floor((id - 1) / GOAL_ASSIGNEES.length) + ((id - 1) % GOAL_ASSIGNEES.length);
      const assigneeId = assignee === 'person' ? 1 + (personIndex % users) : assignee === 'team' ? 1 + (id % 3) : 1;
      const sum = id % 2 === 0;
      return {
        id: goalIdOf(ctx.seed, id),
        owner_id: 1,
        title: `${type.replace('_', ' ')} goal ${id}`,
        type: { name: type, params: goalParams(ctx, type, rng) },
        assignee: { id: assigneeId, type: assignee },
        interval: rng.pick(['weekly', 'monthly', 'quarterly', 'yearly']),
        duration: { start: isoDate(start), end: isoDate(start + 364 * 86_400) },
        // `currency_id` only on sum goals, as `POST /goals` describes the expected outcome.
        expected_outcome: sum
          ? { target: rng.int(1_000, 200_000), tracking_metric: 'sum', currency_id: 1 + (id % FIXED_COUNTS.currencies) }
          : { target: rng.int(5, 200), tracking_metric: 'quantity' },
        // One in three goals has ended: /goals/find lists those only with is_active=false.
        is_active: id % 3 !== 0,
        report_ids: [goalIdOf(ctx.seed, id + 1_000)],
      };
    },
  };
}
