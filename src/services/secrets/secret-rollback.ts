import type { Principal } from '../../auth/principal.js';
import { BadUserInputError } from '../../errors.js';
import { type Secret, type SecretScope, secretAuditTarget } from './secret.js';
import { checkInput, getSecretInputSchema } from './secret-inputs.js';
import { type VersionWriteDeps, writeVersion } from './secret-version-write.js';
import type { SecretsServiceDeps } from './secrets-service.js';

/** What a rollback uses. */
export type SecretRollbackDeps = VersionWriteDeps & Pick<SecretsServiceDeps, 'authorize'>;

/** Arguments of `rollbackSecret`. */
export interface RollbackSecretInput {
  name: string;
  scope?: SecretScope | null;
  /** The version whose values become current again. */
  version: number;
  expectedVersion?: number | null;
}

/**
 * Writes a new version holding the values of an earlier one (its keys and values, as they were).
 * FORBIDDEN, BAD_USER_INPUT, NOT_FOUND (no such secret, or that version is not kept), CONFLICT
 * (a stale `expectedVersion`).
 */
export async function rollbackSecret(
  deps: SecretRollbackDeps,
  principal: Principal,
  input: RollbackSecretInput,
): Promise<Secret> {
  await deps.authorize(principal, 'secret.write', {
    action: 'secret.rollback',
    target: { kind: 'secret', name: input.name, scope: input.scope, rolledBackTo: input.version },
  });
  checkInput(getSecretInputSchema, { scope: input.scope, name: input.name }, 'Invalid rollback');
  if (!Number.isInteger(input.version) || input.version < 1)
    throw new BadUserInputError('Invalid rollback', [
      { path: 'version', message: 'must be a version number (1 or more)' },
    ]);
  return writeVersion(deps, principal, input, async (trx, record, secret) => {
    const current = await deps.stored.storedValues(secret, trx);
    const values =
      input.version === secret.version
        ? current
        : await deps.stored.history.valuesAt(trx, secret, input.version);
    const changed = Object.keys(values).filter((key) => current[key] !== values[key]);
    const removed = Object.keys(current).filter((key) => !Object.hasOwn(values, key));
    const written = await deps.stored.history.write(trx, {
      before: secret,
      changes: { keys: Object.keys(values).sort() },
      values,
      actor: principal.name,
      changedKeys: [...changed, ...removed].sort(),
    });
    await record({
      actor: principal.name,
      action: 'secret.rollback',
      target: secretAuditTarget(written.secret, {
        rolledBackTo: input.version,
        changedKeys: changed.sort(),
        removedKeys: removed.sort(),
      }),
      values: Object.fromEntries(changed.map((key) => [key, values[key]])),
    });
    return written;
  });
}
