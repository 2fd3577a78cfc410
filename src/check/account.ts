/**
 * What `check`, `plan` and every load learn from `GET /v1/users/me` (2 tokens): who the token
 * belongs to, which company, and whether that user is a global admin. Pipedrive returns only what the token's user may see,
 * so a non-admin token silently yields an incomplete copy; `check` says so plainly.
 */
import type { PipedriveClient } from '../pipedrive/client.js';
import { SourceTerminalError } from '../errors.js';

export interface AccountInfo {
  readonly userId: number;
  readonly userName: string;
  readonly userEmail: string;
  readonly companyId: number;
  readonly companyName: string;
  readonly companyDomain: string;
  readonly timezone: string;
  readonly isGlobalAdmin: boolean;
}

interface AccessEntry {
  readonly app?: unknown;
  readonly admin?: unknown;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

/** A global admin has an `access` entry `{app: 'global', admin: true}` (is_admin was removed in 2023). */
export function isGlobalAdmin(access: unknown): boolean {
  return Array.isArray(access) && access.some((entry: AccessEntry) => entry?.app === 'global' && entry.admin === true);
}

/** The usage ledger's name for this request: `check`, `plan` and every load start with it. */
export const ACCOUNT_STREAM = 'account';

export async function readAccount(client: PipedriveClient): Promise<AccountInfo> {
  const envelope = await client.get('v1', '/users/me', {}, { stream: ACCOUNT_STREAM });
  const me = envelope.data;
  if (typeof me !== 'object' || me === null) {
    throw new SourceTerminalError('Pipedrive answered /v1/users/me without a user object.', 200);
  }
  const user = me as Record<string, unknown>;
  return {
    userId: Number(user.id),
    userName: text(user.name),
    userEmail: text(user.email),
    companyId: Number(user.company_id),
    companyName: text(user.company_name),
    companyDomain: text(user.company_domain),
    timezone: text(user.timezone_name),
    isGlobalAdmin: isGlobalAdmin(user.access),
  };
}

export function nonAdminWarning(account: AccountInfo): string {
  return (
    `${account.userName || 'This user'} is not a global admin of ${account.companyName || 'this company'}. ` +
    'Pipedrive returns only the records this user can see: deals, persons, organizations, activities and ' +
    "products that visibility settings hide from them (private items owned by others, other visibility groups) " +
    'will be missing from the warehouse. For a complete copy, use the API token of a global admin ' +
    '(e.g. a dedicated "Data loader" admin user).'
  );
}
