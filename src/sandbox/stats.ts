/** Request and token accounting, in total and per `METHOD /api/vN/path-template`. */

export interface RouteStats {
  readonly requests: number;
  readonly tokens: number;
}

export interface StatsSnapshot {
  readonly requests: number;
  readonly tokens: number;
  readonly byRoute: Readonly<Record<string, RouteStats>>;
}

export interface SandboxStats extends StatsSnapshot {
  snapshot(): StatsSnapshot;
  reset(): void;
}

export class Stats implements SandboxStats {
  private routes = new Map<string, { requests: number; tokens: number }>();
  private totalRequests = 0;
  private totalTokens = 0;

  record(route: string, tokens: number): void {
    const entry = this.routes.get(route) ?? { requests: 0, tokens: 0 };
    entry.requests++;
    entry.tokens += tokens;
    this.routes.set(route, entry);
    this.totalRequests++;
    this.totalTokens += tokens;
  }

  get requests(): number {
    return this.totalRequests;
  }

  get tokens(): number {
    return this.totalTokens;
  }

  get byRoute(): Record<string, RouteStats> {
    return Object.fromEntries([...this.routes].map(([route, s]) => [route, { ...s }]));
  }

  snapshot(): StatsSnapshot {
    return { requests: this.requests, tokens: this.tokens, byRoute: this.byRoute };
  }

  reset(): void {
    this.routes.clear();
    this.totalRequests = 0;
    this.totalTokens = 0;
  }
}
