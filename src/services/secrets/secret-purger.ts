import type { Db } from '../../database/database.js';
import type { Logger } from '../../logger.js';
import { leaseHolderName, releaseLease, takeLease } from './collector-lease.js';
import { purgeById, type SecretDeletionDeps } from './secret-deletion.js';
import * as repo from './secrets-repository.js';

/** What the purger of expired deleted secrets uses. */
export type SecretPurgerDeps = Pick<SecretDeletionDeps, 'store' | 'audit' | 'stored'> & {
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
  const holder = leaseHolderName();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function pass(): Promise<number> {
    if (!(await takeLease(deps.db, LEASE, holder, deps.intervalMs * 2))) return 0;
    let purged = 0;
    try {
      for (const id of await repo.dueForPurge(deps.db, BATCH)) {
        try {
          const how = { action: 'secret.purge', deletedOnly: true, expired: true } as const;
          if (await purgeById(deps, id, PURGER_ACTOR, how)) purged++;
        } catch (error) {
          deps.log.warn('purging an expired secret failed', { secretId: id, error: (error as Error).name });
        }
      }
    } finally {
      await releaseLease(deps.db, LEASE, holder).catch(() => undefined);
    }
    return purged;
  }

  /** One pass now (joins the one running); how many secrets it purged. */
  function purgeOnce(): Promise<number> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    purgeOnce,
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        purgeOnce().catch((error: unknown) =>
          deps.log.warn('purging expired secrets failed', { error: (error as Error).name }),
        );
      }, deps.intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

export type SecretPurger = ReturnType<typeof createSecretPurger>;
