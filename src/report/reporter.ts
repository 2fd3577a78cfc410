/**
 * Everything the CLI prints goes through a Reporter, so that:
 * - secrets (the API token, warehouse passwords, DBT_ENV_SECRET_* values) are redacted from every
 *   line, whatever its source, by the one redactor (src/redact.ts). A JSON line is redacted value
 *   by value before it is serialized, so a secret such as `"` cannot break its JSON, and a
 *   secret with `"` or `\` is removed before JSON escapes it;
 * - `--log-format json` gives one JSON object per line whose keys are always the same (JSON_LOG_KEYS:
 *   time, level, event, stream, the counts, duration, load_id, message, in that order, null when
 *   they do not apply), followed by any event-specific keys. A line without its own load_id
 *   carries the load id of the run in progress (the last one announced), so every line of a run
 *   can be grouped by it;
 * - live progress is drawn only when both stdout and stderr are terminals, never into CI logs or
 *   files; text lines are plain (no colours, no cursor movement) everywhere else. Without a
 *   terminal, a stream between its `stream_started` and its `stream_finished` (or
 *   `stream_skipped`) line prints a `stream_progress` line at least every 30 seconds, so a CI log
 *   never looks stuck.
 *
 * It lives outside src/cli/ because the load pipeline reports through it too, and nothing under
 * src/load/ depends on the CLI.
 */
import { Redactor, shortSecrets, SHORT_SECRET_LENGTH } from '../redact.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

export interface LogFields {
  readonly stream?: string;
  /** Records read from Pipedrive. */
  readonly records?: number;
  readonly inserted?: number;
  readonly updated?: number;
  readonly unchanged?: number;
  readonly deleted?: number;
  readonly requests?: number;
  readonly tokens?: number;
  /** Seconds. */
  readonly duration?: number;
  readonly load_id?: string;
  readonly [key: string]: string | number | boolean | null | undefined;
}

/** The keys every JSON line carries, in this order (README.md#json-logs). */
export const JSON_LOG_KEYS = [
  'time',
  'level',
  'event',
  'stream',
  'records',
  'inserted',
  'updated',
  'unchanged',
  'deleted',
  'requests',
  'tokens',
  'duration',
  'load_id',
  'message',
] as const;

/** Without a terminal, the longest a running stream goes without a line. */
export const PROGRESS_INTERVAL_MS = 30_000;

/**
 * Hidden, for tests only: a shorter progress interval in seconds, so an end-to-end test can see
 * `stream_progress` lines without a 30-second stream.
 */
export const PROGRESS_INTERVAL_ENV = 'PIPEDRIVE_LOADER_PROGRESS_SECONDS';

