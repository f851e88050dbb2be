import type { SecretMetadata } from '../../backends/backend.js';

/** How long a start's listing may serve the job's first run in this process (default 60 s). */
const MAX_AGE_MS = 60_000;

/**
 * Hands the source listing made when a job starts (startSecretsMigration) to this process's
 * worker, so the job's first run reads its batches without listing the source again. Taken
 * once, only within the maximum age; a job run anywhere else (another replica, a restart, a
 * resume after a lost lease) finds nothing and lists the source itself, as before.
 */
export function createListingHandoff(maxAgeMs = MAX_AGE_MS, now: () => number = Date.now) {
  const kept = new Map<string, { at: number; listed: Map<string, SecretMetadata> }>();
  const dropOld = () => {
    for (const [jobId, entry] of kept) if (now() - entry.at > maxAgeMs) kept.delete(jobId);
  };
  return {
    /** Keeps a job's start listing (entry name to metadata). */
    keep(jobId: string, listed: Map<string, SecretMetadata>): void {
      dropOld();
      kept.set(jobId, { at: now(), listed });
    },
    /** The job's start listing, once, when kept here and young enough; else undefined. */
    take(jobId: string): Map<string, SecretMetadata> | undefined {
      dropOld();
      const entry = kept.get(jobId);
      kept.delete(jobId);
      return entry?.listed;
    },
  };
}

export type ListingHandoff = ReturnType<typeof createListingHandoff>;
