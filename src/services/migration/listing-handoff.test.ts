import { describe, expect, it } from 'vitest';
import { createListingHandoff } from './listing-handoff.js';

const listing = () => new Map([['zenml/global/db', { zenml_scope: 'global' }]]);

describe('listing handoff', () => {
  it('gives a kept listing once, to its own job only', () => {
    const handoff = createListingHandoff();
    const kept = listing();
    handoff.keep('job-1', kept);
    expect(handoff.take('job-2')).toBeUndefined();
    expect(handoff.take('job-1')).toBe(kept);
    expect(handoff.take('job-1')).toBeUndefined();
  });

  it('gives nothing once the listing is older than the maximum age', () => {
    let now = 1_000;
    const handoff = createListingHandoff(60_000, () => now);
    const young = listing();
    handoff.keep('old', listing());
    now += 30_000;
    handoff.keep('young', young);
    now += 30_001;
    expect(handoff.take('old')).toBeUndefined();
    expect(handoff.take('young')).toBe(young);
  });
});
