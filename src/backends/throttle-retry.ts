import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Throttled back-end calls, retried with exponential backoff and full jitter within a bound.
 *
 * Every adapter wraps each call it makes to its SDK in `retryThrottled` with its wire's test of a
 * throttled answer (throttled-answer.ts: AWS `ThrottlingException`, gRPC `RESOURCE_EXHAUSTED`,
 * HTTP 429 and its `Retry-After`); the SDK's own retry of throttling is off, so attempts are not
 * multiplied (AWS: aws-retry-strategy.ts keeps one retry of transient failures only; GCP: no gax
 * retries; Azure: azure-throttle-policy.ts retries inside the pipeline and the SDK's throttling
 * strategy never sees a Retry-After; Vault: node-vault has no retry).
 *
 * Only throttling is retried. A throttled request was refused before the back-end did anything,
 * so repeating it, even a create, cannot meet the effect of an earlier attempt: an "already
 * exists" on a retry is another writer's entry and stays the caller's answer.
 *
 * The bound: `maxAttempts` attempts, no wait past `maxTotalMs` from the first attempt, and never
 * past the deadline of the guarded back-end call it runs in (guard-backend.ts sets it with
 * `withCallDeadline`), so no retry starts after the caller was told the call timed out. When a
 * wait would cross the bound, the last throttled error is thrown at once, for the guard to map
 * (BACKEND_ERROR "the back-end is throttling requests"; nothing of the answer passed on).
 */

export interface ThrottleRetryBounds {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** No wait ends later than this after the first attempt. */
  maxTotalMs: number;
  /** The ceiling of the first wait; doubles each retry (full jitter: a random wait below it). */
  baseDelayMs: number;
  /** The highest ceiling of one backoff wait. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is waited only this long. */
  maxRetryAfterMs: number;
}

export const DEFAULT_THROTTLE_RETRY: ThrottleRetryBounds = {
  maxAttempts: 8,
  maxTotalMs: 20_000,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 10_000,
};

/** A throttled answer: how long it asked to wait, when it said. */
export interface Throttling {
  retryAfterMs?: number;
}

/** A wire's test of a throttled answer: undefined for any other outcome. */
export type ThrottleCheck = (error: unknown) => Throttling | undefined;

/** How an adapter retries: its bounds (tests make them small), and the randomness of the jitter. */
export interface ThrottleRetry {
  bounds: ThrottleRetryBounds;
  random: () => number;
}

/** An adapter's retry settings from its options' partial bounds. */
export function throttleRetry(bounds: Partial<ThrottleRetryBounds> = {}): ThrottleRetry {
  return { bounds: { ...DEFAULT_THROTTLE_RETRY, ...bounds }, random: Math.random };
}

/** What the enclosing back-end call says: its deadline (guard) and who counts retries (metrics). */
interface CallContext {
  deadlineAt?: number;
  onThrottled?: () => void;
}

const callContext = new AsyncLocalStorage<CallContext>();

/** Runs `run` so that no throttled retry inside it waits past `deadlineAt` (epoch ms) or an enclosing deadline. */
export function withCallDeadline<T>(deadlineAt: number, run: () => Promise<T>): Promise<T> {
  const outer = callContext.getStore();
  return callContext.run({ ...outer, deadlineAt: Math.min(deadlineAt, outer?.deadlineAt ?? Infinity) }, run);
}

/** Runs `run` so that `onThrottled` hears of every throttled answer inside it (retried or not). */
export function observingThrottles<T>(onThrottled: () => void, run: () => Promise<T>): Promise<T> {
  return callContext.run({ ...callContext.getStore(), onThrottled }, run);
}

/** The wait before retry number `retry` (1 = the first): full jitter, or the capped Retry-After if longer. */
export function backoffDelay(retry: number, throttling: Throttling, settings: ThrottleRetry): number {
  const { bounds } = settings;
  const ceiling = Math.min(bounds.maxDelayMs, bounds.baseDelayMs * 2 ** (retry - 1));
  const jitter = Math.floor(settings.random() * ceiling);
  if (throttling.retryAfterMs === undefined) return jitter;
  return Math.max(jitter, Math.min(Math.max(0, throttling.retryAfterMs), bounds.maxRetryAfterMs));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call`, retrying it while `throttledBy` says its error is throttling, within the bound. */
export async function retryThrottled<T>(
  call: () => Promise<T>,
  throttledBy: ThrottleCheck,
  settings: ThrottleRetry,
): Promise<T> {
  const context = callContext.getStore();
  const started = Date.now();
  const deadline = Math.min(started + settings.bounds.maxTotalMs, context?.deadlineAt ?? Infinity);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const throttling = throttledBy(error);
      if (!throttling) throw error;
      context?.onThrottled?.();
      if (attempt >= settings.bounds.maxAttempts) throw error;
      const delay = backoffDelay(attempt, throttling, settings);
      if (Date.now() + delay >= deadline) throw error;
      await sleep(delay);
    }
  }
}
