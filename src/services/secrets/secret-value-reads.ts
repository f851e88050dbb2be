import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import { NotFoundError } from '../../errors.js';
import { canSee, type Secret, secretAuditTarget } from './secret.js';
import type { SecretsServiceDeps } from './secrets-service.js';

/** What a value read uses. */
export type SecretValueReadDeps = Pick<SecretsServiceDeps, 'authorize' | 'audit' | 'stored'>;

/**
 * A secret's values; needs value access (FORBIDDEN, recorded) and sight of the secret (else
 * NOT_FOUND); one `secret.read` event is committed before they return.
 */
export async function readValues(
  deps: SecretValueReadDeps,
  principal: Principal,
  secret: Secret,
): Promise<SecretValues> {
  await deps.authorize(principal, 'secret.values', {
    action: 'secret.read',
    target: secretAuditTarget(secret),
  });
  if (!canSee(principal, secret)) throw new NotFoundError(`Secret "${secret.name}" not found`);
  const values = await deps.stored.valuesOf(secret);
  // Committed before the values leave; concurrent reads share one audit commit.
  await deps.audit.record({
    actor: principal.name,
    action: 'secret.read',
    target: secretAuditTarget(secret),
    values,
  });
  return values;
}
