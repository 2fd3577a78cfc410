import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../../src/state/store.js';
import { LockBusyError } from '../../../src/errors.js';
import { tempDatabase, type TempDatabase } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
let db: TempDatabase | undefined;
afterEach(async () => {
  await db?.cleanup();
});

describe('a crash between batches', () => {
  it('keeps the committed batch and its bookmark, and nothing of the killed one', async () => {
    db = tempDatabase();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('INSIDE_SECOND_BATCH')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
    });

    // While the child holds the file, a second opener gets an actionable message.
    const blocked = await db.open().catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(LockBusyError);
    expect((blocked as Error).message).toContain(`another pipedrive-loader run or program has ${db.path} open`);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const client = await db.open();
    expect(await client.query('SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM pipedrive.deals')).toEqual([
      { n: 1000, lo: 1, hi: 1000 },
    ]);
    expect(await new StateStore(client, 'pipedrive').readBookmarks()).toEqual(
      new Map([['deals', '2024-01-01T00:00:00Z']]),
    );
  });
});
