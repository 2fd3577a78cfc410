/**
 * What `--help` shows beyond the option list: two or three examples per command, a closing line
 * on PIPEDRIVE_API_TOKEN (whether the command reads it), and which shared options a command hides
 * because they mean nothing to it.
 *
 * Kept here, keyed by command path, and attached in main.ts by wrapping each command module's
 * builder, so the command files stay about what the commands do.
 *
 * Hidden options stay accepted: `state show` and `dbt-sources` read only the warehouse, so the
 * Pipedrive-side options (URL, sandbox size, burst limit) do nothing there, but a script that
 * passes the same flags to every command keeps working. A misspelled flag is still refused.
 */
import type { Argv, CommandModule } from 'yargs';

export interface CommandHelp {
  readonly examples: readonly (readonly [command: string, description: string])[];
  /** The closing paragraph: always says whether PIPEDRIVE_API_TOKEN is read. */
  readonly epilogue: string;
  readonly hidden?: readonly string[];
}

const READS_TOKEN =
  'Reads the Pipedrive API token from PIPEDRIVE_API_TOKEN (never a flag, never printed); --sandbox needs none. ' +
  'Warehouse targets come from profiles.yml (--profiles-dir, DBT_PROFILES_DIR, ./, ~/.dbt); without one, ./pipedrive.duckdb. ' +
  'Exit codes: 0 ok, 2 configuration, 3 token refused, 4 budget spent, 5 Pipedrive, 6 warehouse, 7 schema locked, 130 interrupted.';

const NO_TOKEN =
  'Reads only the warehouse: PIPEDRIVE_API_TOKEN is not needed and not read, and no API tokens are spent. ' +
  'Warehouse targets come from profiles.yml (--profiles-dir, DBT_PROFILES_DIR, ./, ~/.dbt); without one, ./pipedrive.duckdb.';

/** Options of withCommonOptions that only concern reading Pipedrive. */
const PIPEDRIVE_ONLY = ['pipedrive-url', 'sandbox-deals', 'sandbox-seed', 'pipedrive-plan', 'requests-per-2s'] as const;

export const TOP_LEVEL_HELP: CommandHelp = {
  examples: [
    ['$0 load --sandbox', 'Load the bundled sandbox into ./pipedrive.duckdb: no account, no network'],
    ['$0 check --integration "Acme CRM"', 'Check the token in PIPEDRIVE_API_TOKEN and the warehouse target'],
    ['$0 load --integration "Acme CRM" --every 30m', 'Load into schema acme_crm, then again every 30 minutes'],
  ],
  epilogue: `${READS_TOKEN} Run \`$0 <command> --help\` for a command's options.`,
};

