import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

/** The SDK's retry strategy interface (RetryStrategyV2), as the client's config names it. */
type RetryStrategyV2 = Extract<
  NonNullable<SecretsManagerClientConfig['retryStrategy']>,
  { acquireInitialRetryToken: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

/** The ceiling of the wait before the one retry (full jitter), as the SDK's standard mode has it. */
const TRANSIENT_DELAY_MS = 100;

const token = (retries: number, delayMs: number): RetryToken => ({
  getRetryCount: () => retries,
  getRetryDelay: () => delayMs,
});

/**
 * The SDK's own retry: one retry of a transient failure (the SDK's TRANSIENT: connection, timeout, HTTP 500/502/503/504), as
 * the standard mode with 2 attempts did, and none of throttling, which the adapter retries with
 * throttle-retry.ts (so throttled attempts are counted once, and no SDK retry quota runs dry under
 * sustained throttling). The SDK sends a retry with the same idempotency token (CreateSecret's
 * ClientRequestToken), so a create retried after a lost answer is not a second create.
 */
export function transientOnlyRetry(): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous, info) => {
      // A refusal makes the SDK throw the call's own error.
      if (info.errorType !== 'TRANSIENT' || previous.getRetryCount() >= 1) throw new Error('no SDK retry');
      return token(previous.getRetryCount() + 1, Math.floor(Math.random() * TRANSIENT_DELAY_MS));
    },
    recordSuccess: () => undefined,
  };
}
