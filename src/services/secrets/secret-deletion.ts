import type { Principal } from '../../auth/principal.js';
import type { Executor } from '../../database/database.js';
import { BadUserInputError, NotFoundError } from '../../errors.js';
import { type Secret, type SecretScope, secretAuditTarget, secretFromRow } from './secret.js';
import { checkInput, deleteSecretInputSchema } from './secret-inputs.js';
import * as repo from './secrets-repository.js';
import type { SecretsServiceDeps } from './secrets-service.js';
import { checkJournaled, claimIntents, closeIntents, retryingCollected } from './store-write-journal.js';
import { findSecretIn, requireSecretIn } from './stored-secret-lookups.js';

// Deleting a secret keeps it restorable for SGW_SECRET_RECOVERY_DAYS (its name stays taken, its
// values and history stay where they are); `restoreSecret` brings it back; a purge — by an ADMIN,
// by the purger once the window has passed, or a delete with 0 days — removes the row, its history
// and its store entry with every kept version.

/** What deletion, recovery and purges use. */
export type SecretDeletionDeps = Pick<
  SecretsServiceDeps,
  'db' | 'store' | 'audit' | 'authorize' | 'stored'
> & {
  /** SGW_SECRET_RECOVERY_DAYS; 0: a delete purges at once. */
  recoveryDays: number;
};

const notFound = (name: string, scope: SecretScope | null | undefined, what = 'Secret') =>
  new NotFoundError(`${what} "${name}" not found${scope ? ` in scope ${scope}` : ''}`);

/**
 * The deleted secret a restore or purge names: the caller's own USER one, else the WORKSPACE one;
 * an ADMIN also reaches another user's deleted USER secret when exactly one user has one by that
 * name (`deletedSecrets` lists them). NOT_FOUND; BAD_USER_INPUT when several users have one.
 */
async function findDeleted(
  executor: Executor,
  principal: Principal,
  name: string,
  scope: SecretScope | null | undefined,
  forUpdate: boolean,
): Promise<Secret> {
  const own = await findSecretIn(executor, principal, name, scope, forUpdate, 'deleted');
  if (own) return own;
  if (principal.role !== 'ADMIN' || scope === 'WORKSPACE') throw notFound(name, scope, 'Deleted secret');
  const others = await repo.findDeletedUserSecrets(executor, name, forUpdate);
  if (others.length > 1)
    throw new BadUserInputError('Ambiguous name', [
      { path: 'name', message: `${others.length} users have a deleted USER secret named "${name}"` },
    ]);
  if (others.length === 0) throw notFound(name, scope, 'Deleted secret');
  return secretFromRow(others[0]);
}

/** Deletes a secret: restorable until its purge time (or purged at once with 0 days). FORBIDDEN, BAD_USER_INPUT, NOT_FOUND. */
export async function deleteSecret(
  deps: SecretDeletionDeps,
  principal: Principal,
  name: string,
  scope?: SecretScope | null,
): Promise<boolean> {
  await deps.authorize(principal, 'secret.write', {
    action: 'secret.delete',
    target: { kind: 'secret', name, scope },
  });
  checkInput(deleteSecretInputSchema, { scope }, 'Invalid secret lookup');
  if (deps.recoveryDays === 0) {
    const secret = await deps.stored.findVisible(principal, name, scope);
    if (!secret) throw notFound(name, scope);
    await purgeById(deps, secret.id, principal.name, { action: 'secret.delete', deletedOnly: false });
    return true;
  }
  await deps.audit.audited(async (trx, record) => {
    const secret = await requireSecretIn(trx, principal, name, scope, true);
    const row = await repo.markDeleted(trx, secret.id, deps.recoveryDays);
    await record({
      actor: principal.name,
      action: 'secret.delete',
      target: secretAuditTarget(secret, { purgeAt: row.purge_at?.toISOString() }),
    });
  });
  return true;
}

