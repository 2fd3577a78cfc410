/**
 * How long the sandbox takes to answer, like Pipedrive's servers: 0 by default (tests want speed),
 * or `ms` per response, jittered uniformly by ± `jitter` × `ms` (Pipedrive: 300 ms to a second for
 * a page of 500 records). The jitter comes from a seeded generator, so a run's sequence of delays
 * is reproducible; which request gets which delay depends on arrival order.
 */
import { Rng } from './random.js';

export interface LatencyOptions {
  /** Mean delay of a response, in milliseconds. */
  readonly ms: number;
  /** Fraction of `ms` the delay varies by either way, 0 ≤ jitter ≤ 1; default 0.5 (150–450 ms around 300). */
  readonly jitter?: number;
  readonly seed?: number;
}

export class Latency {
  private readonly rng: Rng;
  private readonly jitter: number;

  constructor(private readonly options: LatencyOptions) {
    if (!Number.isFinite(options.ms) || options.ms < 0) throw new RangeError('sandbox latency ms must be a number ≥ 0');
    this.jitter = options.jitter ?? 0.5;
    if (!Number.isFinite(this.jitter) || this.jitter < 0 || this.jitter > 1) throw new RangeError('sandbox latency jitter must be between 0 and 1');
    this.rng = new Rng(options.seed ?? 1, 0x1a7e);
  }

  /** The delay of the next response, in [ms × (1 − jitter), ms × (1 + jitter)). */
  next(): number {
    return this.options.ms * (1 - this.jitter + 2 * this.jitter * this.rng.next());
  }
}
