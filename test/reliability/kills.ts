/**
 * Seeded SIGKILLs at every phase of a load: while pages are read (extract), right after a batch's
 * bulk write (copy), after its merge (merge), with rows and bookmark written but not committed
 * (commit), and right after COMMIT (committed); on a first load and on an incremental one. After
 * each kill the committed bookmarks must not run ahead of the committed rows; the company keeps
 * changing; a rerun must converge to exactly the sandbox, nothing lost, nothing twice.
 */
import { expect } from 'vitest';
import type { Sandbox, SandboxEntity } from '../../src/sandbox/index.js';
import { CRASH_AT_VARIABLE, type CrashPoint } from '../../src/load/crash-points.js';
import type { CliResult } from '../helpers/cli.js';
import { ENTITIES, mutateSome, record, verify, type ReliabilityTarget, type Tally } from './harness.js';
import { TABLE_OF } from '../helpers/compare.js';

export type KillPoint = 'extract' | CrashPoint;

export interface KillScenario {
  readonly point: KillPoint;
  /** `incremental`: a complete first load, then many changes, then the killed run. */
  readonly phase: 'first' | 'incremental';
}

/**
 * PostgreSQL COPYs a backfill straight into the table (no merge), so the merge point is reached
 * only once rows exist: it is tried on incremental runs.
 */
export const KILL_SCENARIOS: readonly KillScenario[] = [
  { point: 'extract', phase: 'first' },
  { point: 'copy', phase: 'first' },
  { point: 'commit', phase: 'first' },
  { point: 'committed', phase: 'first' },
  { point: 'extract', phase: 'incremental' },
  { point: 'merge', phase: 'incremental' },
  { point: 'commit', phase: 'incremental' },
];

/** Records changed before an incremental kill: several batches of 100 per stream. */
const CHANGED_PER_ENTITY = 250;

function killOnRead(sandbox: Sandbox, afterPages: number): Parameters<ReliabilityTarget['load']>[3] {
  const route = 'GET /api/v2/deals';
  const before = sandbox.stats.snapshot().byRoute[route]?.requests ?? 0;
  return {
    onSpawn: (child) => {
      // An observation barrier, not a delay: the kill comes once the loader has asked for this
      // many deal pages, which the slowed pages keep well inside the stream.
      const poll = setInterval(() => {
        const pages = (sandbox.stats.snapshot().byRoute[route]?.requests ?? 0) - before;
        if (pages >= afterPages) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 2);
      child.on('exit', () => clearInterval(poll));
    },
  };
}

/** Every committed bookmark is covered by committed rows: none runs ahead of its table. */
async function expectBookmarksBehindRows(target: ReliabilityTarget, schema: string): Promise<void> {
  const tables = await target.sql(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '_loader_state'`,
  );
  if (tables.length === 0) return; // killed before the loader's tables existed
  const states = await target.sql(`SELECT stream, bookmark FROM "${schema}"."_loader_state"`);
  for (const entity of ENTITIES) {
    const table = TABLE_OF[entity];
    const bookmark = states.find((state) => state['stream'] === entity)?.['bookmark'];
    if (typeof bookmark !== 'string') continue;
    const [newest] = await target.sql(`SELECT max(update_time) AS newest FROM "${schema}"."${table}"`);
    const committed = newest?.['newest'];
    expect(committed, `${table} has rows up to its bookmark`).not.toBeNull();
    const newestTime = committed instanceof Date ? committed.getTime() : Date.parse(String(committed));
    expect(Date.parse(bookmark), `${entity} bookmark ${bookmark} vs newest row`).toBeLessThanOrEqual(newestTime);
  }
}

function describeRun(result: CliResult): string {
  return `exit ${String(result.code)} signal ${String(result.signal)}\n${result.stdout.slice(-1500)}\n${result.stderr.slice(-1500)}`;
}

export async function runKillScenario(
  target: ReliabilityTarget,
  sandbox: Sandbox,
  scenario: KillScenario,
  random: () => number,
  ids: ReadonlyMap<SandboxEntity, readonly number[]>,
  tally: Tally,
): Promise<string> {
  const schema = `kill_${scenario.point}_${scenario.phase}`;
  if (scenario.phase === 'incremental') {
    const base = await target.load(sandbox, schema);
    expect(base.code, describeRun(base)).toBe(0);
    mutateSome(sandbox, ids, 1, CHANGED_PER_ENTITY);
  }
  tally.kills += 1;
  let killed: CliResult;
  let where: string;
  if (scenario.point === 'extract') {
    // A first load reads three deal pages, an incremental one a single page.
    const afterPages = 1 + Math.floor(random() * (scenario.phase === 'first' ? 2 : 1));
    where = `extract after ${afterPages} deal page(s)`;
    sandbox.faults.inject({ kind: 'slow', path: '/api/v2/deals', everyNth: 1, delayMs: 250 });
    try {
      killed = await target.load(sandbox, schema, [], killOnRead(sandbox, afterPages));
    } finally {
      sandbox.faults.clear();
    }
  } else {
    const occurrence = 1 + Math.floor(random() * 6);
    where = `${scenario.point}:${occurrence}`;
    killed = await target.load(sandbox, schema, [], { env: { [CRASH_AT_VARIABLE]: where } });
    expect(killed.stderr, describeRun(killed)).toContain(`crash point ${where} reached`);
  }
  expect(killed.signal, describeRun(killed)).toBe('SIGKILL');
  await expectBookmarksBehindRows(target, schema);

  mutateSome(sandbox, ids, 2, 5);
  const rerun = await target.load(sandbox, schema);
  expect(rerun.code, describeRun(rerun)).toBe(0);
  const verdict = await verify(target, sandbox, schema);
  if (record(tally, verdict)) tally.killsSurvived += 1;
  expect(verdict.examples).toEqual([]);
  return `${target.name} ${scenario.phase} ${where}`;
}