/** Brings a deleted secret back as it was (values, history). FORBIDDEN, BAD_USER_INPUT, NOT_FOUND. */
export async function restoreSecret(
  deps: SecretDeletionDeps,
  principal: Principal,
  name: string,
  scope?: SecretScope | null,
): Promise<Secret> {
  await deps.authorize(principal, 'secret.write', {
    action: 'secret.restore',
    target: { kind: 'secret', name, scope },
  });
  checkInput(deleteSecretInputSchema, { scope }, 'Invalid secret lookup');
  return deps.audit.audited(async (trx, record) => {
    const deleted = await findDeleted(trx, principal, name, scope, true);
    const restored = secretFromRow(await repo.markRestored(trx, deleted.id));
    await record({ actor: principal.name, action: 'secret.restore', target: secretAuditTarget(restored) });
    return restored;
  });
}

/** Purges a deleted secret now (ADMIN). FORBIDDEN, BAD_USER_INPUT, NOT_FOUND. */
export async function purgeSecret(
  deps: SecretDeletionDeps,
  principal: Principal,
  name: string,
  scope?: SecretScope | null,
): Promise<boolean> {
  await deps.authorize(principal, 'secret.purge', {
    action: 'secret.purge',
    target: { kind: 'secret', name, scope },
  });
  checkInput(deleteSecretInputSchema, { scope }, 'Invalid secret lookup');
  const deleted = await findDeleted(deps.db, principal, name, scope, false);
  if (!(await purgeById(deps, deleted.id, principal.name, { action: 'secret.purge', deletedOnly: true })))
    throw notFound(name, scope, 'Deleted secret');
  return true;
}

/** Deleted secrets the principal may see (admins: every user's), newest deletion first. FORBIDDEN. */
export async function listDeletedSecrets(
  deps: SecretDeletionDeps,
  principal: Principal,
  scope?: SecretScope | null,
): Promise<Array<Secret & { deletedAt: Date; purgeAt: Date }>> {
  await deps.authorize(principal, 'secret.read', {
    action: 'secret.list',
    target: { kind: 'secret', scope },
  });
  checkInput(deleteSecretInputSchema, { scope }, 'Invalid secret listing');
  const rows = await repo.listDeleted(deps.db, {
    viewerId: principal.id,
    seesAllUsers: principal.role === 'ADMIN',
    scope,
    limit: 1000,
  });
  return rows.map((row) => ({
    ...secretFromRow(row),
    deletedAt: row.deleted_at as Date,
    purgeAt: row.purge_at as Date,
  }));
}

/**
 * Removes a secret for good in its audited transaction: the row and its history, the SQL entry
 * with its kept versions; a remote entry (every version) after the commit, journaled so that a
 * crash in between leaves it to the orphan collector. `deletedOnly`: only a deleted secret (purges;
 * `expired`: only one whose window has passed). False when there was nothing to purge.
 */
export function purgeById(
  deps: Pick<SecretDeletionDeps, 'store' | 'audit' | 'stored'>,
  id: string,
  actor: string,
  how: { action: 'secret.delete' | 'secret.purge'; deletedOnly: boolean; expired?: boolean },
): Promise<boolean> {
  const remote = deps.store.kind !== 'sql';
  return retryingCollected(() =>
    deps.stored.journaled(remote ? [id] : [], 'delete', async (intents) => {
      const purged = await deps.audit.audited(async (trx, record) => {
        checkJournaled(remote, intents, id);
        await claimIntents(trx, intents);
        const row = await repo.findForPurge(trx, id);
        if (!row || (how.deletedOnly && !row.deleted_at) || (how.expired && !row.due)) {
          await closeIntents(
            trx,
            intents.map((intent) => intent.id),
          );
          return false;
        }
        await repo.deleteSecret(trx, id);
        if (!remote) await deps.store.backend.delete(deps.store.entryName(id), { trx });
        await record({ actor, action: how.action, target: secretAuditTarget(secretFromRow(row)) });
        return true;
      });
      if (purged && remote) await deps.stored.discardDeleted(id, intents);
      return purged;
    }),
  );
}
