import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { SecretVersionRow } from '../../database/tables/secret-versions-table.js';
import { BadUserInputError, NotFoundError } from '../../errors.js';
import { canSee, type Secret, secretAuditTarget } from './secret.js';
import type { SecretsServiceDeps } from './secrets-service.js';

/** What a value read uses. */
export type SecretValueReadDeps = Pick<SecretsServiceDeps, 'authorize' | 'audit' | 'stored' | 'db'>;

/**
 * A secret's values — its current ones, or those of an earlier `version` while it is kept; needs
 * value access (FORBIDDEN, recorded) and sight of the secret (else NOT_FOUND); one `secret.read`
 * event naming the version read is committed before they return. NOT_FOUND for a version not kept.
 */
export async function readValues(
  deps: SecretValueReadDeps,
  principal: Principal,
  secret: Secret,
  version?: number | null,
): Promise<SecretValues> {
  const read = version ?? secret.version;
  const target = secretAuditTarget(secret, { version: read });
  await deps.authorize(principal, 'secret.values', { action: 'secret.read', target });
  if (!canSee(principal, secret)) throw new NotFoundError(`Secret "${secret.name}" not found`);
  const values =
    read === secret.version
      ? await deps.stored.valuesOf(secret)
      : await deps.stored.history.valuesAt(deps.db, secret, read);
  // Committed before the values leave; concurrent reads share one audit commit.
  await deps.audit.record({ actor: principal.name, action: 'secret.read', target, values });
  return values;
}

/** A secret's versions, newest first (the current one included). FORBIDDEN, NOT_FOUND. */
export async function listVersions(
  deps: Pick<SecretsServiceDeps, 'authorize' | 'stored' | 'db'>,
  principal: Principal,
  secret: Secret,
  first?: number | null,
): Promise<SecretVersionRow[]> {
  await deps.authorize(principal, 'secret.read', { action: 'secret.get', target: secretAuditTarget(secret) });
  if (!canSee(principal, secret)) throw new NotFoundError(`Secret "${secret.name}" not found`);
  if (first != null && first < 1)
    throw new BadUserInputError('Invalid version listing', [
      { path: 'first', message: 'must be at least 1' },
    ]);
  const limit = Math.min(first ?? deps.stored.history.versionsKept, 1000);
  return deps.stored.history.list(deps.db, secret, limit);
}
