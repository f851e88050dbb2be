import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { roleAllows } from '../../auth/roles.js';
import { canSee, type Secret, type SecretScope } from '../secrets/secret.js';
import type { StoredSecrets } from '../secrets/stored-secrets.js';
import { type ReferencedSecret, referenceWarnings, type SecretReferenceUse } from './reference-uses.js';

/** What the reference graph's operations need: the permission check, the store's lookup, the batched uses. */
export interface ReferenceGraphDeps {
  authorize: Authorize;
  secrets: Pick<StoredSecrets, 'getSecretForResolution'>;
  uses: (secret: ReferencedSecret) => Promise<SecretReferenceUse[]>;
}

/**
 * The components whose configuration references a secret the caller has loaded (`Secret.referencedBy`):
 * `secret.read` (a denial is recorded), a secret it may see, and components only for a caller
 * that may read stacks (`stack.read`; every role with `secret.read` has it today): else none.
 */
export async function referencedBy(
  deps: ReferenceGraphDeps,
  principal: Principal,
  secret: Secret,
): Promise<SecretReferenceUse[]> {
  await deps.authorize(principal, 'secret.read', {
    action: 'secret.get',
    target: { kind: 'secret', name: secret.name, scope: secret.scope, field: 'referencedBy' },
  });
  if (!canSee(principal, secret) || !roleAllows(principal.role, 'stack.read')) return [];
  return deps.uses(secret);
}

/**
 * The warnings deleting a secret deserves, read before the delete: one per component that
 * references the secret the caller would delete (same lookup: USER first, then WORKSPACE). No
 * check or record of its own — the delete that follows checks `secret.write` and records the
 * attempt — so it answers none to a caller that may not delete or read stacks, and the
 * resolver hands them out only once the delete succeeded.
 */
export async function deleteWarnings(
  deps: Pick<ReferenceGraphDeps, 'secrets' | 'uses'>,
  principal: Principal,
  name: string,
  scope?: SecretScope | null,
): Promise<string[]> {
  if (!roleAllows(principal.role, 'secret.write') || !roleAllows(principal.role, 'stack.read')) return [];
  const found = await deps.secrets.getSecretForResolution(principal, name, false, scope ?? undefined);
  if (!found) return [];
  return referenceWarnings(found.secret.name, await deps.uses(found.secret));
}
