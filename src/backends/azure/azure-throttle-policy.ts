import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';
import { retryThrottled, type ThrottleRetry, type Throttling } from '../throttle-retry.js';
import { httpThrottling } from '../throttled-answer.js';

/** The headers Azure services say how long to wait in: milliseconds first, then Retry-After. */
const MS_HEADERS = ['retry-after-ms', 'x-ms-retry-after-ms'];
const RETRY_AFTER_HEADERS = [...MS_HEADERS, 'retry-after'];

/** A 429 response, thrown so that retryThrottled sees it. */
class ThrottledResponse extends Error {
  constructor(readonly response: PipelineResponse) {
    super('HTTP 429');
  }
}

/** A 429's wait: `retry-after-ms` (or `x-ms-retry-after-ms`) when given, else `Retry-After`. */
function throttlingOf(error: unknown): Throttling | undefined {
  if (!(error instanceof ThrottledResponse)) return undefined;
  const { headers } = error.response;
  for (const name of MS_HEADERS) {
    const ms = Number(headers.get(name));
    if (headers.get(name) && Number.isFinite(ms) && ms >= 0) return { retryAfterMs: ms };
  }
  return httpThrottling(429, headers.get('retry-after'));
}

/**
 * The Key Vault client's retry of HTTP 429 (Key Vault's throttling), with throttle-retry.ts:
 * backoff with full jitter, `Retry-After` honoured up to the bound's cap, within the bound. It sits
 * inside the SDK's own retry loop ('perRetry'), which keeps retrying transient failures (5xx,
 * network) as before; the 429 it gives up on goes on without its Retry-After headers, so the SDK's
 * throttling strategy (which acts only on a 429/503 that has one) does not start another round.
 * A throttled request was not carried out, so repeating a setSecret can't meet itself.
 */
export function throttleRetryPolicy(retry: ThrottleRetry): PipelinePolicy {
  return {
    name: 'sgwThrottleRetry',
    async sendRequest(request, next) {
      try {
        return await retryThrottled(
          async () => {
            const response = await next(request);
            if (response.status === 429) throw new ThrottledResponse(response);
            return response;
          },
          throttlingOf,
          retry,
        );
      } catch (error) {
        if (!(error instanceof ThrottledResponse)) throw error;
        for (const name of RETRY_AFTER_HEADERS) error.response.headers.delete(name);
        return error.response;
      }
    },
  };
}
