import * as repo from './migration-repository.js';
import type { MigrationRunDeps } from './migration-run.js';

/** What the lease renewals of a running job have learnt so far. */
export interface Lease {
  /** The job's cancel flag was seen set. */
  cancelled: boolean;
  /** The lease row was gone (expired and taken over, or the job finished elsewhere). */
  lost: boolean;
  /** Stops renewing. */
  stop(): void;
}

/**
 * Renews a claimed job's lease every third of the lease time (at least every 200 ms) until
 * stopped. A renewal that fails is logged (job id and message) and the next one tries again.
 */
export function startLeaseRenewal(
  deps: Pick<MigrationRunDeps, 'db' | 'log' | 'leaseMs' | 'owner'>,
  jobId: string,
): Lease {
  const renew = () => {
    repo
      .renewLease(deps.db, jobId, deps.owner, deps.leaseMs)
      .then((cancel) => {
        if (cancel === undefined) lease.lost = true;
        else if (cancel) lease.cancelled = true;
      })
      .catch((error) =>
        deps.log.warn('migration lease renewal failed', {
          migrationId: jobId,
          error: (error as Error).message,
        }),
      );
  };
  const timer = setInterval(renew, Math.max(200, Math.floor(deps.leaseMs / 3)));
  const lease: Lease = { cancelled: false, lost: false, stop: () => clearInterval(timer) };
  return lease;
}
