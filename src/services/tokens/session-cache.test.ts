import { describe, expect, it } from 'vitest';
import { createSessionCache, type Session } from './session-cache.js';

const session = (tokenId: string, principalId = 'p1'): Session => ({
  principal: { id: principalId, name: principalId, role: 'WRITER' },
  tokenId,
});

function cacheAt(options: { enabled?: boolean; connected?: () => boolean } = {}) {
  let clock = 0;
  const cache = createSessionCache({
    enabled: options.enabled ?? true,
    isConnected: options.connected ?? (() => true),
    ttlMs: 1000,
    maxEntries: 2,
    now: () => clock,
  });
  return { cache, advance: (ms: number) => (clock += ms) };
}

describe('session cache', () => {
  it('serves a kept session until its TTL, then asks again', () => {
    const { cache, advance } = cacheAt();
    cache.put('h1', session('t1'), cache.mark());
    expect(cache.get('h1')?.tokenId).toBe('t1');
    advance(999);
    expect(cache.get('h1')).toBeDefined();
    advance(1);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('a revocation drops the token, a role change every token of the principal', () => {
    const { cache } = cacheAt();
    cache.put('h1', session('t1', 'p1'), cache.mark());
    cache.put('h2', session('t2', 'p2'), cache.mark());
    cache.apply({ kind: 'token.revoked', tokenId: 't1' });
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')).toBeDefined();
    cache.apply({ kind: 'principal.role', principalId: 'p2', role: 'READER' });
    expect(cache.get('h2')).toBeUndefined();
  });

  it('a lookup begun before a change is not kept (it may have read the row before the change)', () => {
    const { cache } = cacheAt();
    const mark = cache.mark();
    cache.apply({ kind: 'token.revoked', tokenId: 'other' });
    cache.put('h1', session('t1'), mark);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('while the bus is down nothing is served nor kept, and what was kept is forgotten', () => {
    let connected = true;
    const { cache } = cacheAt({ connected: () => connected });
    cache.put('h1', session('t1'), cache.mark());
    connected = false;
    expect(cache.get('h1')).toBeUndefined();
    cache.put('h2', session('t2'), cache.mark());
    connected = true;
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')).toBeUndefined();
    expect(cache.size()).toBe(0);
  });

  it('a lookup begun while the bus was down is not kept once it is back', () => {
    let connected = false;
    const { cache } = cacheAt({ connected: () => connected });
    const mark = cache.mark();
    expect(cache.get('h1')).toBeUndefined(); // notices the bus is down
    connected = true;
    cache.put('h1', session('t1'), mark);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('disabled: keeps nothing; full: the oldest goes first', () => {
    const off = cacheAt({ enabled: false }).cache;
    off.put('h1', session('t1'), off.mark());
    expect(off.get('h1')).toBeUndefined();
    const { cache } = cacheAt();
    for (const h of ['h1', 'h2', 'h3']) cache.put(h, session(h), cache.mark());
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h3')).toBeDefined();
    expect(cache.size()).toBe(2);
  });
});
