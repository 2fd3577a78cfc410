/**
 * Token accounting. Pipedrive reports no remaining daily budget in its headers, so the loader
 * keeps its own ledger from the cost table in costs.ts. Every attempt that was sent is charged,
 * retries included: Pipedrive charges them, and when a connection fails we cannot know whether
 * the request reached it, so the ledger errs on the side of over-counting.
 */

export interface UsageCount {
  readonly requests: number;
  readonly tokens: number;
}

/** The stream name used for requests made without a `context.stream`. */
export const UNSCOPED_STREAM = '(unscoped)';

export class UsageLedger {
  private readonly streams = new Map<string, { requests: number; tokens: number }>();
  private totalRequests = 0;
  private totalTokens = 0;

  /** Records one request of `tokens` tokens against `stream`. */
  charge(stream: string, tokens: number): void {
    const entry = this.streams.get(stream) ?? { requests: 0, tokens: 0 };
    entry.requests += 1;
    entry.tokens += tokens;
    this.streams.set(stream, entry);
    this.totalRequests += 1;
    this.totalTokens += tokens;
  }

  /** A snapshot per stream, in the order streams were first charged. */
  byStream(): Map<string, UsageCount> {
    const copy = new Map<string, UsageCount>();
    for (const [name, entry] of this.streams) copy.set(name, { ...entry });
    return copy;
  }

  forStream(stream: string): UsageCount {
    const entry = this.streams.get(stream);
    return entry ? { ...entry } : { requests: 0, tokens: 0 };
  }

  total(): UsageCount {
    return { requests: this.totalRequests, tokens: this.totalTokens };
  }
}
