/**
 * `load --every 30m`: the long-running mode for users without CI.
 *
 * Everything here is pure or takes its clock, randomness and sleep as arguments, so the loop is
 * tested without real time. The rules:
 *
 * - **Interval** (`parseEvery`): a whole number with a unit, `s`, `m` or `h` (`90s`, `30m`, `6h`),
 *   at least one minute. Pipedrive's own replication runs every 30 minutes; a shorter interval
 *   mostly spends API tokens on empty pages. The minimum is a parameter only so that the
 *   end-to-end test can run cycles seconds apart (the CLI's hidden `--every-minimum`).
 * - **Jitter** (`nextRunDelay`): the next run is due one interval after the previous run STARTED,
 *   moved by a random offset of up to ±`jitterFraction` of the interval (default ±10 %), so that
 *   many loaders started at the same minute drift apart instead of hitting Pipedrive together.
 *   The delay is counted from `now`, the moment the previous run ended, and is never negative:
 *   runs never overlap, and a run that took longer than the interval is followed at once.
 * - **Stopping** (`runEvery`): the AbortSignal is handed to each run, which stops at its next batch
 *   boundary; the loop never interrupts a run itself. An abort during the sleep between runs ends
 *   the loop at once.
 * - **Failures**: a failed run is reported through `onCycle` and the next run comes on schedule.
 *   `BudgetExhaustedError` is not a failure: the run kept what it committed, and the next run
 *   (on schedule) resumes. Errors that a later run cannot fix (by default ConfigurationError and
 *   AuthenticationError) end the loop by rethrowing, so the process exits with their code
 *   instead of failing every 30 minutes forever.
 */
import { AuthenticationError, BudgetExhaustedError, ConfigurationError, InterruptedError } from '../errors.js';

export const MIN_INTERVAL_MS = 60_000;
export const DEFAULT_JITTER_FRACTION = 0.1;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** `--every 30m` → 1 800 000 ms. Throws ConfigurationError with the accepted forms. */
export function parseEvery(text: string, minimumMs: number = MIN_INTERVAL_MS): number {
  const match = /^\s*(\d+)\s*([smh])\s*$/i.exec(text);
  if (!match) {
    throw new ConfigurationError(
      `--every ${JSON.stringify(text)} is not an interval: use a whole number and a unit s, m or h, e.g. --every 30m.`,
    );
  }
  const [, amount = '', unit = ''] = match;
  const intervalMs = Number(amount) * (UNIT_MS[unit.toLowerCase()] ?? 0);
  if (intervalMs < Math.max(minimumMs, 1_000)) {
    throw new ConfigurationError(`--every ${text.trim()} is too short: the minimum is ${formatDuration(minimumMs).replace(/ /g, '')}.`);
  }
  if (!Number.isSafeInteger(intervalMs)) throw new ConfigurationError(`--every ${text.trim()} is too long.`);
  return intervalMs;
}

export interface NextRunInput {
  readonly intervalMs: number;
  /** Epoch ms when the previous run started. */
  readonly lastStartedAt: number;
  /** Epoch ms now, i.e. when the previous run ended. */
  readonly now: number;
  /** Uniform in [0, 1), like Math.random. */
  readonly random: () => number;
  /** Largest offset as a fraction of the interval; 0 ≤ f ≤ 0.5. Default 0.1. */
  readonly jitterFraction?: number;
}

/** Milliseconds to wait before the next run (see the jitter rule at the top of this file). */
export function nextRunDelay(input: NextRunInput): number {
  const fraction = input.jitterFraction ?? DEFAULT_JITTER_FRACTION;
  if (!(fraction >= 0 && fraction <= 0.5)) throw new RangeError('jitterFraction must be between 0 and 0.5');
  if (!(input.intervalMs > 0)) throw new RangeError('intervalMs must be positive');
  const offset = (input.random() * 2 - 1) * fraction * input.intervalMs;
  const due = input.lastStartedAt + input.intervalMs + offset;
  return Math.max(0, Math.round(due - input.now));
}

export type CycleOutcome = 'succeeded' | 'failed' | 'budget_exhausted' | 'interrupted';

