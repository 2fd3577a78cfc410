/**
 * Which tables keep a history: `load --history deals,persons` or `--history all`, or the profile
 * output's `history: [deals, persons]` / `history: all` (the flag wins). Names are streams or
 * tables, as for --streams. A table can keep a history when every stream writing it dates its
 * records (update_time; users: modified): that date is each version's `_valid_from`.
 */
import { ConfigurationError } from '../errors.js';
import { STREAMS, type StreamDefinition } from '../pipedrive/catalog.js';

/** A table with history, and the record field that dates its versions. */
export interface HistoryChoice {
  readonly table: string;
  readonly validFrom: string;
}

/** The tables whose every stream has a replication key; field metadata and children's parents alike. */
export function historyCapableTables(streams: readonly StreamDefinition[] = STREAMS): Map<string, string> {
  const tables = new Map<string, string>();
  const undated = new Set<string>();
  for (const stream of streams) {
    if (stream.describes) continue;
    if (stream.replicationKey === undefined) undated.add(stream.table);
    else if (!tables.has(stream.table)) tables.set(stream.table, stream.replicationKey);
  }
  for (const table of undated) tables.delete(table);
  return tables;
}

function namesFrom(value: unknown, where: string): string[] | 'all' | undefined {
  if (value === undefined || value === null || value === '' || value === false) return undefined;
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (list === undefined || list.some((item) => typeof item !== 'string')) {
    throw new ConfigurationError(`${where} must be "all" or a list of streams, e.g. [deals, persons]; got ${JSON.stringify(value)}.`);
  }
  const names = (list as string[]).map((name) => name.trim()).filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return 'all';
  return names.length === 0 ? undefined : names;
}

/**
 * The tables that keep a history. Unknown names, and streams whose records carry no update time,
 * stop the run (exit 2) before anything is opened or written.
 */
export function resolveHistory(flag: string | undefined, profile: unknown): HistoryChoice[] {
  const where = flag !== undefined ? '--history' : 'history in profiles.yml';
  const names = namesFrom(flag ?? profile, where);
  if (names === undefined) return [];
  const capable = historyCapableTables();
  if (names === 'all') return [...capable].map(([table, validFrom]) => ({ table, validFrom }));
  const known = new Map(STREAMS.filter((s) => !s.describes).flatMap((s) => [[s.name, s.table], [s.table, s.table]] as const));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `${where}: unknown stream(s) ${unknown.join(', ')}. Tables that can keep a history: ${[...capable.keys()].join(', ')}, or all.`,
    );
  }
  const tables = [...new Set(names.map((name) => known.get(name) as string))];
  const undated = tables.filter((table) => !capable.has(table));
  if (undated.length > 0) {
    throw new ConfigurationError(
      `${where}: ${undated.join(', ')} cannot keep a history: Pipedrive gives its records no update time to date the versions by. ` +
        `Tables that can: ${[...capable.keys()].join(', ')}.`,
    );
  }
  return tables.map((table) => ({ table, validFrom: capable.get(table) as string }));
}
