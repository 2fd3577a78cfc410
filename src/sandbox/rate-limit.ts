/**
 * Pipedrive's two limits (reference §6): a rolling 2-second burst window per token, and a
 * company-wide daily token budget that every accepted request spends its `tokenCost` from.
 * A token that keeps calling after ten 429s in a row is blocked by "Cloudflare" (HTML 403)
 * until it stays quiet for one full window.
 */

export const BURST_WINDOW_MS = 2_000;
export const HAMMERING_THRESHOLD = 10;

export interface RateDecision {
  readonly outcome: 'ok' | 'burst' | 'daily' | 'blocked';
  readonly limit: number;
  readonly remaining: number;
  /** Relative seconds until the window frees up (the real header is relative, not an epoch). */
  readonly reset: number;
}

interface TokenState {
  readonly accepted: number[];
  consecutive429: number;
  last429At: number;
}

export class RateLimiter {
  private readonly tokens = new Map<string, TokenState>();
  private spentToday = 0;
  private day: number;

  constructor(
    private readonly requestsPer2s: number,
    private readonly dailyBudget: number,
    /** The sandbox clock's day number: the budget resets when it changes. */
    private readonly currentDay: () => number,
  ) {
    this.day = currentDay();
  }

  get spent(): number {
    this.rollDay();
    return this.spentToday;
  }

  private rollDay(): void {
    const today = this.currentDay();
    if (today !== this.day) {
      this.day = today;
      this.spentToday = 0;
    }
  }

  private state(token: string): TokenState {
    let state = this.tokens.get(token);
    if (!state) {
      state = { accepted: [], consecutive429: 0, last429At: 0 };
      this.tokens.set(token, state);
    }
    return state;
  }

  /** Headers for a response that did not go through `admit` (e.g. 401). */
  idle(): RateDecision {
    return { outcome: 'ok', limit: this.requestsPer2s, remaining: this.requestsPer2s, reset: 2 };
  }

  /** Decides one request and, when it is admitted, records it and spends `cost`. */
  admit(token: string, cost: number, nowMs = Date.now()): RateDecision {
    this.rollDay();
    const state = this.state(token);
    while (state.accepted.length && (state.accepted[0] ?? 0) <= nowMs - BURST_WINDOW_MS) state.accepted.shift();
    const reset = (): number => {
      const oldest = state.accepted[0];
      return oldest === undefined ? 2 : Math.max(1, Math.ceil((oldest + BURST_WINDOW_MS - nowMs) / 1000));
    };
    const limit = this.requestsPer2s;
    if (state.consecutive429 >= HAMMERING_THRESHOLD) {
      if (nowMs - state.last429At < BURST_WINDOW_MS) {
        state.last429At = nowMs;
        return { outcome: 'blocked', limit, remaining: 0, reset: reset() };
      }
      state.consecutive429 = 0;
    }
    if (state.accepted.length >= limit) return this.reject(state, 'burst', 0, reset(), nowMs);
    if (this.spentToday + cost > this.dailyBudget) {
      return this.reject(state, 'daily', limit - state.accepted.length, reset(), nowMs);
    }
    state.accepted.push(nowMs);
    state.consecutive429 = 0;
    this.spentToday += cost;
    return { outcome: 'ok', limit, remaining: limit - state.accepted.length, reset: reset() };
  }

  private reject(state: TokenState, outcome: 'burst' | 'daily', remaining: number, reset: number, nowMs: number): RateDecision {
    state.consecutive429++;
    state.last429At = nowMs;
    return { outcome, limit: this.requestsPer2s, remaining, reset };
  }
}
