/**
 * What every command needs, built from the shared flags: where Pipedrive is and the token to use
 * (or the in-process sandbox), the API-budget settings (burst limit, token cap), which warehouse
 * target, and which schema.
 *
 * The budget settings may come from the chosen profiles.yml output, so the target is resolved
 * first (`resolveTargetFor`) and handed to both `openSource` and `openDestination`; each resolves
 * it itself when not given, which reads the same file to the same result.
 */
import type { Argv } from 'yargs';
import type { WarehouseClient } from '../../adapters/types.js';
import { loadAdapter } from '../../adapters/index.js';
import { ConfigurationError } from '../errors.js';
import { resolveTarget, type ResolvedTarget } from '../config/profiles.js';
import { PipedriveClient } from '../pipedrive/client.js';
import { DEFAULT_REQUESTS_PER_2S, PIPEDRIVE_PLANS, resolveBudgetSettings, type BudgetSettings } from '../pipedrive/settings.js';
import type { Sandbox } from '../sandbox/index.js';
import { reservedSchemaReason, schemaNameFromIntegration } from '../schema/naming.js';
import { MAX_IDENTIFIER_BYTES } from '../schema/types.js';
import type { LogFormat, Reporter } from './output.js';

export const DEFAULT_PIPEDRIVE_URL = 'https://api.pipedrive.com';
export const SANDBOX_INTEGRATION = 'Pipedrive Sandbox';

export interface CommonArgs {
  readonly integration?: string;
  readonly schema?: string;
  readonly profile?: string;
  readonly target?: string;
  readonly profilesDir?: string;
  readonly pipedriveUrl?: string;
  readonly sandbox: boolean;
  readonly sandboxDeals: number;
  readonly sandboxSeed: number;
  /** Undefined unless given: the profile or the plan may set it (see resolveBudgetSettings). */
  readonly requestsPer2s?: number;
  readonly pipedrivePlan?: string;
  readonly logFormat: LogFormat;
  readonly debug: boolean;
}

export function withCommonOptions<T>(yargs: Argv<T>): Argv<T & CommonArgs> {
  return yargs
    .option('integration', {
      type: 'string',
      describe: 'Integration name; its snake_case form is the schema ("Stitch Pipedrive" → stitch_pipedrive)',
    })
    .option('schema', { type: 'string', describe: 'Schema to load into (overrides the name derived from --integration)' })
    .option('profile', { type: 'string', describe: 'Profile in profiles.yml (default: pipedrive)' })
    .option('target', { type: 'string', describe: "Target of the profile (default: the profile's own target)" })
    .option('profiles-dir', { type: 'string', describe: 'Directory holding profiles.yml (also DBT_PROFILES_DIR)' })
    .option('pipedrive-url', {
      type: 'string',
      describe: `Pipedrive base URL, e.g. https://yourcompany.pipedrive.com (also PIPEDRIVE_BASE_URL; default ${DEFAULT_PIPEDRIVE_URL})`,
    })
    .option('sandbox', {
      type: 'boolean',
      default: false,
      describe: 'Read from the bundled Pipedrive sandbox instead of Pipedrive (no account, no network)',
    })
    .option('sandbox-deals', { type: 'number', default: 1000, describe: 'Deals in the sandbox (with --sandbox)' })
    .option('sandbox-seed', { type: 'number', default: 1, describe: 'Seed of the sandbox data (with --sandbox)' })
    .option('pipedrive-plan', {
      type: 'string',
      describe:
        `Your Pipedrive plan, which sets the burst limit per token: ${PIPEDRIVE_PLANS.join(', ')} ` +
        '(20, 40, 100, 120 requests per 2 s; also pipedrive_plan in the profiles.yml output)',
    })
    .option('requests-per-2s', {
      type: 'number',
      describe:
        `Burst limit per token, overriding --pipedrive-plan (also requests_per_2s in the profiles.yml output; ` +
        `default ${DEFAULT_REQUESTS_PER_2S}, the Lite plan)`,
    })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Log format' })
    .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces on failure' })
    // While yargs validates, before the handler opens anything: a schema the loader must not
    // write to, or an integration name with nothing to make a schema from, stops here (exit 2).
    // 63 bytes: the limit openDestination applies on every warehouse.
    .check((argv) => {
      const args = argv as unknown as CommonArgs;
      if (args.schema !== undefined || args.integration !== undefined) schemaFor(args, MAX_IDENTIFIER_BYTES);
      return true;
    }) as unknown as Argv<T & CommonArgs>;
}

export interface PipedriveSource {
  readonly client: PipedriveClient;
  readonly description: string;
  /** The burst limit and token cap in force, and where each came from. */
  readonly budget: BudgetSettings;
  readonly sandbox?: Sandbox;
  close(): Promise<void>;
}

export interface SourceOptions {
  /** --max-tokens, where the command has it; it overrides the profile's max_tokens. */
  readonly maxTokens?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** The target already resolved by the caller (its profile output holds budget settings). */
  readonly target?: ResolvedTarget;
  /**
   * Whether the client stops at the token cap (default true). The cap is for load runs; `plan`
   * only compares its estimate with it, and must not fail reading the metadata it estimates from.
   */
  readonly enforceTokenCap?: boolean;
}

/** The warehouse target chosen by profiles.yml, --profile and --target. */
export function resolveTargetFor(args: CommonArgs, env: NodeJS.ProcessEnv = process.env): ResolvedTarget {
  return resolveTarget({ profilesDir: args.profilesDir, profile: args.profile, target: args.target, env });
}

