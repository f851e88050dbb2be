import type { Db } from '../../database/database.js';
import type { Logger } from '../../logger.js';
import { createLeasedPasses } from './collector-lease.js';
import { purgeById, type SecretDeletionDeps } from './secret-deletion.js';
import * as repo from './secrets-repository.js';
import type { StoredSecrets } from './stored-secrets.js';

/** What the purger of expired deleted secrets uses. */
export type SecretPurgerDeps = Pick<SecretDeletionDeps, 'store' | 'audit'> & {
  stored: SecretDeletionDeps['stored'] & Pick<StoredSecrets, 'history'>;
  db: Db;
  log: Logger;
  /** SGW_SECRET_PURGE_INTERVAL_MS. */
  intervalMs: number;
};

const LEASE = 'secret-purge';
const BATCH = 100;
/** The actor of purges whose recovery window passed. */
export const PURGER_ACTOR = 'system:purger';

/**
 * Purges deleted secrets whose recovery window has passed, one replica at a time (a lease), every
 * interval; each purge is audited (`secret.purge` by `system:purger`). Errors are logged (never
 * values) and the secret is tried again next pass.
 */
export function createSecretPurger(deps: SecretPurgerDeps) {
  const passes = createLeasedPasses({
    ...{ db: deps.db, lease: LEASE, intervalMs: deps.intervalMs, ttlMs: deps.intervalMs * 2 },
    enabled: true,
    idle: () => 0,
    work: () => purgeDue(deps),
    onError: (error) => deps.log.warn('purging expired secrets failed', { error: (error as Error).name }),
  });
  return {
    /** One pass now (joins the one running); how many secrets it purged. */
    purgeOnce: passes.runOnce,
    start: passes.start,
    stop: passes.stop,
  };
}

/**
 * Purges one batch of deleted secrets past their window, under the lease, and removes versions
 * left outside the history window by a lowered SGW_SECRET_VERSIONS_KEPT; how many secrets it purged.
 */
async function purgeDue(deps: SecretPurgerDeps): Promise<number> {
  await deps.stored.history
    .pruneBeyondWindow(deps.db)
    .catch((error: unknown) =>
      deps.log.warn('pruning old versions failed', { error: (error as Error).name }),
    );
  let purged = 0;
  for (const id of await repo.dueForPurge(deps.db, BATCH)) {
    try {
      const how = { action: 'secret.purge', deletedOnly: true, expired: true } as const;
      if (await purgeById(deps, id, PURGER_ACTOR, how)) purged++;
    } catch (error) {
      deps.log.warn('purging an expired secret failed', { secretId: id, error: (error as Error).name });
    }
  }
  return purged;
}

export type SecretPurger = ReturnType<typeof createSecretPurger>;
