/**
 * A sandbox served from a child process (bench/sandbox-child.mjs), driven through its control API
 * (src/sandbox/control.ts): stats, clock and mutations over HTTP, its CPU from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SandboxOptions } from '../src/sandbox/index.js';
import { processCpuSeconds } from './postgres.js';

export interface RemoteStats {
  readonly requests: number;
  readonly tokens: number;
}

export interface RemoteSandbox {
  readonly url: string;
  readonly adminToken: string;
  /** CPU seconds the sandbox process has used so far (undefined off Linux). */
  cpuSeconds(): number | undefined;
  stats(): Promise<RemoteStats>;
  resetStats(): Promise<void>;
  advanceClock(seconds: number): Promise<void>;
  /** One `/_sandbox/mutations` call (e.g. `{op: 'update', entity: 'deals', id, patch}`). */
  mutate(body: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

async function control(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const envelope = (await response.json()) as { success: boolean; data?: unknown; error?: string };
  if (!envelope.success) throw new Error(`sandbox control ${method} ${path}: ${envelope.error ?? response.status}`);
  return envelope.data;
}

export function startRemoteSandbox(options: SandboxOptions): Promise<RemoteSandbox> {
  const child: ChildProcess = spawn(process.execPath, [join(import.meta.dirname, 'sandbox-child.mjs'), JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the sandbox process exited (${code}) before it listened`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      const { url, adminToken } = JSON.parse(line) as { url: string; adminToken: string };
      child.removeAllListeners('exit');
      resolve({
        url,
        adminToken,
        cpuSeconds: () => processCpuSeconds(child.pid ?? 0),
        stats: async () => {
          const data = (await control(url, 'GET', '/_sandbox/stats')) as RemoteStats;
          return { requests: data.requests, tokens: data.tokens };
        },
        resetStats: async () => void (await control(url, 'POST', '/_sandbox/stats/reset')),
        advanceClock: async (seconds) => void (await control(url, 'POST', '/_sandbox/clock', { advance: seconds })),
        mutate: (body) => control(url, 'POST', '/_sandbox/mutations', body),
        close: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.stdin?.end();
          }),
      });
    });
  });
}