export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  check: {
    examples: [
      ['$0 check --integration "Acme CRM"', 'Company, user and admin rights of the token, then the warehouse'],
      ['$0 check --integration "Acme CRM" --target prod', "Against profiles.yml's output prod"],
      ['$0 check --sandbox', 'Try it on the bundled sandbox'],
    ],
    epilogue: READS_TOKEN,
  },
  load: {
    examples: [
      ['$0 load --integration "Acme CRM"', 'Load into schema acme_crm; later runs read only what changed'],
      ['$0 load --integration "Acme CRM" --streams deals,persons --max-tokens 5000', 'Two streams, at most 5,000 API tokens'],
      ['$0 load --integration "Acme CRM" --history deals,persons', 'Also keep every version of each deal and person in deals_history, persons_history'],
    ],
    epilogue: `${READS_TOKEN} --every 30m keeps loading every 30 minutes until Ctrl-C (exit 0).`,
  },
  plan: {
    examples: [
      ['$0 plan --integration "Acme CRM"', 'The DDL and the requests and tokens of the next load'],
      ['$0 plan --integration "Acme CRM" --full-refresh --max-tokens 20000', 'Would a full refresh fit under the cap?'],
      ['$0 plan --sandbox --history all', 'On the bundled sandbox, with the history tables a load --history all would create'],
    ],
    epilogue: `${READS_TOKEN} plan itself spends only the field metadata's tokens.`,
  },
  state: {
    examples: [
      ['$0 state show --integration "Acme CRM"', 'Bookmarks, last runs and the column map'],
      ['$0 state reset deals --integration "Acme CRM"', 'The next load re-reads deals from the start'],
    ],
    epilogue: NO_TOKEN,
    hidden: PIPEDRIVE_ONLY,
  },
  'state show': {
    examples: [
      ['$0 state show --integration "Acme CRM"', 'Bookmarks, the last 10 runs and the column map'],
      ['$0 state show --integration "Acme CRM" --runs 50 --log-format json', 'One JSON object per line'],
      ['$0 state show --sandbox', 'What the sandbox loads left behind'],
    ],
    epilogue: NO_TOKEN,
    hidden: PIPEDRIVE_ONLY,
  },
  'state reset': {
    examples: [
      ['$0 state reset deals --integration "Acme CRM"', 'Forget the deals bookmark (rows stay)'],
      ['$0 state reset deals deals_archived --integration "Acme CRM" --target prod', 'Both deal streams, on target prod'],
    ],
    epilogue: `${NO_TOKEN} Takes the schema's lock, like a load.`,
    hidden: PIPEDRIVE_ONLY,
  },
  'dbt-sources': {
    examples: [
      ['$0 dbt-sources --integration "Acme CRM"', 'Write models/sources/pipedrive.yml'],
      ['$0 dbt-sources --integration "Acme CRM" --schedule 1h --out -', 'Print it, with freshness for hourly loads'],
      ['$0 dbt-sources --sandbox', 'For the sandbox schema'],
    ],
    epilogue: NO_TOKEN,
    hidden: PIPEDRIVE_ONLY,
  },
  'dbt-models': {
    examples: [
      ['$0 dbt-models --integration "Acme CRM"', 'Write a staging model and its tests per table to models/pipedrive/'],
      ['$0 dbt-models --integration "Acme CRM" --target prod --out models/staging/pipedrive', "Quoted for target prod's warehouse"],
      ['$0 dbt-models --sandbox', 'For the sandbox schema'],
    ],
    epilogue: NO_TOKEN,
    hidden: PIPEDRIVE_ONLY,
  },
  'init-ci': {
    examples: [
      ['$0 init-ci --integration "Acme CRM"', 'Write .github/workflows/pipedrive-loader-acme_crm.yml'],
      ['$0 init-ci --integration "Acme CRM" --schedule 1h --target prod', 'Hourly, into target prod'],
      ['$0 init-ci --integration "Acme CRM" --out -', 'Print the workflow instead'],
    ],
    epilogue:
      'Connects to nothing. The workflow gives the load PIPEDRIVE_API_TOKEN from the repository secret ' +
      'named by --token-secret (default PIPEDRIVE_API_TOKEN), and the warehouse secrets profiles.yml reads.',
  },
  sandbox: {
    examples: [
      ['$0 sandbox --port 8080', 'Serve the sandbox on http://127.0.0.1:8080 until Ctrl-C'],
      ['$0 sandbox --deals 100000 --seed 2', 'A bigger company with other data'],
    ],
    epilogue:
      'Prints an admin and a non-admin token: export one as PIPEDRIVE_API_TOKEN and pass --pipedrive-url to other ' +
      'commands. A port in use exits 2.',
  },
};

function nameOf(module: CommandModule<never, never>): string {
  const command = Array.isArray(module.command) ? module.command[0] : module.command;
  return String(command ?? '').split(' ')[0] ?? '';
}

function attach<T>(yargs: Argv<T>, help: CommandHelp | undefined): Argv<T> {
  if (help === undefined) return yargs;
  let described = yargs;
  for (const [command, description] of help.examples) described = described.example(command, description);
  for (const option of help.hidden ?? []) described = described.hide(option);
  return described.epilogue(help.epilogue);
}

/**
 * The module with its help attached. A command's subcommands (state show, state reset) are
 * registered by its own builder, so while that builder runs, `yargs.command` wraps them the same
 * way; yargs clears examples and epilogue for each subcommand, so the parent's would not show.
 */
export function withHelp<T, U>(module: CommandModule<T, U>, parent = ''): CommandModule<T, U> {
  const path = `${parent}${nameOf(module as unknown as CommandModule<never, never>)}`;
  const builder = module.builder;
  return {
    ...module,
    builder: (yargs: Argv<T>) => {
      const register = yargs.command.bind(yargs) as (sub: CommandModule<unknown, unknown>) => Argv<T>;
      const patched = yargs as unknown as { command: (sub: CommandModule<unknown, unknown>) => Argv<T> };
      patched.command = (sub) => register(withHelp(sub, `${path} `));
      let built: Argv<U>;
      try {
        built = (typeof builder === 'function' ? builder(yargs) : yargs.options(builder ?? {})) as Argv<U>;
      } finally {
        // The method lives on yargs' prototype: removing the own property restores it.
        delete (patched as { command?: unknown }).command;
      }
      return attach(built, COMMAND_HELP[path]);
    },
  };
}

export function attachTopLevelHelp<T>(yargs: Argv<T>): Argv<T> {
  return attach(yargs, TOP_LEVEL_HELP);
}
