/**
 * Every catalog stream read from the sandbox over real HTTP while the sandbox injects every
 * transient fault it knows (5xx, 524, truncated and non-JSON bodies, dropped connections, slow
 * answers, burst 429s, a Cloudflare block): the client must retry through all of it and deliver
 * every record exactly once. Backoff delays are shortened so the test runs in seconds; the
 * policy itself is unit-tested with fake timers in test/unit/pipedrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS, type StreamDefinition } from '../../src/pipedrive/catalog.js';
import { PipedriveClient } from '../../src/pipedrive/client.js';
import { paginate } from '../../src/pipedrive/paginate.js';
import { startSandbox, type Sandbox, type SandboxEntity } from '../../src/sandbox/index.js';
import { requestParams } from '../../src/load/stream-reader.js';
import { TABLE_OF } from '../helpers/compare.js';
import { listedBy } from '../helpers/listed-by.js';

const ENTITY_OF = new Map(Object.entries(TABLE_OF).map(([entity, table]) => [table, entity as SandboxEntity]));

/** Streams read on their own here; deal products need deal ids and are covered end to end. */
const READABLE = STREAMS.filter((stream) => !stream.children);

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11, deals: 2600, projectsAddon: true });
});

afterAll(async () => {
  await sandbox.close();
});

function client(): PipedriveClient {
  return new PipedriveClient({
    baseUrl: sandbox.url,
    apiToken: sandbox.adminToken,
    requestsPer2s: 1000,
    requestTimeoutMs: 2_000,
    maxAttempts: 8,
    retry: { baseDelayMs: 5, maxDelayMs: 50, cloudflareBaseDelayMs: 20, maxBurstWaitMs: 2_000 },
  });
}

/** What the API should list for a stream, from the sandbox's own records. */
async function expectedIds(stream: StreamDefinition): Promise<string[]> {
  if (stream.describes) {
    return sandbox.fields(stream.describes).map((f) => f.field_code);
  }
  const entity = ENTITY_OF.get(stream.table);
  if (!entity) throw new Error(`no sandbox entity for table ${stream.table}`);
  const key = stream.primaryKey[0] ?? 'id';
  const ids: string[] = [];
  for await (const record of sandbox.records(entity)) {
    if (listedBy(stream, record)) ids.push(String(record[key]));
  }
  return ids;
}

async function readIds(stream: StreamDefinition, pipedrive: PipedriveClient): Promise<string[]> {
  // v1 field metadata names its field code `key`.
  const key = stream.describes && stream.api === 'v1' ? 'key' : (stream.primaryKey[0] ?? 'id');
  const params = requestParams(stream, undefined);
  const ids: string[] = [];
  for await (const page of paginate(pipedrive, stream, params)) {
    for (const record of page.records) ids.push(String(record[key]));
  }
  return ids;
}

describe('reading every catalog stream through injected faults', () => {
  it('gets every record exactly once', async () => {
    // Spread over paths so that no request meets more failures in a row than the retry budget;
    // every kind still fires, and every 5th request anywhere fails with a 500 on top.
    sandbox.faults.inject({ kind: '500', path: /.*/, everyNth: 5 });
    sandbox.faults.inject({ kind: '502', path: /pipelines/, times: 2 });
    sandbox.faults.inject({ kind: '503', path: /\/deals$/, times: 1 });
    sandbox.faults.inject({ kind: '504', path: /persons/, times: 1 });
    sandbox.faults.inject({ kind: '524', path: /activities/, times: 1 });
    sandbox.faults.inject({ kind: 'truncated', path: /deals\/archived/, times: 2 });
    sandbox.faults.inject({ kind: 'non-json', path: /organizations/, times: 1 });
    sandbox.faults.inject({ kind: 'drop', path: /dealFields/, times: 2 });
    sandbox.faults.inject({ kind: 'slow', path: /stages/, times: 1, delayMs: 3_000 });
    sandbox.faults.inject({ kind: '429-burst', path: /products/, times: 1 });
    sandbox.faults.inject({ kind: 'cloudflare-403', path: /users/, times: 1 });

    const pipedrive = client();
    for (const stream of READABLE) {
      const ids = await readIds(stream, pipedrive);
      const expected = await expectedIds(stream);
      expect(new Set(ids).size, `${stream.name} has duplicates`).toBe(ids.length);
      expect([...ids].sort(), stream.name).toEqual([...expected].sort());
      expect(ids.length, stream.name).toBeGreaterThan(0);
    }
    // Every one-off fault fired (only the recurring 500 stays armed), and each cost a retry.
    expect(sandbox.faults.pending).toBe(1);
    const pages = READABLE.length + 10;
    expect(pipedrive.usage.total().requests).toBeGreaterThan(pages);
  });
});
