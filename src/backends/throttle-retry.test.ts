import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_THROTTLE_RETRY,
  observingThrottles,
  retryThrottled,
  type ThrottleRetry,
  throttleRetry,
  withCallDeadline,
} from './throttle-retry.js';
import { awsThrottling, grpcThrottling, httpThrottling, retryAfterMs } from './throttled-answer.js';

const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const other = Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' });

/** A call that fails with `errors` in turn, then answers `ok`; counts its attempts. */
function callFailing(errors: Error[]) {
  const state = { attempts: 0 };
  const call = async () => {
    const error = errors[state.attempts++];
    if (error) throw error;
    return 'ok';
  };
  return { state, call };
}

const small = (bounds: Partial<ThrottleRetry['bounds']> = {}): ThrottleRetry =>
  throttleRetry({ baseDelayMs: 1, maxDelayMs: 4, ...bounds });

describe('backoffDelay', () => {
  it('draws a full-jitter wait below a doubling ceiling, capped at maxDelayMs', () => {
    const settings = { bounds: DEFAULT_THROTTLE_RETRY, random: () => 0.999 };
    expect([1, 2, 3, 4, 6, 7, 8, 20].map((retry) => backoffDelay(retry, {}, settings))).toEqual([
      99, 199, 399, 799, 3196, 4995, 4995, 4995,
    ]);
    expect(backoffDelay(5, {}, { ...settings, random: () => 0 })).toBe(0);
  });

  it('waits at least the Retry-After asked, up to maxRetryAfterMs', () => {
    const settings = { bounds: DEFAULT_THROTTLE_RETRY, random: () => 0.5 };
    expect(backoffDelay(1, { retryAfterMs: 2_000 }, settings)).toBe(2_000);
    expect(backoffDelay(1, { retryAfterMs: 60_000 }, settings)).toBe(DEFAULT_THROTTLE_RETRY.maxRetryAfterMs);
    expect(backoffDelay(8, { retryAfterMs: 0 }, settings)).toBe(2_500);
  });
});

describe('retryThrottled', () => {
  it('retries throttled answers until one succeeds', async () => {
    const { state, call } = callFailing([throttled, throttled, throttled]);
    expect(await retryThrottled(call, awsThrottling, small())).toBe('ok');
    expect(state.attempts).toBe(4);
  });

  it('does not retry any other error', async () => {
    const { state, call } = callFailing([other]);
    await expect(retryThrottled(call, awsThrottling, small())).rejects.toBe(other);
    expect(state.attempts).toBe(1);
  });

  it('stops after maxAttempts with the last throttled error', async () => {
    const { state, call } = callFailing(Array(20).fill(throttled));
    await expect(retryThrottled(call, awsThrottling, small({ maxAttempts: 5 }))).rejects.toBe(throttled);
    expect(state.attempts).toBe(5);
  });

  it('stops, without waiting, when a wait would end past maxTotalMs or the call deadline', async () => {
    const slow = small({ baseDelayMs: 400, maxDelayMs: 400 });
    const wait = { ...slow, random: () => 0.99 };
    const bounded = callFailing(Array(20).fill(throttled));
    const started = Date.now();
    await expect(
      retryThrottled(bounded.call, awsThrottling, { ...wait, bounds: { ...wait.bounds, maxTotalMs: 1_000 } }),
    ).rejects.toBe(throttled);
    expect(bounded.state.attempts).toBe(3);
    const deadlined = callFailing(Array(20).fill(throttled));
    const run = () => retryThrottled(deadlined.call, awsThrottling, wait);
    await expect(withCallDeadline(Date.now() + 500, run)).rejects.toBe(throttled);
    expect(deadlined.state.attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('tells the enclosing observer of every throttled answer', async () => {
    let seen = 0;
    const { call } = callFailing([throttled, throttled]);
    await observingThrottles(
      () => seen++,
      () => retryThrottled(call, awsThrottling, small()),
    );
    expect(seen).toBe(2);
  });
});

describe('throttled answers', () => {
  it('knows AWS, gRPC and HTTP throttling, and nothing else', () => {
    expect(awsThrottling(throttled)).toEqual({});
    expect(awsThrottling({ name: 'X', $metadata: { httpStatusCode: 429 } })).toEqual({});
    expect(awsThrottling(other)).toBeUndefined();
    expect(grpcThrottling({ code: 8, details: 'quota', metadata: {} })).toEqual({});
    expect(grpcThrottling({ code: 14, details: 'down', metadata: {} })).toBeUndefined();
    expect(grpcThrottling({ code: 8 })).toBeUndefined();
    expect(httpThrottling(429, '3')).toEqual({ retryAfterMs: 3_000 });
    expect(httpThrottling(429)).toEqual({});
    expect(httpThrottling(503, '3')).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:05 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
