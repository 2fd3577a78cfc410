/**
 * `pipedrive-loader dbt-models [--out models/pipedrive]`: writes a dbt staging model and its
 * properties file for every loaded table (src/dbt/models/). Like `dbt-sources` it reads only the
 * warehouse (tables, `_loader_columns`, the `<entity>_fields` tables, `_loader_state`), never
 * Pipedrive. `--target` matters only for quoting (src/dbt/models/quoting.ts).
 *
 * Regenerating rewrites only the files still as generated; a file changed by hand, or without the
 * marker, is left alone and named in a warning (src/dbt/models/marker.ts). Unchanged files are
 * not touched at all.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { generateModels, unloadedTablesFrom, type GeneratedModels } from '../dbt/models/generate.js';
import { decideFile, type FileAction } from '../dbt/models/marker.js';
import { quotingRulesFor } from '../dbt/models/quoting.js';
import type { TestKind } from '../dbt/models/tests.js';
import { readLoadedSchema } from '../dbt/warehouse-input.js';
import { ConfigurationError } from '../errors.js';
import { StateStore } from '../state/store.js';
import { DEFAULT_SOURCE_NAME } from './dbt-sources.js';
import { openDestination, withCommonOptions, type CommonArgs } from './context.js';
import type { CommandResult } from './main.js';

export const DEFAULT_MODELS_DIR = 'models/pipedrive';

interface DbtModelsArgs extends CommonArgs {
  readonly out: string;
  readonly sourceName: string;
  readonly testsKey: 'data_tests' | 'tests';
  readonly testArguments: 'nested' | 'top-level';
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, 'utf8');
  renameSync(temporary, path);
}

const KINDS: readonly TestKind[] = ['unique', 'not_null', 'accepted_values', 'relationships'];

/** "12 unique, 14 not_null, 8 accepted_values, 61 relationships (47 warn)". */
export function testSummary(generated: GeneratedModels): string {
  const tests = generated.models.flatMap((model) => model.tests);
  const counts = KINDS.map((kind) => `${tests.filter((test) => test.kind === kind).length} ${kind}`);
  return `${counts.join(', ')} (${tests.filter((test) => test.severity === 'warn').length} warn)`;
}

export function dbtModelsCommand(result: CommandResult): CommandModule<object, DbtModelsArgs> {
  return {
    command: 'dbt-models',
    describe: 'Write dbt staging models (stg_<source>__<table>.sql + .yml with tests) for the loaded schema',
    builder: (yargs) =>
      withCommonOptions(yargs)
        .option('out', { type: 'string', default: DEFAULT_MODELS_DIR, describe: 'Directory of the models' })
        .option('source-name', {
          type: 'string',
          default: DEFAULT_SOURCE_NAME,
          describe: 'dbt source name, as given to dbt-sources: models read {{ source(NAME, table) }}',
        })
        .option('tests-key', {
          choices: ['data_tests', 'tests'] as const,
          default: 'data_tests' as const,
          describe: 'Key of the column tests: data_tests (dbt ≥ 1.8) or tests (older dbt)',
        })
        .option('test-arguments', {
          choices: ['nested', 'top-level'] as const,
          default: 'nested' as const,
          describe: 'Test arguments under arguments: (dbt ≥ 1.10.5) or beside config: (older dbt)',
        }) as unknown as Argv<DbtModelsArgs>,
    handler: (args) =>
      result.run(args, async (reporter) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(args.sourceName)) {
          throw new ConfigurationError(`--source-name '${args.sourceName}' must be a plain name (letters, digits, _).`);
        }
        const destination = await openDestination(args, reporter);
        let generated: GeneratedModels;
        try {
          const loaded = await readLoadedSchema(destination.warehouse, destination.schema);
          const state = await new StateStore(destination.warehouse, destination.schema).readBookmarks();
          generated = generateModels({
            sourceName: args.sourceName,
            schema: destination.schema,
            tables: loaded.tables,
            mappings: loaded.mappings,
            fields: loaded.fields,
            unloadedTables: unloadedTablesFrom(state.keys()),
            rules: quotingRulesFor(destination.warehouse.dialect),
            testsKey: args.testsKey,
            testArguments: args.testArguments,
          });
        } finally {
          await destination.close();
        }
        mkdirSync(args.out, { recursive: true });
        const actions = new Map<FileAction, number>();
        for (const model of generated.models) {
          for (const [file, text] of [
            [model.sqlFile, model.sql],
            [model.yamlFile, model.yaml],
          ] as const) {
            const path = join(args.out, file);
            const action = decideFile(existsSync(path) ? readFileSync(path, 'utf8') : undefined, text);
            actions.set(action, (actions.get(action) ?? 0) + 1);
            if (action === 'create' || action === 'update') writeAtomically(path, text);
            if (action === 'kept_edited') {
              reporter.warn('model_kept', `Kept ${path}: changed by hand since it was generated (delete it to regenerate it).`, { path });
            } else if (action === 'kept_foreign') {
              reporter.warn('model_kept', `Kept ${path}: not written by dbt-models (no marker line); delete it to generate it.`, { path });
            }
          }
        }
        for (const table of generated.skippedTables) {
          reporter.warn('model_skipped', `No model for table ${table}: its name is not a plain identifier.`, { table });
        }
        const count = (action: FileAction): number => actions.get(action) ?? 0;
        reporter.info(
          'models_written',
          `${generated.models.length} models in ${args.out}: ${count('create')} files written, ${count('update')} updated, ` +
            `${count('unchanged')} unchanged, ${count('kept_edited') + count('kept_foreign')} kept. Tests: ${testSummary(generated)}.`,
          {
            path: args.out,
            models: generated.models.length,
            written: count('create'),
            updated: count('update'),
            unchanged: count('unchanged'),
            kept: count('kept_edited') + count('kept_foreign'),
          },
        );
        return 0;
      }),
  };
}