/** The burst limit and token cap from the flags and the target's profiles.yml output. */
export function budgetSettingsFor(args: CommonArgs, target: ResolvedTarget, maxTokens?: number): BudgetSettings {
  return resolveBudgetSettings({
    flags: { requestsPer2s: args.requestsPer2s, pipedrivePlan: args.pipedrivePlan, maxTokens },
    profile: target.target.settings,
    profileLabel: target.source === undefined ? 'the default target' : `profiles.yml output '${target.target.name}'`,
  });
}

/** Opens the Pipedrive side: the in-process sandbox, or the real API with PIPEDRIVE_API_TOKEN. */
export async function openSource(args: CommonArgs, reporter: Reporter, extra: SourceOptions = {}): Promise<PipedriveSource> {
  const env = extra.env ?? process.env;
  const target = extra.target ?? resolveTargetFor(args, env);
  // Before anything can fail on a profile value: a message may quote it.
  reporter.addSecrets(target.target.secrets);
  const budget = budgetSettingsFor(args, target, extra.maxTokens);
  const limits = { requestsPer2s: budget.requestsPer2s, maxTokens: extra.enforceTokenCap === false ? undefined : budget.maxTokens };
  if (args.sandbox) {
    // Imported here, not at the top: the sandbox is a server and a data generator that only
    // --sandbox needs, and every other command would pay for loading it at startup.
    const { startSandbox } = await import('../sandbox/index.js');
    const sandbox = await startSandbox({ seed: args.sandboxSeed, deals: args.sandboxDeals });
    reporter.addSecrets([sandbox.adminToken]);
    const client = new PipedriveClient({ baseUrl: sandbox.url, apiToken: sandbox.adminToken, ...limits });
    return {
      client,
      budget,
      sandbox,
      description: `the bundled sandbox (${args.sandboxDeals} deals, seed ${args.sandboxSeed})`,
      close: () => sandbox.close(),
    };
  }
  const token = env.PIPEDRIVE_API_TOKEN;
  if (token === undefined || token.trim() === '') {
    throw new ConfigurationError(
      'PIPEDRIVE_API_TOKEN is not set. Find the token in Pipedrive under Settings → Personal preferences → API, ' +
        'export it, and run again; or try the bundled sandbox with --sandbox.',
    );
  }
  reporter.addSecrets([token]);
  const baseUrl = args.pipedriveUrl ?? env.PIPEDRIVE_BASE_URL ?? DEFAULT_PIPEDRIVE_URL;
  const client = new PipedriveClient({ baseUrl, apiToken: token.trim(), ...limits });
  return { client, budget, description: baseUrl, close: async () => undefined };
}

/** One line on the limits in force, e.g. for `check` and `plan`. */
export function describeBudget(budget: BudgetSettings): string {
  const burst = `${budget.requestsPer2s} requests per 2 s (${budget.requestsPer2sFrom})`;
  const cap = budget.maxTokens === undefined ? 'no token cap' : `at most ${budget.maxTokens} tokens a run (${budget.maxTokensFrom})`;
  return `Burst limit ${burst}; ${cap}.`;
}

export interface Destination {
  readonly warehouse: WarehouseClient;
  readonly resolved: ResolvedTarget;
  readonly schema: string;
  close(): Promise<void>;
}

export function schemaFor(args: CommonArgs, maxBytes: number): string {
  if (args.schema !== undefined) {
    const reserved = reservedSchemaReason(args.schema);
    if (reserved !== undefined) {
      throw new ConfigurationError(`--schema '${args.schema}' ${reserved}; give the company a schema of its own, e.g. --schema acme_crm.`);
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(args.schema) || Buffer.byteLength(args.schema) > maxBytes) {
      throw new ConfigurationError(
        `--schema '${args.schema}' must match ^[a-z_][a-z0-9_]*$ and be at most ${maxBytes} bytes, so dbt can use it unquoted.`,
      );
    }
    return args.schema;
  }
  const integration = args.integration ?? (args.sandbox ? SANDBOX_INTEGRATION : undefined);
  if (integration === undefined) {
    // No silent default: one schema per Pipedrive company, so the user names the integration.
    throw new ConfigurationError(
      'Name the integration, e.g. --integration "Stitch Pipedrive" (loads into schema stitch_pipedrive), or give --schema.',
    );
  }
  return schemaNameFromIntegration(integration, maxBytes);
}

/** Opens the warehouse target chosen by profiles.yml and --target (resolved here unless given). */
export async function openDestination(
  args: CommonArgs,
  reporter: Reporter,
  resolved: ResolvedTarget = resolveTargetFor(args),
): Promise<Destination> {
  reporter.addSecrets(resolved.target.secrets);
  if (resolved.notice !== undefined) reporter.info('target_default', resolved.notice);
  const adapter = await loadAdapter(resolved.target.type);
  // Before open(), which creates a DuckDB file. 63 bytes everywhere, not the target's own limit,
  // so a switch of warehouse keeps dbt models valid.
  const schema = schemaFor(args, Math.min(MAX_IDENTIFIER_BYTES, adapter.dialect.capabilities.maxIdentifierBytes));
  const warehouse = adapter.createClient(resolved.target);
  await warehouse.open();
  return { warehouse, resolved, schema, close: () => warehouse.close() };
}