export interface CycleReport {
  /** 1 for the first run. */
  readonly cycle: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly outcome: CycleOutcome;
  /** The error a run threw, for every outcome but `succeeded`. */
  readonly error?: unknown;
  /** Wait before the next run; null when the loop ends after this run. */
  readonly nextDelayMs: number | null;
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface RunEveryOptions {
  readonly intervalMs: number;
  /** One load. It receives the stop signal and must stop at a batch boundary once it fires. */
  readonly run: (signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  /** Must resolve (not reject) early when the signal fires. Default: `abortableSleep`. */
  readonly sleep?: Sleep;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly jitterFraction?: number;
  /** Called once per run, after it ended: the CLI prints its one line per run here. */
  readonly onCycle?: (report: CycleReport) => void;
  /** Errors that end the loop (rethrown). Default: configuration and authentication errors. */
  readonly isFatal?: (error: unknown) => boolean;
}

export interface RunEveryResult {
  readonly cycles: number;
}

/** Errors that the next run would hit again: the user has to change something first. */
export function isFatalByDefault(error: unknown): boolean {
  return error instanceof ConfigurationError || error instanceof AuthenticationError;
}

/** setTimeout that resolves at once, without an error, when the signal fires. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function outcomeOf(error: unknown, signal: AbortSignal): CycleOutcome {
  if (error instanceof BudgetExhaustedError) return 'budget_exhausted';
  if (error instanceof InterruptedError && signal.aborted) return 'interrupted';
  return 'failed';
}

/** Runs `run` every `intervalMs` (with jitter) until `signal` fires; see the rules above. */
export async function runEvery(options: RunEveryOptions): Promise<RunEveryResult> {
  const { signal } = options;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const isFatal = options.isFatal ?? isFatalByDefault;
  let cycles = 0;

  while (!signal.aborted) {
    cycles += 1;
    const startedAt = now();
    let outcome: CycleOutcome = 'succeeded';
    let error: unknown;
    try {
      await options.run(signal);
    } catch (caught) {
      error = caught;
      outcome = outcomeOf(caught, signal);
    }
    const finishedAt = now();
    const fatal = outcome === 'failed' && isFatal(error);
    const nextDelayMs =
      signal.aborted || fatal
        ? null
        : nextRunDelay({
            intervalMs: options.intervalMs,
            lastStartedAt: startedAt,
            now: finishedAt,
            random,
            ...(options.jitterFraction === undefined ? {} : { jitterFraction: options.jitterFraction }),
          });
    options.onCycle?.({
      cycle: cycles,
      startedAt,
      finishedAt,
      outcome,
      ...(outcome === 'succeeded' ? {} : { error }),
      nextDelayMs,
    });
    if (fatal) throw error;
    if (nextDelayMs === null) break;
    await sleep(nextDelayMs, signal);
  }
  return { cycles };
}

/** `12m 30s`, `45s`, `1h 5m`: for the one line printed per run. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join(' ');
}

const OUTCOME_WORDS: Readonly<Record<CycleOutcome, string>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  budget_exhausted: 'API budget spent, committed data kept',
  interrupted: 'stopped by signal after its current batch',
};

/**
 * The one line printed per run in `--every` mode, e.g.
 * `run 3 (1m 12s): succeeded; next run in 28m 48s` or
 * `run 2 (3s): failed: Pipedrive answered 503; next run in 30m`. `details` (the run's figures)
 * follow the outcome in parentheses. The CLI's Reporter prints it, so secrets in error messages
 * are redacted there.
 */
export function formatCycleLine(report: CycleReport, details?: string): string {
  let line = `run ${report.cycle} (${formatDuration(report.finishedAt - report.startedAt)}): ${OUTCOME_WORDS[report.outcome]}`;
  if (report.outcome === 'failed' && report.error !== undefined) {
    const message = report.error instanceof Error ? report.error.message : String(report.error);
    line += `: ${message.split('\n')[0]}`;
  }
  if (details !== undefined && details !== '') line += ` (${details})`;
  return line + (report.nextDelayMs === null ? '' : `; next run in ${formatDuration(report.nextDelayMs)}`);
}
