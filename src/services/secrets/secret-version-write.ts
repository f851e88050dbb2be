import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { Database } from '../../database/database.js';
import { ConflictError } from '../../errors.js';
import type { RecordAudit } from '../audit/audit-service.js';
import type { Secret, SecretScope } from './secret.js';
import type { WrittenSecretVersion } from './secret-history.js';
import type { SecretsServiceDeps } from './secrets-service.js';
import { checkJournaled, claimIntents, closeIntents, retryingCollected } from './store-write-journal.js';

/** What a version write uses. */
export type VersionWriteDeps = Pick<SecretsServiceDeps, 'store' | 'audit' | 'stored'>;

/** The secret a write addresses, and the version the caller last read (CONFLICT when it moved). */
export interface VersionWriteTarget {
  name: string;
  scope?: SecretScope | null;
  expectedVersion?: number | null;
}

/** The write of a locked secret inside its audited transaction. */
export type ApplyVersion = (
  trx: Transaction<Database>,
  record: RecordAudit,
  secret: Secret,
) => Promise<WrittenSecretVersion>;

/** The secret a remote-store write will journal (looked up before its transaction); none for the SQL store. */
function journalTarget(deps: VersionWriteDeps, principal: Principal, target: VersionWriteTarget) {
  return deps.store.kind === 'sql'
    ? Promise.resolve(undefined)
    : deps.stored.findVisible(principal, target.name, target.scope);
}

/** CONFLICT when the secret is not at the version the caller expects. */
export function checkExpectedVersion(secret: Secret, expectedVersion: number | null | undefined): void {
  if (expectedVersion != null && expectedVersion !== secret.version)
    throw new ConflictError(
      `Secret "${secret.name}" is at version ${secret.version}, not ${expectedVersion}; read it again and retry`,
    );
}

/**
 * Writes a new version of one existing secret: on a remote store its entry journaled before the
 * transaction (copy-on-write: a failure or crash is repaired), the row locked, `expectedVersion`
 * checked, `apply` run, the intents closed by the commit; then the versions that left the history
 * are destroyed. NOT_FOUND, CONFLICT, and whatever `apply` throws.
 */
export async function writeVersion(
  deps: VersionWriteDeps,
  principal: Principal,
  target: VersionWriteTarget,
  apply: ApplyVersion,
): Promise<Secret> {
  const written = await retryingCollected(async () => {
    const journaled = await journalTarget(deps, principal, target);
    if (journaled) await deps.stored.pinLegacyRow(journaled);
    return deps.stored.journaled(journaled ? [journaled.id] : [], 'update', (intents) =>
      deps.audit.audited(async (trx, record) => {
        const secret = await deps.stored.lockForWrite(trx, principal, target);
        checkJournaled(deps.store.kind !== 'sql', intents, secret.id);
        await claimIntents(trx, intents);
        checkExpectedVersion(secret, target.expectedVersion);
        const done = await apply(trx, record, secret);
        await closeIntents(
          trx,
          intents.map((intent) => intent.id),
        );
        return done;
      }),
    );
  });
  await deps.stored.history.destroyPruned(written.secret.id, written.pruned);
  return written.secret;
}
