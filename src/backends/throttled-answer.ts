import type { Throttling } from './throttle-retry.js';

/**
 * What counts as a throttled answer on each wire (for throttle-retry.ts), and the wait it asks
 * for: AWS error names, gRPC RESOURCE_EXHAUSTED, HTTP 429 with its `Retry-After`.
 */

/** AWS's names of "too many requests" (Secrets Manager answers `ThrottlingException`, HTTP 400). */
const AWS_THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const GRPC_RESOURCE_EXHAUSTED = 8;

type Answer = {
  name?: unknown;
  code?: unknown;
  details?: unknown;
  metadata?: unknown;
  $metadata?: { httpStatusCode?: unknown };
};

const asAnswer = (error: unknown): Answer => (typeof error === 'object' && error !== null ? error : {});

/** An AWS SDK error that says the caller is throttled. */
export function awsThrottling(error: unknown): Throttling | undefined {
  const answer = asAnswer(error);
  const throttled =
    (typeof answer.name === 'string' && AWS_THROTTLING_NAMES.has(answer.name)) ||
    answer.$metadata?.httpStatusCode === 429;
  return throttled ? {} : undefined;
}

/** A gRPC error with status RESOURCE_EXHAUSTED (quota or rate exceeded). */
export function grpcThrottling(error: unknown): Throttling | undefined {
  const answer = asAnswer(error);
  const isGrpc = 'details' in answer || 'metadata' in answer;
  return isGrpc && answer.code === GRPC_RESOURCE_EXHAUSTED ? {} : undefined;
}

/**
 * The wait a `Retry-After` value asks for, in ms: whole seconds or an HTTP date (a past date: 0);
 * undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** An HTTP answer with status 429, with the wait its `Retry-After` header asks for. */
export function httpThrottling(
  status: number | undefined,
  retryAfter?: string | null,
): Throttling | undefined {
  if (status !== 429) return undefined;
  const wait = retryAfterMs(retryAfter);
  return wait === undefined ? {} : { retryAfterMs: wait };
}
