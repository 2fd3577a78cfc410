/**
 * Everything the CLI prints goes through a Reporter, so that:
 * - secrets (the API token, warehouse passwords) are redacted from every line, whatever its source;
 * - `--log-format json` gives one JSON object per line with stable keys
 *   (level, event, stream, rows, requests, tokens, duration, load_id, message);
 * - live progress is drawn only on a terminal, never into CI logs.
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
  readonly [key: string]: string | number | boolean | undefined;
}

export interface OutputStreams {
  readonly stdout: { write(text: string): unknown };
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

export class Reporter {
  private progressDrawn = false;
  private readonly secrets: string[] = [];

  constructor(
    readonly format: LogFormat,
    private readonly io: OutputStreams = process,
    private readonly interactive = format === 'text' && io.stderr.isTTY === true,
  ) {}

  /** Registers values that must never be printed. */
  addSecrets(values: readonly string[]): void {
    this.secrets.push(...values.filter((value) => value !== ''));
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  log(level: LogLevel, event: string, message: string, fields: LogFields = {}): void {
    this.clearProgress();
    if (this.format === 'json') {
      const line = JSON.stringify({ level, event, message: this.redact(message), ...fields });
      this.io.stdout.write(`${this.redact(line)}\n`);
      return;
    }
    const prefix = level === 'info' ? '' : `${level === 'warn' ? 'Warning' : 'Error'}: `;
    const target = level === 'error' ? this.io.stderr : this.io.stdout;
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

  /** Raw text for tables and human-only output (text format only). */
  text(block: string): void {
    if (this.format !== 'text') return;
    this.clearProgress();
    this.io.stdout.write(`${this.redact(block)}\n`);
  }

  /** A one-line live status, redrawn in place; a no-op unless stderr is a terminal. */
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

/** Renders rows as a fixed-width text table with a header. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const render = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column === 0 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(headers), rule, ...cells.slice(1).map(render)].join('\n');
}
