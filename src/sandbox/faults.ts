/**
 * Fault injection for tests of the loader's error handling. A fault matches requests by path
 * (a string matches the URL path exactly, a RegExp is tested against it), fires on every
 * `everyNth` matching request (default: each one) and `times` times in all (default 1, or
 * unlimited with everyNth). Faults replace a response; they never touch the data, so the next
 * successful request returns exactly what it would have without them.
 *
 * '402', '403' and '404' are Pipedrive's JSON refusals of a feature the company's plan lacks
 * (not Cloudflare's HTML 403, which is 'cloudflare-403').
 * 'endless-cursor' is a server that pages forever: the request's cursor is ignored (the first
 * page is served again) and the reply announces a fresh cursor every time.
 */
import type { Reply } from './http-util.js';
import { bodyText } from './http-util.js';

export const FAULT_KINDS = [
  '500', '502', '503', '504', '524', 'truncated', 'non-json', 'slow', 'drop', 'cloudflare-403', '429-burst', '429-daily',
  'endless-cursor', '402', '403', '404',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  readonly kind: FaultKind;
  readonly path?: string | RegExp;
  readonly times?: number;
  readonly everyNth?: number;
  /** For 'slow' (default 1000 ms) and 'drop' (pause before the socket dies, default 0). */
  readonly delayMs?: number;
}

export interface FaultInjector {
  inject(spec: FaultSpec): void;
  clear(): void;
  /** Faults still armed. */
  readonly pending: number;
}

interface ArmedFault {
  readonly spec: FaultSpec;
  readonly times: number;
  seen: number;
  fired: number;
}

export class Faults implements FaultInjector {
  private armed: ArmedFault[] = [];

  inject(spec: FaultSpec): void {
    if (!(FAULT_KINDS as readonly string[]).includes(spec.kind)) throw new Error(`unknown fault kind ${String(spec.kind)}`);
    if (spec.everyNth !== undefined && (!Number.isInteger(spec.everyNth) || spec.everyNth < 1)) throw new Error('everyNth must be a positive integer');
    if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) throw new Error('times must be a positive integer');
    const times = spec.times ?? (spec.everyNth !== undefined ? Number.POSITIVE_INFINITY : 1);
    this.armed.push({ spec, times, seen: 0, fired: 0 });
  }

  clear(): void {
    this.armed = [];
  }

  get pending(): number {
    return this.armed.length;
  }

  /** The fault to apply to a request for `path`, if any; counts the request against matching faults. */
  take(path: string): FaultSpec | undefined {
    let chosen: FaultSpec | undefined;
    for (const fault of this.armed) {
      const { path: pattern } = fault.spec;
      const matches = pattern === undefined || (typeof pattern === 'string' ? pattern === path : pattern.test(path));
      if (!matches) continue;
      fault.seen++;
      if (chosen) continue;
      if (fault.spec.everyNth !== undefined && fault.seen % fault.spec.everyNth !== 0) continue;
      fault.fired++;
      chosen = fault.spec;
    }
    this.armed = this.armed.filter((f) => f.fired < f.times);
    return chosen;
  }
}

let endlessCursors = 0;

/** For 'endless-cursor': the same reply with a cursor never announced before. */
export function withFreshCursor(reply: Reply): Reply {
  if (reply.status !== 200) return reply;
  const envelope = JSON.parse(bodyText(reply)) as Record<string, unknown>;
  endlessCursors += 1;
  const additional = typeof envelope.additional_data === 'object' && envelope.additional_data !== null ? envelope.additional_data : {};
  envelope.additional_data = { ...additional, next_cursor: Buffer.from(`endless-${endlessCursors}`).toString('base64url') };
  return { ...reply, body: JSON.stringify(envelope) };
}
