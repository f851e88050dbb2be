import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { roleAllows } from '../../auth/roles.js';
import { BadUserInputError, type InputIssue } from '../../errors.js';
import type { AuditEvent, AuditFilter } from '../audit/audit-event.js';
import { checkCursor } from '../audit/audit-query-service.js';
import type { ReferencedSecret, SecretReferenceUse } from '../references/reference-uses.js';
import {
  canSeeChange,
  matchesNames,
  SECRET_CHANGE_ACTIONS,
  type SecretChange,
  secretChangeOf,
} from './secret-change.js';

export interface SecretChangeFeedDeps {
  authorize: Authorize;
  /** The audit feed, unchecked: replay after the cursor, then live; gapless, no duplicate, across replicas. */
  subscribe: (filter: AuditFilter | null, after?: string | null) => AsyncGenerator<AuditEvent>;
  /** The components referencing a secret (batched). */
  usesOf: (secret: ReferencedSecret) => Promise<SecretReferenceUse[]>;
}

export interface SecretChangesArgs {
  names?: string[] | null;
  after?: string | null;
}

const FILTER: AuditFilter = { actions: Object.keys(SECRET_CHANGE_ACTIONS) };

/** The feed's changes the principal may see, each with its uses (none without `stack.read`). */
async function* changesFor(
  deps: SecretChangeFeedDeps,
  principal: Principal,
  events: AsyncGenerator<AuditEvent>,
  names: ReadonlySet<string> | null,
): AsyncGenerator<SecretChange> {
  const withUses = roleAllows(principal.role, 'stack.read');
  for await (const event of events) {
    const pending = secretChangeOf(event);
    if (!pending || !canSeeChange(principal, pending) || !matchesNames(pending, names)) continue;
    const { usesOf, previousName: _, ...change } = pending;
    yield { ...change, referencedBy: withUses ? await deps.usesOf(usesOf) : [] };
  }
}

/**
 * `secretChanges`: `secret.read` first (a denial is recorded, then FORBIDDEN), the cursor
 * checked, then the audit feed's secret events after it — SUCCESS only, only those the caller
 * may see, by name when `names` is given — in id order, each once; `id` resumes.
 */
async function subscribeSecretChanges(
  deps: SecretChangeFeedDeps,
  principal: Principal,
  args: SecretChangesArgs,
): Promise<AsyncGenerator<SecretChange>> {
  await deps.authorize(principal, 'secret.read', {
    action: 'secret.watch',
    target: { kind: 'secret', names: args.names ?? null },
  });
  const issues: InputIssue[] = [];
  checkCursor(args.after, 'after', issues);
  if (issues.length) throw new BadUserInputError('Invalid secret change subscription', issues);
  const names = args.names?.length ? new Set(args.names) : null;
  return changesFor(deps, principal, deps.subscribe(FILTER, args.after ?? null), names);
}

/** The live change feed of secrets, built on the audit feed. */
export function createSecretChangeFeed(deps: SecretChangeFeedDeps) {
  return {
    subscribe: (principal: Principal, args: SecretChangesArgs) =>
      subscribeSecretChanges(deps, principal, args),
  };
}

export type SecretChangeFeed = ReturnType<typeof createSecretChangeFeed>;
