/**
 * Seeded crash points for the reliability suite (test/reliability): with
 * `PIPEDRIVE_LOADER_TEST_CRASH_AT=<point>:<n>` set, the process SIGKILLs itself the n-th time it
 * reaches `<point>`, so a test can stop a real load at an exact phase of a batch's write, which
 * an outside kill can only hit by chance. Unset (always, outside that suite) the warehouse client
 * is used as it is and nothing here runs.
 *
 * The points wrap the adapter contract, not SQL text, so they mean the same on every warehouse:
 *   copy       rows were bulk-written (staging, or straight into the table), nothing merged yet
 *   merge      the first statement after the bulk write (the merge) ran, state not yet written
 *   commit     the transaction's work is done (rows and bookmark written), COMMIT not yet sent
 *   committed  the transaction committed, before the next one starts
 */
import type { ColumnSpec, Row, TableRef } from '../schema/types.js';
import type { SqlParam, WarehouseClient, WarehouseSession } from '../../adapters/types.js';

export const CRASH_POINTS = ['copy', 'merge', 'commit', 'committed'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export const CRASH_AT_VARIABLE = 'PIPEDRIVE_LOADER_TEST_CRASH_AT';

interface CrashPlan {
  readonly point: CrashPoint;
  readonly occurrence: number;
}

/** `merge:3` → the third time the merge point is reached; anything else is refused loudly. */
export function parseCrashPlan(text: string | undefined): CrashPlan | undefined {
  if (text === undefined || text === '') return undefined;
  const match = /^([a-z]+):([1-9]\d*)$/.exec(text);
  const point = CRASH_POINTS.find((name) => name === match?.[1]);
  if (!match || point === undefined) {
    throw new Error(`${CRASH_AT_VARIABLE} must be <point>:<n> with point one of ${CRASH_POINTS.join(', ')}; got ${text}`);
  }
  return { point, occurrence: Number(match[2]) };
}

/** Counts arrivals at each point and kills the process at the planned one. */
class CrashCounter {
  private readonly seen = new Map<CrashPoint, number>();

  constructor(private readonly plan: CrashPlan) {}

  reach(point: CrashPoint): void {
    const count = (this.seen.get(point) ?? 0) + 1;
    this.seen.set(point, count);
    if (point === this.plan.point && count === this.plan.occurrence) {
      // Said on stderr first, so the test can tell a planned death from any other.
      process.stderr.write(`crash point ${point}:${count} reached: SIGKILL\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  }
}

function sessionWithCrashPoints(session: WarehouseSession, counter: CrashCounter): WarehouseSession {
  let wroteRows = false;
  const afterBulkWrite = (): void => {
    wroteRows = true;
    counter.reach('copy');
  };
  const wrapped: WarehouseSession = {
    query: (sql, params) => session.query(sql, params),
    execute: async (sql: string, params?: readonly SqlParam[]) => {
      await session.execute(sql, params);
      if (wroteRows) {
        wroteRows = false;
        counter.reach('merge');
      }
    },
    writeStaging: async (target: TableRef, columns: readonly ColumnSpec[], rows: readonly Row[]) => {
      const staging = await session.writeStaging(target, columns, rows);
      afterBulkWrite();
      return staging;
    },
  };
  const insertRows = session.insertRows?.bind(session);
  if (insertRows) {
    wrapped.insertRows = async (target, columns, rows) => {
      await insertRows(target, columns, rows);
      // Straight into the table: there is no merge, so the copy point stands for both.
      counter.reach('copy');
    };
  }
  return wrapped;
}

/**
 * The client itself when no crash is planned (the normal case); otherwise a proxy that keeps the
 * client's behaviour and adds the crash points. Methods it does not replace are bound to the
 * client, whose private fields a plain prototype wrapper could not reach.
 */
export function withCrashPoints(client: WarehouseClient, env: NodeJS.ProcessEnv = process.env): WarehouseClient {
  const plan = parseCrashPlan(env[CRASH_AT_VARIABLE]);
  if (plan === undefined) return client;
  const counter = new CrashCounter(plan);
  const overrides: Partial<WarehouseClient> = {
    transaction: async <T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> => {
      const result = await client.transaction(async (session) => {
        const value = await work(sessionWithCrashPoints(session, counter));
        counter.reach('commit');
        return value;
      });
      counter.reach('committed');
      return result;
    },
    writeStaging: async (target, columns, rows) => {
      const staging = await client.writeStaging(target, columns, rows);
      counter.reach('copy');
      return staging;
    },
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'transaction' || property === 'writeStaging') return overrides[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
