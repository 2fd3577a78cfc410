/**
 * `plan`'s estimate against what the following load really spends on the sandbox. The sandbox
 * counts every request and token it admits (its own accounting, independent of the loader's);
 * per stream, the load's figures come from `_loader_runs`. Runs go: a first run, a run with
 * nothing changed (where the estimate must be exact), a run after changes (where each stream's
 * minimum must hold) and a full refresh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { spawnCli } from '../helpers/cli.js';

const SCHEMA = 'estimate_e2e';

type Certainty = 'exact' | 'estimate' | 'at-least';

interface Figure {
  readonly requests: number;
  readonly tokens: number;
}

interface PlanOutput {
  readonly streams: Map<string, Figure & { readonly certainty: Certainty; readonly unknown: boolean }>;
  readonly total: Figure & { readonly certainty: Certainty };
  /** What plan itself spent, by its own account and by the sandbox's. */
  readonly spent: Figure;
  readonly sandboxSpent: Figure;
}

interface LoadOutput {
  readonly code: number | null;
  /** What the sandbox admitted during the load. */
  readonly sandboxSpent: Figure;
  /** Per stream, as the load recorded it in _loader_runs. */
  readonly streams: Map<string, Figure>;
}

let sandbox: Sandbox;
let dir: string;

function cli(args: readonly string[]) {
  return spawnCli(
    [...args, '--schema', SCHEMA, '--pipedrive-url', sandbox.url, '--requests-per-2s', '1000', '--log-format', 'json'],
    { cwd: dir, env: { PIPEDRIVE_API_TOKEN: sandbox.adminToken, HOME: dir, DBT_PROFILES_DIR: undefined } },
  );
}

