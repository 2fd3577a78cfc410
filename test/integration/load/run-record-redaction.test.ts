/**
 * The error text a failed run leaves in `_loader_runs` is redacted like everything printed:
 * `state show` and anyone reading the table must not find the token or a profile secret there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { openHarness, streams, type Harness } from './harness.js';

const SECRET = 'pr0file-s3cret-value';
let sandbox: Sandbox;
let harness: Harness;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3, deals: 20 });
  harness = await openHarness(sandbox, 'redaction');
});
afterAll(async () => {
  await harness.close();
  await sandbox.close();
});

describe('_loader_runs.error', () => {
  it('holds the failure with the token and profile secrets redacted', async () => {
    // A network failure whose text quotes a secret (a proxy URL with credentials, say): the
    // client quotes the innermost cause of a failure that carries no error code.
    const failingFetch = (): Promise<Response> =>
      Promise.reject(new Error(`proxy http://loader:${SECRET}@proxy.internal refused, token ${sandbox.adminToken}`));
    const result = await harness.run({ streams: streams('pipelines'), client: { fetch: failingFetch, maxAttempts: 1 }, secrets: [SECRET, sandbox.adminToken] });
    expect(result.error).toBeDefined();
    expect(String(result.error)).toContain(SECRET); // the raw error did carry it
    const rows = await harness.warehouse.query(`SELECT status, error FROM pipedrive_loader.redaction._loader_runs`);
    expect(rows).toHaveLength(1);
    const stored = String(rows[0]?.['error']);
    expect(rows[0]?.['status']).toBe('failed');
    expect(stored).toContain('[REDACTED]');
    expect(stored).toContain('proxy.internal refused');
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(sandbox.adminToken);
    expect(result.output).not.toContain(SECRET);
  });
});
