/**
 * `pipedrive-loader dbt-sources [--out PATH]`: writes a dbt sources.yml describing the loaded
 * schema (src/dbt/sources.ts renders it; src/dbt/warehouse-input.ts reads the warehouse). Only
 * the warehouse is read: no Pipedrive call, no token needed.
 *
 * Regenerating over an existing file keeps what the user added (src/dbt/merge.ts) and rewrites
 * only what changed; an unchanged file is not touched at all (its mtime stays), so build tools
 * and `git status` see no change. `--out -` prints the file to stdout and the log lines to stderr.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { freshnessForSchedule } from '../dbt/freshness.js';
import { primaryKeysFromCatalog, renderSourcesYaml, LOADER_TABLE_PREFIX } from '../dbt/sources.js';
import { readLoadedSchema } from '../dbt/warehouse-input.js';
import { ConfigurationError } from '../errors.js';
import { openDestination, withCommonOptions, type CommonArgs } from './context.js';
import type { CommandResult } from './main.js';

export const DEFAULT_SOURCE_NAME = 'pipedrive';

interface DbtSourcesArgs extends CommonArgs {
  readonly out?: string;
  readonly sourceName: string;
  readonly schedule: string;
  readonly database?: string;
  readonly testsKey: 'data_tests' | 'tests';
  readonly freshnessInConfig: boolean;
}

/** `models/sources/pipedrive.yml`: under dbt's default model-paths, named after the source. */
export function defaultSourcesPath(sourceName: string): string {
  return `models/sources/${sourceName}.yml`;
}

/** Writes next to the target and renames, so dbt never reads a half-written file. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, 'utf8');
  renameSync(temporary, path);
}

function changedLines(before: string, after: string): number {
  const old = before.split('\n');
  const next = after.split('\n');
  let changed = Math.abs(old.length - next.length);
  for (let index = 0; index < Math.min(old.length, next.length); index += 1) if (old[index] !== next[index]) changed += 1;
  return changed;
}

export function dbtSourcesCommand(result: CommandResult): CommandModule<object, DbtSourcesArgs> {
  return {
    command: 'dbt-sources',
    describe: 'Write a dbt sources.yml for the loaded schema (tables, columns, descriptions, freshness, key tests)',
    builder: (yargs) =>
      withCommonOptions(yargs)
        .option('out', {
          type: 'string',
          describe: `File to write (default ${defaultSourcesPath('<source-name>')}); - prints it to stdout`,
        })
        .option('source-name', {
          type: 'string',
          default: DEFAULT_SOURCE_NAME,
          describe: "dbt source name: models use {{ source('pipedrive', 'deals') }}",
        })
        .option('schedule', {
          type: 'string',
          default: '30m',
          describe: 'How often loads run (30m, 1h, a cron line …): freshness warns after 2 periods, errors after 6',
        })
        .option('database', { type: 'string', describe: 'dbt source database (BigQuery project, Snowflake database)' })
        .option('tests-key', {
          choices: ['data_tests', 'tests'] as const,
          default: 'data_tests' as const,
          describe: 'Key of the column tests: data_tests (dbt ≥ 1.8) or tests (older dbt)',
        })
        .option('freshness-in-config', {
          type: 'boolean',
          default: false,
          describe: 'Write loaded_at_field and freshness under config: (the form dbt ≥ 1.10 prefers)',
        }) as unknown as Argv<DbtSourcesArgs>,
    handler: (args) =>
      result.run(args, async (reporter) => {
        const toStdout = args.out === '-';
        if (toStdout) reporter.sendLogsToStderr();
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(args.sourceName)) {
          throw new ConfigurationError(`--source-name '${args.sourceName}' must be a plain name (letters, digits, _).`);
        }
        const freshness = freshnessForSchedule(args.schedule);
        const out = args.out ?? defaultSourcesPath(args.sourceName);
        const existing = !toStdout && existsSync(out) ? readFileSync(out, 'utf8') : undefined;
        const destination = await openDestination(args, reporter);
        let text: string;
        let tableCount: number;
        let columnCount: number;
        try {
          const loaded = await readLoadedSchema(destination.warehouse, destination.schema);
          const described = [...loaded.tables].filter(([name]) => !name.toLowerCase().startsWith(LOADER_TABLE_PREFIX));
          tableCount = described.length;
          columnCount = described.reduce((total, [, columns]) => total + columns.length, 0);
          text = renderSourcesYaml({
            sourceName: args.sourceName,
            schema: destination.schema,
            ...(args.database !== undefined ? { database: args.database } : {}),
            tables: loaded.tables,
            mappings: loaded.mappings,
            fields: loaded.fields,
            primaryKeys: primaryKeysFromCatalog(),
            freshness,
            ...(existing !== undefined ? { existing } : {}),
            testsKey: args.testsKey,
            freshnessPlacement: args.freshnessInConfig ? 'config' : 'top-level',
          });
        } finally {
          await destination.close();
        }
        const figures = { tables: tableCount, columns: columnCount };
        if (toStdout) {
          reporter.document(text);
          reporter.info('sources_printed', `Printed sources for ${tableCount} tables, ${columnCount} columns.`, figures);
        } else if (existing === text) {
          reporter.info('sources_unchanged', `${out} is up to date (${tableCount} tables, ${columnCount} columns).`, {
            ...figures,
            path: out,
          });
        } else {
          writeAtomically(out, text);
          const what = existing === undefined ? 'Wrote' : `Updated (${changedLines(existing, text)} lines changed)`;
          reporter.info('sources_written', `${what} ${out}: ${tableCount} tables, ${columnCount} columns, schema ${destination.schema}.`, {
            ...figures,
            path: out,
          });
        }
        return 0;
      }),
  };
}
