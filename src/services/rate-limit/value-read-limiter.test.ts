import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { createValueReadLimiter } from './value-read-limiter.js';

const alice = { id: 'alice' };
const bob = { id: 'bob' };

function refusal(take: () => void): AppError | undefined {
  try {
    take();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  return undefined;
}

describe('value read limiter', () => {
  it('lets a burst through, then refuses with RATE_LIMITED and when to retry', () => {
    let now = 0;
    const limiter = createValueReadLimiter({ readsPerSecond: 10, burst: 3, now: () => now });
    for (let i = 0; i < 3; i += 1) limiter.take(alice);
    const refused = refusal(() => limiter.take(alice));
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.extensions.retryAfterMs).toBe(100);
    now += 100;
    expect(refusal(() => limiter.take(alice))).toBeUndefined();
  });

  it('keeps one bucket per principal', () => {
    const limiter = createValueReadLimiter({ readsPerSecond: 1, burst: 2, now: () => 0 });
    limiter.take(alice, 2);
    expect(refusal(() => limiter.take(alice))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => limiter.take(bob, 2))).toBeUndefined();
  });

  it('refills at the rate up to the burst, not beyond', () => {
    let now = 0;
    const limiter = createValueReadLimiter({ readsPerSecond: 2, burst: 4, now: () => now });
    limiter.take(alice, 4);
    now += 60_000;
    limiter.take(alice, 4);
    expect(refusal(() => limiter.take(alice))?.extensions.retryAfterMs).toBe(500);
  });

  it('charges several reads at once (a list), and a request larger than the burst from a full bucket', () => {
    let now = 0;
    const limiter = createValueReadLimiter({ readsPerSecond: 10, burst: 5, now: () => now });
    limiter.take(alice, 8);
    // 3 reads in debt: the next read waits for 4 tokens.
    expect(refusal(() => limiter.take(alice))?.extensions.retryAfterMs).toBe(400);
    now += 400;
    expect(refusal(() => limiter.take(alice))).toBeUndefined();
  });

  it('is off at 0 reads per second', () => {
    const limiter = createValueReadLimiter({ readsPerSecond: 0, burst: 1, now: () => 0 });
    for (let i = 0; i < 1000; i += 1) limiter.take(alice);
  });

  it('forgets idle principals when it holds too many', () => {
    let now = 0;
    const limiter = createValueReadLimiter({ readsPerSecond: 1, burst: 1, now: () => now, maxPrincipals: 2 });
    limiter.take({ id: 'a' });
    limiter.take({ id: 'b' });
    now += 5_000;
    limiter.take({ id: 'c' }); // a and b have refilled: dropped
    limiter.take({ id: 'a' }); // a fresh, full bucket
    expect(refusal(() => limiter.take({ id: 'c' }))?.code).toBe('RATE_LIMITED');
  });
});
