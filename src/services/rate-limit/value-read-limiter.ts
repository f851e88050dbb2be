import type { Principal } from '../../auth/principal.js';
import { RateLimitedError } from '../../errors.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';

export interface ValueReadLimiterDeps {
  /** Reads each principal regains per second; 0 turns the limit off. */
  readsPerSecond: number;
  /** Reads a principal may make at once after a pause (the bucket's size). */
  burst: number;
  /** Milliseconds clock; tests pass their own. */
  now?: () => number;
  /** Buckets kept at most; full (idle) buckets are dropped first, then the oldest. */
  maxPrincipals?: number;
  /** Counts refused reads. */
  metrics?: Pick<GatewayMetrics, 'valueReadRateLimited'>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per principal for secret value reads: one token per secret whose values
 * are read. When the bucket is empty, `take` throws RATE_LIMITED with `retryAfterMs`.
 * In memory: each replica limits the requests it serves.
 */
export function createValueReadLimiter(deps: ValueReadLimiterDeps) {
  const rate = deps.readsPerSecond;
  const burst = Math.max(1, deps.burst);
  const now = deps.now ?? (() => performance.now());
  const maxPrincipals = deps.maxPrincipals ?? 10_000;
  const buckets = new Map<string, Bucket>();

  function refill(bucket: Bucket, at: number): void {
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) * rate) / 1000);
    bucket.at = at;
  }

  function prune(at: number): void {
    for (const [id, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= burst) buckets.delete(id);
    }
    for (const id of buckets.keys()) {
      if (buckets.size <= maxPrincipals) break;
      buckets.delete(id);
    }
  }

  /** Takes `count` reads from the principal's bucket, or throws RATE_LIMITED. */
  function take(principal: Pick<Principal, 'id'>, count = 1): void {
    if (rate <= 0 || count <= 0) return;
    const at = now();
    let bucket = buckets.get(principal.id);
    if (bucket) refill(bucket, at);
    else {
      if (buckets.size >= maxPrincipals) prune(at);
      bucket = { tokens: burst, at };
      buckets.set(principal.id, bucket);
    }
    // More than a full bucket at once is allowed from a full bucket, and leaves a debt.
    const needed = Math.min(count, burst);
    if (bucket.tokens >= needed) {
      bucket.tokens -= count;
      return;
    }
    const retryAfterMs = Math.max(1, Math.ceil(((needed - bucket.tokens) * 1000) / rate));
    deps.metrics?.valueReadRateLimited();
    throw new RateLimitedError(`Too many secret value reads; try again in ${retryAfterMs} ms`, retryAfterMs);
  }

  return { take };
}

export type ValueReadLimiter = ReturnType<typeof createValueReadLimiter>;
