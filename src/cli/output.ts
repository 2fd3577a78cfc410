/**
 * Everything the CLI prints goes through a Reporter, so that:
 * - secrets (the API token, warehouse passwords, DBT_ENV_SECRET_* values) are redacted from every
 *   line, whatever its source;
 * - `--log-format json` gives one JSON object per line whose keys are always the same:
 *   level, event, stream, rows, requests, tokens, duration (seconds), load_id and message, in that
 *   order, null when they do not apply, followed by any event-specific keys. A line without its
 *   own load_id carries the load id of the run in progress (the last one announced), so every
 *   line of a run can be grouped by it;
 * - live progress is drawn only when both stdout and stderr are terminals, never into CI logs or
 *   files; text lines are plain (no colours, no cursor movement) everywhere else.
 */

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

export interface LogFields {
  readonly stream?: string;
  readonly rows?: number;
  readonly requests?: number;
  readonly tokens?: number;
  /** Seconds. */
  readonly duration?: number;
  readonly load_id?: string;
  readonly [key: string]: string | number | boolean | null | undefined;
}

/** The keys every JSON line carries, in this order. */
export const JSON_LOG_KEYS = ['level', 'event', 'stream', 'rows', 'requests', 'tokens', 'duration', 'load_id', 'message'] as const;

export interface OutputStreams {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
}

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    // Short strings would redact ordinary words; no real token or password is this short.
    if (secret.length >= 4) result = result.split(secret).join('[REDACTED]');
  }
  return result;
}

export interface ReporterOptions {
  /** Draw the live progress line; default: only when stdout and stderr are both terminals. */
  readonly interactive?: boolean;
  /** Send log lines to stderr, keeping stdout for a document (`dbt-sources --out -`). */
  readonly logsToStderr?: boolean;
  /** Print only warnings and errors: `load --every` prints one line per run itself. */
  readonly quiet?: boolean;
  /** Shared with the reporter this one derives from, so a secret registered by either is redacted by both. */
  readonly secrets?: string[];
}

export class Reporter {
  private progressDrawn = false;
  private currentLoadId: string | undefined;
  private readonly secrets: string[];
  private readonly interactive: boolean;
  private logsToStderr: boolean;

  constructor(
    readonly format: LogFormat,
    private readonly io: OutputStreams = process,
    private readonly options: ReporterOptions = {},
  ) {
    this.secrets = options.secrets ?? [];
    this.logsToStderr = options.logsToStderr ?? false;
    this.interactive =
      !options.quiet &&
      (options.interactive ?? (format === 'text' && io.stdout.isTTY === true && io.stderr.isTTY === true));
  }

  /** A reporter that prints only warnings and errors, sharing this one's secrets and streams. */
  quiet(): Reporter {
    return new Reporter(this.format, this.io, { ...this.options, quiet: true, interactive: false, secrets: this.secrets });
  }

  /** The load id of the run in progress: the last one a log line carried. */
  get loadId(): string | undefined {
    return this.currentLoadId;
  }

  /** From now on log lines go to stderr, so stdout carries only `document` output. */
  sendLogsToStderr(): void {
    this.logsToStderr = true;
  }

  /** Registers values that must never be printed. */
  addSecrets(values: readonly string[]): void {
    this.secrets.push(...values.filter((value) => value !== ''));
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  log(level: LogLevel, event: string, message: string, fields: LogFields = {}): void {
    if (fields.load_id !== undefined) this.currentLoadId = fields.load_id;
    if (this.options.quiet && level === 'info') return;
    this.clearProgress();
    if (this.format === 'json') {
      const line: Record<string, unknown> = {
        level,
        event,
        stream: fields.stream ?? null,
        rows: fields.rows ?? null,
        requests: fields.requests ?? null,
        tokens: fields.tokens ?? null,
        duration: fields.duration ?? null,
        load_id: fields.load_id ?? this.currentLoadId ?? null,
        message: this.redact(message),
      };
      for (const [key, value] of Object.entries(fields)) if (!(key in line) && value !== undefined) line[key] = value;
      (this.logsToStderr ? this.io.stderr : this.io.stdout).write(`${this.redact(JSON.stringify(line))}\n`);
      return;
    }
    const prefix = level === 'info' ? '' : `${level === 'warn' ? 'Warning' : 'Error'}: `;
    const target = level === 'error' || this.logsToStderr ? this.io.stderr : this.io.stdout;
    target.write(`${this.redact(prefix + message)}\n`);
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

  /** A generated document (sources.yml, a workflow) written to stdout in every format. */
  document(text: string): void {
    this.clearProgress();
    this.io.stdout.write(this.redact(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** A one-line live status, redrawn in place; a no-op unless interactive. */
  progress(line: string): void {
    if (!this.interactive) return;
    this.io.stderr.write(`\r\x1b[2K${this.redact(line)}`);
    this.progressDrawn = true;
  }

  clearProgress(): void {
    if (!this.progressDrawn) return;
    this.io.stderr.write('\r\x1b[2K');
    this.progressDrawn = false;
  }
}

/**
 * Renders rows as a fixed-width text table with a header. By default the first column is
 * left-aligned and the others (figures) right-aligned; `align` overrides that per column.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  align?: readonly ('left' | 'right')[],
): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const render = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const left = (align?.[column] ?? (column === 0 ? 'left' : 'right')) === 'left';
        return left ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(headers), rule, ...cells.slice(1).map(render)].join('\n');
}
