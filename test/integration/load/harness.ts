/**
 * The load pipeline in-process against a real DuckDB file and the bundled sandbox, for tests that
 * need to reach inside a run (a custom fetch, a reporter's secrets) rather than spawn the CLI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBClient } from '../../../adapters/duckdb/client.js';
import { Reporter } from '../../../src/cli/output.js';
import { LoadPipeline, type PipelineOptions } from '../../../src/load/pipeline.js';
import type { RunSummary } from '../../../src/load/summary.js';
import { findStream, type StreamDefinition } from '../../../src/pipedrive/catalog.js';
import { PipedriveClient, type PipedriveClientOptions } from '../../../src/pipedrive/client.js';
import type { Sandbox } from '../../../src/sandbox/index.js';

export interface RunResult {
  readonly summary?: RunSummary;
  readonly error?: unknown;
  readonly output: string;
}

export interface Harness {
  readonly path: string;
  readonly warehouse: DuckDBClient;
  run(options: Partial<PipelineOptions> & { streams: readonly StreamDefinition[]; client?: Partial<PipedriveClientOptions>; secrets?: string[] }): Promise<RunResult>;
  close(): Promise<void>;
}

export function streams(...names: string[]): StreamDefinition[] {
  return names.map((name) => {
    const stream = findStream(name);
    if (!stream) throw new Error(`no stream ${name}`);
    return stream;
  });
}

let counter = 0;

export async function openHarness(sandbox: Sandbox, schema: string): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'pdl-pipeline-'));
  const path = join(dir, 'db.duckdb');
  const warehouse = new DuckDBClient({ type: 'duckdb', name: 'test', settings: { path }, secrets: [] });
  await warehouse.open();
  return {
    path,
    warehouse,
    async run({ client, secrets, ...options }) {
      let output = '';
      const sink = { write: (text: string) => (output += text) };
      const reporter = new Reporter('text', { stdout: sink, stderr: sink }, { interactive: false });
      reporter.addSecrets(secrets ?? []);
      const pipedrive = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.adminToken, requestsPer2s: 1000, ...client });
      const pipeline = new LoadPipeline({
        pipedrive,
        warehouse,
        schema,
        fullRefresh: false,
        loadId: `test-${++counter}`,
        reporter,
        ...options,
      });
      try {
        return { summary: await pipeline.run(), output };
      } catch (error) {
        return { error, summary: pipeline.progress, output };
      }
    },
    async close() {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
