/**
 * What a load (and `plan`) settles before it writes anything:
 *
 * 1. The token. `GET /v1/users/me` (2 tokens) is the first request, before the warehouse is even
 *    opened: a wrong token stops with exit 3 having created nothing (no DuckDB file, no schema).
 * 2. The token's user. Pipedrive lists only what that user may see, so for a user who is not a
 *    global admin a record missing from a listing may simply be hidden. Unless `--reconcile-deletes`
 *    was given explicitly, such a run infers no deletes at all: no key scans, and no comparison
 *    after a complete listing either (deals Pipedrive itself reports deleted still arrive as such).
 * 3. The company. A schema holds one Pipedrive company: its id and domain are kept in
 *    `_loader_state` under `#company_id` and `#company_domain`. A token of another company (or a
 *    sandbox of another seed or size) is refused with exit 2, naming both, before any write. A
 *    schema without a record (new, or loaded by an earlier version) adopts the company of its next
 *    load. No flag re-points a schema: ids of two companies collide, so their rows would mix.
 *
 * Read once per run, `--every` included: 2 tokens a run buys noticing a user who lost admin rights
 * between runs before the next run infers deletes from a partial listing.
 */
import { nonAdminWarning, type AccountInfo } from '../check/account.js';
import { ConfigurationError, SourceTerminalError } from '../errors.js';
import type { CompanyRecord } from '../state/types.js';
import type { ReconcileMode } from './deletes.js';

export const DEFAULT_RECONCILE_MODE: ReconcileMode = 'daily';

export function companyOf(account: AccountInfo): CompanyRecord {
  if (!Number.isSafeInteger(account.companyId) || account.companyId <= 0) {
    throw new SourceTerminalError('Pipedrive answered /v1/users/me without a company id; the loader cannot tell which company this is.', 200);
  }
  return { id: account.companyId, domain: account.companyDomain };
}

export function describeCompany(company: CompanyRecord): string {
  return `company ${company.id} (${company.domain || 'no domain'}.pipedrive.com)`;
}

/**
 * Whether the token's company may load into a schema recorded as `stored`: `adopt` (no record
 * yet), `same`, or `renamed` (same id, new domain: Pipedrive lets admins change the domain; the
 * record follows). Another company id is refused.
 */
export function matchCompany(
  stored: CompanyRecord | undefined,
  current: CompanyRecord,
  schema: string,
): 'adopt' | 'same' | 'renamed' {
  if (stored === undefined) return 'adopt';
  if (stored.id !== current.id) {
    throw new ConfigurationError(
      `Schema ${schema} holds Pipedrive ${describeCompany(stored)}, but this token belongs to ${describeCompany(current)}. ` +
        'One schema holds one company: load this one into its own schema (--integration or --schema), or check the token.',
    );
  }
  return stored.domain === current.domain ? 'same' : 'renamed';
}

export interface DeletePolicy {
  /** Key scans: the explicit `--reconcile-deletes`, else daily for an admin and never otherwise. */
  readonly reconcileDeletes: ReconcileMode;
  /** False: no row is marked deleted for missing from a listing, not even a complete one. */
  readonly inferDeletes: boolean;
  /** Said once at the start of the run and kept in `_loader_runs.warnings`. */
  readonly warnings: readonly string[];
}

/** How the run handles deletes for this token; `explicit` is `--reconcile-deletes` when given. */
export function deletePolicy(account: AccountInfo, explicit: ReconcileMode | undefined): DeletePolicy {
  if (account.isGlobalAdmin) return { reconcileDeletes: explicit ?? DEFAULT_RECONCILE_MODE, inferDeletes: true, warnings: [] };
  const hidden = nonAdminWarning(account);
  if (explicit === undefined || explicit === 'never') {
    return {
      reconcileDeletes: 'never',
      inferDeletes: false,
      warnings: [
        hidden,
        'Deletes are not inferred with this token: rows of records it cannot see are kept as they are, not marked ' +
          'deleted. Give --reconcile-deletes daily or always to infer them anyway.',
      ],
    };
  }
  return {
    reconcileDeletes: explicit,
    inferDeletes: true,
    warnings: [
      hidden,
      `--reconcile-deletes ${explicit} was given: rows of records this user cannot see will be marked deleted.`,
    ],
  };
}
