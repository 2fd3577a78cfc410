/**
 * What every command needs, built from the shared flags: where Pipedrive is and the token to use
 * (or the in-process sandbox), which warehouse target, and which schema.
 */
import type { Argv } from 'yargs';
import type { WarehouseClient } from '../../adapters/types.js';
import { loadAdapter } from '../../adapters/index.js';
import { ConfigurationError } from '../errors.js';
import { resolveTarget, type ResolvedTarget } from '../config/profiles.js';
import { PipedriveClient } from '../pipedrive/client.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { RESERVED_SCHEMA_PREFIX, schemaNameFromIntegration } from '../schema/naming.js';
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
  readonly requestsPer2s: number;
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
    .option('requests-per-2s', {
      type: 'number',
      default: 20,
      describe: 'Burst limit of your Pipedrive plan per token: Lite 20, Growth 40, Premium 100, Ultimate 120',
    })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Log format' })
    .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces on failure' }) as unknown as Argv<
    T & CommonArgs
  >;
}

export interface PipedriveSource {
  readonly client: PipedriveClient;
  readonly description: string;
  readonly sandbox?: Sandbox;
  close(): Promise<void>;
}

/** Opens the Pipedrive side: the in-process sandbox, or the real API with PIPEDRIVE_API_TOKEN. */
export async function openSource(
  args: CommonArgs,
  reporter: Reporter,
  extra: { maxTokens?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<PipedriveSource> {
  const env = extra.env ?? process.env;
  if (args.sandbox) {
    const sandbox = await startSandbox({ seed: args.sandboxSeed, deals: args.sandboxDeals });
    reporter.addSecrets([sandbox.adminToken]);
    const client = new PipedriveClient({
      baseUrl: sandbox.url,
      apiToken: sandbox.adminToken,
      requestsPer2s: args.requestsPer2s,
      maxTokens: extra.maxTokens,
    });
    return { client, sandbox, description: `the bundled sandbox (${args.sandboxDeals} deals, seed ${args.sandboxSeed})`, close: () => sandbox.close() };
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
  const client = new PipedriveClient({
    baseUrl,
    apiToken: token.trim(),
    requestsPer2s: args.requestsPer2s,
    maxTokens: extra.maxTokens,
  });
  return { client, description: baseUrl, close: async () => undefined };
}

export interface Destination {
  readonly warehouse: WarehouseClient;
  readonly resolved: ResolvedTarget;
  readonly schema: string;
  close(): Promise<void>;
}

export function schemaFor(args: CommonArgs, maxBytes: number): string {
  if (args.schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]*$/.test(args.schema) || Buffer.byteLength(args.schema) > maxBytes) {
      throw new ConfigurationError(
        `--schema '${args.schema}' must match ^[a-z_][a-z0-9_]*$ and be at most ${maxBytes} bytes, so dbt can use it unquoted.`,
      );
    }
    if (args.schema.startsWith(RESERVED_SCHEMA_PREFIX)) {
      throw new ConfigurationError(
        `--schema '${args.schema}' starts with ${RESERVED_SCHEMA_PREFIX}, which PostgreSQL reserves for its own schemas; pick another name.`,
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

/** Opens the warehouse target chosen by profiles.yml and --target. */
export async function openDestination(args: CommonArgs, reporter: Reporter): Promise<Destination> {
  const resolved = resolveTarget({ profilesDir: args.profilesDir, profile: args.profile, target: args.target });
  reporter.addSecrets(resolved.target.secrets);
  if (resolved.notice !== undefined) reporter.info('target_default', resolved.notice);
  const adapter = await loadAdapter(resolved.target.type);
  const warehouse = adapter.createClient(resolved.target);
  await warehouse.open();
  // 63 bytes everywhere, not the target's own limit, so a switch of warehouse keeps dbt models valid.
  const schema = schemaFor(args, Math.min(MAX_IDENTIFIER_BYTES, adapter.dialect.capabilities.maxIdentifierBytes));
  return { warehouse, resolved, schema, close: () => warehouse.close() };
}
