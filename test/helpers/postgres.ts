/**
 * Where tests get PostgreSQL, in this order:
 *   1. TEST_DATABASE_URL, when set (a server someone else runs: CI's, yours);
 *   2. testcontainers' PostgreSQL module, when a container runtime answers within a few seconds;
 *   3. a throwaway local cluster: initdb + pg_ctl on a free port of 127.0.0.1, in a temp folder
 *      (as the `postgres` user when the tests run as root, since initdb refuses root), stopped and
 *      deleted by `dispose`.
 * Whatever the source, each caller (one per test file) gets its own fresh database with a random
 * name, dropped by `dispose`, so test files can run in parallel. The source is printed once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TargetConfig } from '../../src/config/target.js';

export type PostgresSource = 'TEST_DATABASE_URL' | 'testcontainers' | 'local cluster';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  /** A database that exists, to connect to for CREATE/DROP DATABASE. */
  readonly adminDatabase: string;
}

export interface PostgresTestDatabase {
  readonly source: PostgresSource;
  readonly server: PostgresServer;
  readonly database: string;
  /** dbt-postgres profile settings for the fresh database. */
  readonly settings: Record<string, unknown>;
  /** A postgres target for the fresh database; `extra` overrides settings. */
  target(extra?: Record<string, unknown>): TargetConfig;
  /** Runs SQL on the fresh database over a plain pg connection (not the adapter under test). */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  dispose(): Promise<void>;
}

const CONTAINER_PROBE_MS = 5000;
let announced = false;

function fromUrl(url: string): PostgresServer {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname) || '127.0.0.1',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username) || 'postgres',
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    adminDatabase: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A started PostgreSQL container, or undefined when no container runtime answers. */
async function tryContainer(): Promise<{ server: PostgresServer; stop: () => Promise<void> } | undefined> {
  if (process.env['TEST_NO_CONTAINERS'] === '1') return undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await withTimeout(getContainerRuntimeClient(), CONTAINER_PROBE_MS);
  } catch {
    return undefined;
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:15-alpine').start();
  return {
    server: {
      host: container.getHost(),
      port: container.getPort(),
      user: container.getUsername(),
      password: container.getPassword(),
      adminDatabase: container.getDatabase(),
    },
    stop: async () => {
      await container.stop();
    },
  };
}

/** The folder holding initdb and pg_ctl: $PG_BINDIR, pg_config --bindir, or the newest Debian one. */
function postgresBinDir(): string {
  const fromEnv = process.env['PG_BINDIR'];
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const configured = fromConfig.status === 0 ? fromConfig.stdout.trim() : '';
  if (configured && existsSync(join(configured, 'initdb'))) return configured;
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    if (existsSync(join(debian, version, 'bin', 'initdb'))) return join(debian, version, 'bin');
  }
  throw new Error(
    'No PostgreSQL for the tests: set TEST_DATABASE_URL, start a container runtime, or install PostgreSQL (initdb, pg_ctl).',
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** initdb refuses to run as root: run the server's tools as `postgres` then. */
function runAsServerUser(binary: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  execFileSync(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Server options for TLS with a throwaway self-signed certificate, so the adapter's sslmode
 * handling meets a server that offers TLS; empty (TLS off) when openssl is not installed.
 */
function selfSignedCertificate(dir: string): string {
  const [key, cert] = [join(dir, 'server.key'), join(dir, 'server.crt')];
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], {
    stdio: 'ignore',
  });
  if (made.status !== 0) return '';
  chmodSync(key, 0o600);
  if (process.getuid?.() === 0) {
    const { uid, gid } = statSync(dir);
    for (const file of [key, cert]) chownSync(file, uid, gid);
  }
  return ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`;
}

async function startLocalCluster(): Promise<{ server: PostgresServer; stop: () => Promise<void> }> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'pdl-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runAsServerUser(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  const tls = selfSignedCertificate(dir);
  const stop = async (): Promise<void> => {
    spawnSync(process.getuid?.() === 0 ? 'runuser' : join(bin, 'pg_ctl'), [
      ...(process.getuid?.() === 0 ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []),
      '-D', data, '-m', 'immediate', '-w', 'stop',
    ]);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      // fsync off: the cluster is thrown away; crash tests kill clients, never this server.
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200${tls}`;
      runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
      return { server: { host: '127.0.0.1', port, user: 'postgres', adminDatabase: 'postgres' }, stop };
    } catch (error) {
      // Another process may have taken the port between our probe and the server's bind.
      if (attempt >= 3) {
        await stop();
        throw error;
      }
    }
  }
}

async function connect(server: PostgresServer, database: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.user,
    ...(server.password !== undefined ? { password: server.password } : {}),
    database,
  });
  await client.connect();
  return client;
}

/** A fresh database on the first PostgreSQL source that is available (see the module comment). */
export async function createTestDatabase(): Promise<PostgresTestDatabase> {
  const url = process.env['TEST_DATABASE_URL'];
  let source: PostgresSource;
  let server: PostgresServer;
  let stopServer: () => Promise<void> = async () => undefined;
  if (url) {
    source = 'TEST_DATABASE_URL';
    server = fromUrl(url);
  } else {
    const started = await tryContainer();
    source = started ? 'testcontainers' : 'local cluster';
    const running = started ?? (await startLocalCluster());
    server = running.server;
    stopServer = running.stop;
  }
  if (!announced) {
    announced = true;
    console.info(`PostgreSQL for tests: ${source} (${server.host}:${server.port})`);
  }
  const database = `pdl_test_${randomBytes(6).toString('hex')}`;
  const admin = await connect(server, server.adminDatabase);
  try {
    await admin.query(`CREATE DATABASE "${database}" ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const settings: Record<string, unknown> = {
    host: server.host,
    port: server.port,
    user: server.user,
    ...(server.password !== undefined ? { password: server.password } : {}),
    dbname: database,
  };
  let direct: pg.Client | undefined;
  return {
    source,
    server,
    database,
    settings,
    target: (extra = {}) => ({
      type: 'postgres',
      name: 'test',
      settings: { ...settings, ...extra },
      secrets: server.password ? [server.password] : [],
    }),
    async sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      direct ??= await connect(server, database);
      return (await direct.query<R>(text, values)).rows;
    },
    async dispose() {
      await direct?.end().catch(() => undefined);
      const cleanup = await connect(server, server.adminDatabase);
      try {
        // FORCE ends connections a test left open (PostgreSQL 13+).
        await cleanup.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await cleanup.end();
        await stopServer();
      }
    },
  };
}
