/**
 * Usage errors: a flag or argument yargs does not know, a missing command, a value outside its
 * choices. They are thrown from yargs' fail() callback, so that yargs stops before it calls the
 * command's handler (a fail() that merely records the message lets yargs go on and run the
 * command with the misspelled flag ignored), and main() turns them into exit 2.
 *
 * For an unknown flag the message names the closest known flag of the same command, as git does:
 * `Unknown argument: --targt (did you mean --target?)`.
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known flag closest to `name`: within 2 edits (or a third of the name, for long names), or
 * the one flag that starts with it. Undefined when nothing is close, or two are equally close.
 */
export function closestFlag(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored = known.map((flag) => ({ flag, distance: editDistance(name, flag) })).filter((s) => s.distance <= limit);
  scored.sort((a, b) => a.distance - b.distance);
  const [best, second] = scored;
  if (best !== undefined && (second === undefined || second.distance > best.distance)) return best.flag;
  const prefixed = known.filter((flag) => name.length >= 3 && flag.startsWith(name));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** How the user wrote an unknown key on the command line, e.g. `--targt` or `--no-ful-refresh`. */
function typedForm(key: string, argv: readonly string[]): { readonly flag: string; readonly negated: boolean } | undefined {
  for (const arg of argv) {
    if (arg === '--') break;
    const name = /^-{1,2}([^=]+)/.exec(arg)?.[1];
    if (name === undefined) continue;
    if (name === key || kebabCase(name) === key) return { flag: `${arg.startsWith('--') ? '--' : '-'}${name}`, negated: false };
    if (name === `no-${key}`) return { flag: `--${name}`, negated: true };
  }
  return undefined;
}

const UNKNOWN = /^Unknown arguments?: (.+)$/;

/**
 * Rewrites yargs' "Unknown arguments: ful-refresh, fulRefresh" as
 * "Unknown argument: --ful-refresh (did you mean --full-refresh?)": one entry per flag as typed
 * (yargs also lists the camelCase twin it derived), each with the closest known flag.
 */
export function explainUsageError(message: string, argv: readonly string[], knownKeys: readonly string[]): string {
  // recommendCommands() says only "Did you mean load?"; name what was typed too.
  const command = /^Did you mean (.+)\?$/.exec(message)?.[1];
  if (command !== undefined) {
    const typed = argv.find((arg) => !arg.startsWith('-'));
    return `Unknown command${typed === undefined ? '' : ` '${typed}'`} (did you mean ${command}?)`;
  }
  const match = UNKNOWN.exec(message);
  if (!match?.[1]) return message;
  const keys = match[1].split(', ');
  // yargs reports `fulRefresh` beside `ful-refresh`; the user typed one of them.
  const reported = keys.filter((key) => !(/[A-Z]/.test(key) && keys.includes(kebabCase(key))));
  const flags = knownKeys.filter((key) => !/[A-Z]/.test(key) && key.length > 1);
  const parts = reported.map((key) => {
    const typed = typedForm(key, argv);
    if (typed === undefined) return key; // a positional argument
    const best = closestFlag(kebabCase(key), flags);
    const suggestion = best === undefined ? '' : ` (did you mean ${typed.negated ? '--no-' : '--'}${best}?)`;
    return `${typed.flag}${suggestion}`;
  });
  return `Unknown argument${parts.length > 1 ? 's' : ''}: ${parts.join(', ')}`;
}
