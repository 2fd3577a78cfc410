/**
 * One run per schema: a session-level advisory lock, keyed by a stable 64-bit hash of the schema
 * name, held on a connection of its own for the whole run.
 *
 * Why a dedicated connection: the pool's connections come and go, and a session lock belongs to
 * the connection that took it. The lock lives exactly as long as this connection; if it drops
 * (network cut, pg_terminate_backend), PostgreSQL frees the lock and another run may take it, so
 * the client checks `isHeld` inside every transaction before committing (see client.ts).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LockBusyError } from '../../src/errors.js';

const POLL_MS = 250;

/** A stable signed 64-bit advisory-lock key for a schema: the first 8 bytes of a SHA-256. */
export function schemaLockKey(schema: string): bigint {
  return createHash('sha256').update(`pipedrive-loader schema lock\u0000${schema}`, 'utf8').digest().readBigInt64BE(0);
}

export class SchemaLock {
  #lost = false;

  private constructor(
    readonly schema: string,
    private readonly connection: pg.Client,
    /** The backend holding the lock, to look it up in pg_locks. */
    readonly pid: number,
  ) {
    const markLost = (): void => {
      this.#lost = true;
    };
    connection.on('error', markLost);
    connection.on('end', markLost);
  }

  /**
   * Connects with `config` and polls pg_try_advisory_lock until it succeeds or `waitMs` has
   * passed; then throws LockBusyError naming the schema and `where`. Polling rather than a
   * blocking pg_advisory_lock keeps the wait bounded without statement timeouts.
   */
  static async acquire(config: pg.ClientConfig, schema: string, waitMs: number, where: string): Promise<SchemaLock> {
    const key = schemaLockKey(schema).toString();
    const connection = new pg.Client(config);
    const deadline = Date.now() + Math.max(0, waitMs);
    try {
      await connection.connect();
      const { rows } = await connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pid = Number(rows[0]?.pid);
      for (;;) {
        const attempt = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
        if (attempt.rows[0]?.locked) return new SchemaLock(schema, connection, pid);
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new LockBusyError(
            `Another pipedrive-loader run is loading schema ${schema} in ${where}; ` +
              `waited ${Math.round(waitMs / 1000)} s. Wait for it to finish, or retry later.`,
          );
        }
        await sleep(Math.min(POLL_MS, remaining));
      }
    } catch (error) {
      await connection.end().catch(() => undefined);
      throw error;
    }
  }

  /** False once the lock's connection has reported an error or ended. */
  get maybeHeld(): boolean {
    return !this.#lost;
  }

  markLost(): void {
    this.#lost = true;
  }

  async release(): Promise<void> {
    try {
      if (!this.#lost) await this.connection.query('SELECT pg_advisory_unlock($1::bigint)', [schemaLockKey(this.schema).toString()]);
    } finally {
      this.#lost = true;
      await this.connection.end().catch(() => undefined);
    }
  }
}

/** Run inside a batch's transaction: one row while the lock's backend still holds an advisory lock. */
export const LOCK_STILL_HELD_SQL = "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1";
