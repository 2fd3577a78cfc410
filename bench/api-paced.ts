/**
 * The API sets the pace: the sandbox answers like Pipedrive (300 ms a request, ± 50%) within a
 * plan's burst limit (Lite 20, Ultimate 120 requests per 2 s), and the loader reads 200k
 * activities, 100k deals and 50k persons into PostgreSQL (BENCH_PACED_SCALE scales the counts).
 * Each plan runs three times, each into a fresh schema: one cursor per stream, up to two cursors
 * on long streams (src/load/windows.ts), and up to four (the default: src/load/cursor-segments.ts).
 *
 * What the API allows: every request the one-cursor run made, either spread over four cursors
 * (the stream pool) at 300 ms each, or at the plan's burst limit, whichever is slower.
 */
import { integer, loadAverage, runLoader } from './measure.js';
import { startRemoteSandbox } from './remote-sandbox.js';
import { LOADER_SCHEMA, postgresTarget } from './targets.js';

const LATENCY_MS = 300;
const CURSORS = 4;
const PLANS = [['lite', 20], ['ultimate', 120]] as const;

/** `BENCH_PACED_PLANS=lite` (or `ultimate`): one plan only. */
function selectedPlans(): (typeof PLANS)[number][] {
  const wanted = (process.env.BENCH_PACED_PLANS ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  return wanted.length === 0 ? [...PLANS] : PLANS.filter(([plan]) => wanted.includes(plan));
}

export async function apiPacedScenario(dir: string): Promise<void> {
  const scale = Number(process.env.BENCH_PACED_SCALE ?? 1);
  const deals = Math.round(100_000 * scale);
  console.log(`\n## api-paced: ${integer(2 * deals)} activities, ${integer(deals)} deals, ${integer(deals / 2)} persons into PostgreSQL, ` +
    `${LATENCY_MS} ms ± 50% a request (load average ${await loadAverage()})`);
  const target = await postgresTarget(dir);
  if (!target) return;
  try {
    for (const [plan, burst] of selectedPlans()) {
      const sandbox = await startRemoteSandbox({ seed: 42, deals, persons: deals / 2, activities: 2 * deals, latency: { ms: LATENCY_MS, jitter: 0.5 }, requestsPer2s: burst });
      try {
        let oneCursorRequests = 0;
        const modes = [
          ['one cursor per stream', { PIPEDRIVE_LOADER_SECOND_CURSOR_AFTER: 'never' }],
          ['up to two cursors on long streams', { PIPEDRIVE_LOADER_MAX_CURSORS: '2' }],
          ['up to four cursors (default)', {}],
        ] as const;
        for (const [mode, env] of modes) {
          await target.resetLoader();
          await sandbox.resetStats();
          const args = ['load', '--schema', LOADER_SCHEMA, '--pipedrive-url', sandbox.url, '--pipedrive-plan', plan, '--streams', 'activities,deals,persons', ...target.loaderArgs];
          const run = await runLoader(dir, args, sandbox.adminToken, 'child.mjs', env);
          const spent = await sandbox.stats();
          if ('PIPEDRIVE_LOADER_SECOND_CURSOR_AFTER' in env) oneCursorRequests = spent.requests;
          const latencyBound = (oneCursorRequests / CURSORS) * (LATENCY_MS / 1000);
          const burstBound = oneCursorRequests / (burst / 2);
          const bound = Math.max(latencyBound, burstBound);
          const rows = (await target.count('activities')) + (await target.count('deals')) + (await target.count('persons'));
          console.log(
            `  ${plan} (${burst}/2 s), ${mode}: ${run.seconds.toFixed(1)} s wall, ${integer(rows)} rows, ${spent.requests} requests, ${spent.tokens} tokens, ` +
              `loader CPU ${run.cpuSeconds.toFixed(1)} s, exit ${run.exitCode}; API bound ${bound.toFixed(1)} s ` +
              `(${oneCursorRequests} requests ÷ ${CURSORS} × ${LATENCY_MS} ms = ${latencyBound.toFixed(1)} s, at ${burst}/2 s = ${burstBound.toFixed(1)} s): ` +
              `ratio ${(run.seconds / bound).toFixed(2)} (target ≤ 1.1)`,
          );
        }
      } finally {
        await sandbox.close();
      }
    }
  } finally {
    await target.dispose();
  }
}

/**
 * The reader alone, in this process (fetch, decode, JSON.parse; nothing shaped or written): the
 * activities list read by one cursor, then by the two-cursor reader, under the same latency and
 * burst limit. On a machine too busy for the loader to keep up with the API, this still shows what
 * the second cursor does to the time one stream's pages take.
 */
export async function apiPacedReadScenario(): Promise<void> {
  const { PipedriveClient } = await import('../src/pipedrive/client.js');
  const { paginate } = await import('../src/pipedrive/paginate.js');
  const { STREAMS } = await import('../src/pipedrive/catalog.js');
  const { requestParams } = await import('../src/load/stream-reader.js');
  const { DEFAULT_SECOND_CURSOR_AFTER_PAGES, twoEndedPages } = await import('../src/load/windows.js');
  const scale = Number(process.env.BENCH_PACED_SCALE ?? 1);
  const deals = Math.round(100_000 * scale);
  const stream = STREAMS.find((candidate) => candidate.name === 'activities');
  if (!stream) throw new Error('no activities stream');
  console.log(`\n## api-paced-read: ${integer(2 * deals)} activities read alone, ${LATENCY_MS} ms ± 50% a request (load average ${await loadAverage()})`);
  for (const [plan, burst] of PLANS) {
    const sandbox = await startRemoteSandbox({ seed: 42, deals, activities: 2 * deals, latency: { ms: LATENCY_MS, jitter: 0.5 }, requestsPer2s: burst });
    try {
      const client = () => new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.adminToken, requestsPer2s: burst });
      const params = requestParams(stream, undefined);
      const timed = async (pages: AsyncIterable<{ records: unknown[] }>) => {
        await sandbox.resetStats();
        const started = process.hrtime.bigint();
        let records = 0;
        for await (const page of pages) records += page.records.length;
        return { seconds: Number(process.hrtime.bigint() - started) / 1e9, records, requests: (await sandbox.stats()).requests };
      };
      const one = await timed(paginate(client(), stream, params));
      const options = (maxCursors: number) => ({ stopRequested: () => false, afterPages: DEFAULT_SECOND_CURSOR_AFTER_PAGES, maxCursors });
      const two = await timed(twoEndedPages(client(), stream, params, options(2)));
      const four = await timed(twoEndedPages(client(), stream, params, options(4)));
      console.log(
        `  ${plan} (${burst}/2 s): one cursor ${one.seconds.toFixed(1)} s (${one.requests} requests, ${integer(one.records)} records; ` +
          `${one.requests} × ${LATENCY_MS} ms = ${((one.requests * LATENCY_MS) / 1000).toFixed(1)} s), two cursors ${two.seconds.toFixed(1)} s ` +
          `(${two.requests} requests, ${integer(two.records)} records): ${(one.seconds / two.seconds).toFixed(2)}× faster; ` +
          `four cursors ${four.seconds.toFixed(1)} s (${four.requests} requests, ${integer(four.records)} records): ${(one.seconds / four.seconds).toFixed(2)}× faster`,
      );
    } finally {
      await sandbox.close();
    }
  }
}
