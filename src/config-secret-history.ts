import { z } from 'zod';

/** The variables of secret history and recovery (spread into the config's schema). */
export const secretHistoryEnv = {
  SGW_SECRET_VERSIONS_KEPT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('versions of a secret kept (the current one included); older ones are destroyed'),
  SGW_SECRET_RECOVERY_DAYS: z.coerce
    .number()
    .min(0)
    .max(3650)
    .default(7)
    .describe(
      'a deleted secret can be restored for this many days (fractions allowed), then it is purged; 0 deletes at once',
    ),
  SGW_SECRET_PURGE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(60_000)
    .describe(
      'how often a replica purges deleted secrets whose recovery window has passed (one replica at a time)',
    ),
};

/** The config fields read from `secretHistoryEnv`. */
export function secretHistoryConfigOf(e: {
  SGW_SECRET_VERSIONS_KEPT: number;
  SGW_SECRET_RECOVERY_DAYS: number;
  SGW_SECRET_PURGE_INTERVAL_MS: number;
}) {
  return {
    secretVersionsKept: e.SGW_SECRET_VERSIONS_KEPT,
    secretRecoveryDays: e.SGW_SECRET_RECOVERY_DAYS,
    secretPurgeIntervalMs: e.SGW_SECRET_PURGE_INTERVAL_MS,
  };
}