function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function plan(extra: readonly string[] = []): Promise<PlanOutput> {
  sandbox.stats.reset();
  const result = await cli(['plan', ...extra]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const lines = events(result.stdout);
  const streams: PlanOutput['streams'] = new Map();
  for (const line of lines.filter((l) => l.event === 'plan_estimate')) {
    streams.set(String(line.stream), {
      requests: Number(line.requests),
      tokens: Number(line.tokens),
      certainty: line.certainty as Certainty,
      unknown: line.unknown === true,
    });
  }
  const total = lines.find((l) => l.event === 'plan_estimate_total');
  const finished = lines.find((l) => l.event === 'plan_finished');
  if (!total || !finished) throw new Error(`plan printed no estimate:\n${result.stdout}`);
  return {
    streams,
    total: { requests: Number(total.requests), tokens: Number(total.tokens), certainty: total.certainty as Certainty },
    spent: { requests: Number(finished.requests), tokens: Number(finished.tokens) },
    sandboxSpent: { requests: sandbox.stats.requests, tokens: sandbox.stats.tokens },
  };
}

async function load(extra: readonly string[] = []): Promise<LoadOutput> {
  sandbox.stats.reset();
  const result = await cli(['load', ...extra]);
  const sandboxSpent = { requests: sandbox.stats.requests, tokens: sandbox.stats.tokens };
  const finished = events(result.stdout).find((l) => l.event === 'run_finished');
  if (!finished) throw new Error(`load did not finish:\n${result.stdout}\n${result.stderr}`);
  return { code: result.code, sandboxSpent, streams: await recordedStreams(String(finished.load_id)) };
}

/** The per-stream figures a run recorded in `_loader_runs`. */
async function recordedStreams(loadId: string): Promise<Map<string, Figure>> {
  const instance = await DuckDBInstance.create(join(dir, 'pipedrive.duckdb'));
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT streams FROM "${SCHEMA}"."_loader_runs" WHERE load_id = $1`, [loadId]);
    const [row] = reader.getRowObjectsJS() as { streams: string }[];
    const entries = JSON.parse(row?.streams ?? '[]') as { stream: string; requests: number; tokens: number }[];
    return new Map(entries.map((e) => [e.stream, { requests: e.requests, tokens: e.tokens }]));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Every stream the plan estimated meets its claim; returns the streams compared. */
function expectClaimsHold(estimate: PlanOutput, actual: LoadOutput): string[] {
  const compared: string[] = [];
  for (const [stream, claim] of estimate.streams) {
    // The account check is no stream of the run's figures; the totals compared by callers hold it.
    if (stream === 'account') continue;
    const spent = actual.streams.get(stream) ?? { requests: 0, tokens: 0 };
    if (claim.certainty === 'exact') expect({ stream, ...spent }).toEqual({ stream, requests: claim.requests, tokens: claim.tokens });
    if (claim.certainty === 'at-least') expect(spent.requests, stream).toBeGreaterThanOrEqual(claim.requests);
    compared.push(stream);
  }
  // Nothing the load spent went unestimated.
  for (const stream of actual.streams.keys()) expect(estimate.streams.has(stream), stream).toBe(true);
  return compared;
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 31, deals: 1_200 });
  dir = mkdtempSync(join(tmpdir(), 'pdl-estimate-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('plan estimates the next load', () => {
  it('on a first run: metadata and unpaginated lists exactly, the rest as honest minimums', async () => {
    const estimate = await plan();
    // plan spends only the account check and the field-metadata reads, which the load repeats page for page.
    expect(estimate.spent).toEqual(estimate.sandboxSpent);
    const metadata = [...estimate.streams].filter(([name]) => name.endsWith('_fields') || name === 'account');
    expect(metadata.length).toBeGreaterThan(1);
    expect(metadata.every(([, claim]) => claim.certainty === 'exact')).toBe(true);
    expect(metadata.reduce((sum, [, claim]) => sum + claim.tokens, 0)).toBe(estimate.spent.tokens);
    expect(estimate.streams.get('account')).toMatchObject({ requests: 1, tokens: 2 });
    expect(estimate.streams.get('deals')).toMatchObject({ requests: 1, certainty: 'at-least', unknown: true });
    expect(estimate.streams.get('users')).toMatchObject({ requests: 1, certainty: 'exact' });
    expect(estimate.total.certainty).toBe('at-least');

    const actual = await load();
    expect(actual.code).toBe(0);
    expectClaimsHold(estimate, actual);
    expect(actual.sandboxSpent.tokens).toBeGreaterThanOrEqual(estimate.total.tokens);
    // The first load really needs more than the minimum (1,200 deals are 3 pages): the
    // estimate said "at least", not a wrong exact figure.
    expect(actual.streams.get('deals')?.requests).toBeGreaterThan(1);
  });

  it('with nothing changed: exactly what the load then spends, request for request', async () => {
    const estimate = await plan();
    const actual = await load();
    expect(actual.code).toBe(0);
    expectClaimsHold(estimate, actual);
    expect(actual.sandboxSpent).toEqual({ requests: estimate.total.requests, tokens: estimate.total.tokens });
    // Lists wait for their cadence (src/load/list-cadence.ts): none is read, exactly.
    expect(estimate.streams.get('stages')).toMatchObject({ requests: 0, certainty: 'exact' });
    // When due, a full stream is estimated from the last run that read it to the end.
    const due = await plan(['--refresh-lists', 'always']);
    expect(due.streams.get('stages')?.certainty).toBe('estimate');
  });

  it('after changes: every minimum holds, and the exact parts stay exact', async () => {
    sandbox.clock.advance(3_600);
    for (let i = 0; i < 700; i++) sandbox.mutate.insert('persons', { name: `Person added ${i}` });
    for (let id = 1; id <= 150; id++) sandbox.mutate.update('deals', id, { title: `Deal changed ${id}` });
    const estimate = await plan();
    expect(estimate.streams.get('persons')).toMatchObject({ requests: 1, certainty: 'at-least', unknown: false });
    const actual = await load();
    expect(actual.code).toBe(0);
    expectClaimsHold(estimate, actual);
    expect(actual.streams.get('persons')?.requests).toBe(2);
    expect(actual.sandboxSpent.tokens).toBeGreaterThan(estimate.total.tokens);
  });

  it('for a full refresh: tables written by one stream are estimated from their rows', async () => {
    const estimate = await plan(['--full-refresh']);
    const persons = estimate.streams.get('persons');
    expect(persons).toMatchObject({ certainty: 'estimate' });
    // Two streams write `deals`: its rows do not say how many are whose.
    expect(estimate.streams.get('deals')).toMatchObject({ certainty: 'at-least', unknown: true });
    const actual = await load(['--full-refresh']);
    expect(actual.code).toBe(0);
    expectClaimsHold(estimate, actual);
    // Nothing was deleted, so the rows in the warehouse are the records Pipedrive lists: the
    // row-based estimates are right to the page.
    for (const [stream, claim] of estimate.streams) {
      if (claim.certainty === 'estimate') expect({ stream, ...actual.streams.get(stream) }).toEqual({ stream, requests: claim.requests, tokens: claim.tokens });
    }
  });
});