function progressIntervalFromEnv(): number | undefined {
  const seconds = Number(process.env[PROGRESS_INTERVAL_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** JSON keys whose values the loader writes itself (a timestamp, a level, an event name). */
const VERBATIM_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'event', 'load_id']);

/** Events that end a stream's periodic progress lines. */
const STREAM_END_EVENTS: ReadonlySet<string> = new Set(['stream_finished', 'stream_skipped']);

interface PendingProgress {
  message: string;
  fields: LogFields;
  /** When a line about this stream was last printed (ms). */
  printedAt: number;
}

export interface OutputStreams {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
}

export interface ReporterOptions {
  /** Draw the live progress line; default: only when stdout and stderr are both terminals. */
  readonly interactive?: boolean;
  /** Send log lines to stderr, keeping stdout for a document (`dbt-sources --out -`). */
  readonly logsToStderr?: boolean;
  /** Print only warnings and errors: `load --every` prints one line per run itself. */
  readonly quiet?: boolean;
  /** Shared with the reporter this one derives from, so a secret registered by either is redacted by both. */
  readonly redactor?: Redactor;
  /** Without a terminal, the longest a running stream goes without a line (default 30 s). */
  readonly progressIntervalMs?: number;
  /** The clock of the `time` key and of the progress interval (tests). */
  readonly now?: () => Date;
}

export class Reporter {
  private progressDrawn = false;
  private currentLoadId: string | undefined;
  /** The reporter this quiet one was made from (quiet()), which follows its load id. */
  private parent: Reporter | undefined;
  private readonly redactor: Redactor;
  private readonly interactive: boolean;
  private logsToStderr: boolean;
  private readonly now: () => Date;
  private readonly progressIntervalMs: number;
  /** Streams running without a terminal: their latest progress, printed when it falls due. */
  private readonly pending = new Map<string, PendingProgress>();
  private progressTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly format: LogFormat,
    private readonly io: OutputStreams = process,
    private readonly options: ReporterOptions = {},
  ) {
    this.redactor = options.redactor ?? new Redactor();
    this.logsToStderr = options.logsToStderr ?? false;
    this.interactive =
      !options.quiet &&
      (options.interactive ?? (format === 'text' && io.stdout.isTTY === true && io.stderr.isTTY === true));
    this.now = options.now ?? (() => new Date());
    this.progressIntervalMs = options.progressIntervalMs ?? progressIntervalFromEnv() ?? PROGRESS_INTERVAL_MS;
  }

  /** A reporter that prints only warnings and errors, sharing this one's secrets and streams. */
  quiet(): Reporter {
    const quiet = new Reporter(this.format, this.io, { ...this.options, quiet: true, interactive: false, redactor: this.redactor });
    // The run a quiet reporter logs for (a cycle of load --every) is this one's run too: a line
    // this one prints meanwhile (stop_requested) names it, not the cycle before.
    quiet.parent = this;
    return quiet;
  }

  /** The load id of the run in progress: the last one a log line carried. */
  get loadId(): string | undefined {
    return this.currentLoadId;
  }

  /** From now on log lines go to stderr, so stdout carries only `document` output. */
  sendLogsToStderr(): void {
    this.logsToStderr = true;
  }

  /**
   * Registers values that must never be printed. A secret under 4 characters is redacted too,
   * wherever those characters appear; one warning says why the output is garbled.
   */
  addSecrets(values: readonly string[]): void {
    const added = this.redactor.add(values);
    if (shortSecrets(added).length > 0) {
      this.warn(
        'short_secret',
        `A secret from profiles.yml or the environment is shorter than ${SHORT_SECRET_LENGTH} characters. ` +
          'It is redacted wherever those characters appear, so output will be hard to read; use a longer one.',
      );
    }
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  log(level: LogLevel, event: string, message: string, fields: LogFields = {}): void {
    if (fields.load_id !== undefined) {
      this.currentLoadId = fields.load_id;
      if (this.parent !== undefined) this.parent.currentLoadId = fields.load_id;
    }
    if (this.options.quiet && level === 'info') return;
    this.clearProgress();
    if (fields.stream !== undefined) this.trackStream(event, message, fields.stream);
    if (this.format === 'json') {
      const line: Record<string, unknown> = {
        time: this.now().toISOString(),
        level,
        event,
        stream: fields.stream ?? null,
        records: fields.records ?? null,
        inserted: fields.inserted ?? null,
        updated: fields.updated ?? null,
        unchanged: fields.unchanged ?? null,
        deleted: fields.deleted ?? null,
        requests: fields.requests ?? null,
        tokens: fields.tokens ?? null,
        duration: fields.duration ?? null,
        load_id: fields.load_id ?? this.currentLoadId ?? null,
        message,
      };
      for (const [key, value] of Object.entries(fields)) if (!(key in line) && value !== undefined) line[key] = value;
      (this.logsToStderr ? this.io.stderr : this.io.stdout).write(`${JSON.stringify(this.redactValues(line))}\n`);
      return;
    }
    const prefix = level === 'info' ? '' : `${level === 'warn' ? 'Warning' : 'Error'}: `;
    const target = level === 'error' || this.logsToStderr ? this.io.stderr : this.io.stdout;
    target.write(`${this.redact(prefix + message)}\n`);
  }

  /**
   * Every string value of a JSON line, redacted. `time`, `level`, `event` and `load_id` are the loader's own
   * words, never data, and stay whole even when a short secret occurs in them.
   */
  private redactValues(line: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(line).map(([key, value]) => [key, typeof value === 'string' && !VERBATIM_KEYS.has(key) ? this.redact(value) : value]),
    );
  }

  info(event: string, message: string, fields?: LogFields): void {
    this.log('info', event, message, fields);
  }

  warn(event: string, message: string, fields?: LogFields): void {
    this.log('warn', event, message, fields);
  }

  error(event: string, message: string, fields?: LogFields): void {
    this.log('error', event, message, fields);
  }

  /** Raw text for tables and human-only output (text format only, never when quiet). */
  text(block: string): void {
    if (this.format !== 'text' || this.options.quiet) return;
    this.clearProgress();
    (this.logsToStderr ? this.io.stderr : this.io.stdout).write(`${this.redact(block)}\n`);
  }

  /**
   * A stack trace for `--debug`: raw text in the text format; in JSON one `stack_trace` line (level
   * info, so CI annotations stay one per error) whose `stack` key holds it, keeping every line JSON.
   */
  debugStack(stack: string): void {
    if (this.format === 'json') {
      this.log('info', 'stack_trace', stack.split('\n')[0] ?? '', { stack });
      return;
    }
    this.text(stack);
  }

  /** A generated document (sources.yml, a workflow) written to stdout in every format. */
  document(text: string): void {
    this.clearProgress();
    this.io.stdout.write(this.redact(text.endsWith('\n') ? text : `${text}\n`));
  }

  /**
   * A one-line live status. On a terminal it is redrawn in place; otherwise the latest status of
   * each stream (`fields.stream`) is printed as a `stream_progress` line once the stream has gone
   * the progress interval without a line, and again every interval while it runs.
   */
  progress(line: string, fields: LogFields = {}): void {
    if (this.interactive) {
      this.io.stderr.write(`\r\x1b[2K${this.redact(line)}`);
      this.progressDrawn = true;
      return;
    }
    if (this.options.quiet) return;
    const key = fields.stream ?? '';
    const pending = this.pending.get(key);
    if (pending === undefined) {
      // A status before its stream_started line: its interval starts now.
      this.pending.set(key, { message: line, fields, printedAt: this.now().getTime() });
      this.scheduleProgress();
      return;
    }
    pending.message = line;
    pending.fields = fields;
    if (this.now().getTime() - pending.printedAt >= this.progressIntervalMs) this.printProgress(pending);
  }

  /** Starts, refreshes or ends a stream's periodic progress, from a line printed about it. */
  private trackStream(event: string, message: string, stream: string): void {
    if (this.interactive || this.options.quiet || event === 'stream_progress') return;
    if (STREAM_END_EVENTS.has(event)) {
      this.pending.delete(stream);
    } else {
      const pending = this.pending.get(stream);
      if (pending) pending.printedAt = this.now().getTime();
      else if (event === 'stream_started') this.pending.set(stream, { message, fields: { stream }, printedAt: this.now().getTime() });
    }
    this.scheduleProgress();
  }

  private printProgress(pending: PendingProgress): void {
    pending.printedAt = this.now().getTime();
    this.log('info', 'stream_progress', pending.message, pending.fields);
  }

  /** One timer for all streams, due when the longest-silent one reaches the interval. */
  private scheduleProgress(): void {
    if (this.progressTimer !== undefined) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    if (this.pending.size === 0) return;
    const oldest = Math.min(...[...this.pending.values()].map((pending) => pending.printedAt));
    const wait = Math.max(0, oldest + this.progressIntervalMs - this.now().getTime());
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      const now = this.now().getTime();
      for (const pending of this.pending.values()) {
        if (now - pending.printedAt >= this.progressIntervalMs) this.printProgress(pending);
      }
      this.scheduleProgress();
    }, wait);
    // Progress never keeps the process alive: a run that ends (or dies) ends its lines.
    this.progressTimer.unref?.();
  }

  clearProgress(): void {
    if (!this.progressDrawn) return;
    this.io.stderr.write('\r\x1b[2K');
    this.progressDrawn = false;
  }
}
