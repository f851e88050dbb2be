import { describe, expect, it } from 'vitest';
import { retryDelay } from './retry-backoff.js';

describe('retryDelay', () => {
  it('doubles from 250 ms, between half and all of the step', () => {
    expect(retryDelay(1, 30_000, () => 0)).toBe(125);
    expect(retryDelay(1, 30_000, () => 1)).toBe(250);
    expect(retryDelay(3, 30_000, () => 1)).toBe(1000);
    expect(retryDelay(3, 30_000, () => 0)).toBe(500);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(retryDelay(12, 30_000, () => 1)).toBe(30_000);
    expect(retryDelay(10_000, 2000, () => 1)).toBe(2000);
    expect(retryDelay(10_000, 2000, () => 0)).toBe(1000);
  });
});
