import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClientAddress } from './client-address.js';

/** What yoga's context holds of a Node request: its socket's address and its headers. */
function from(remoteAddress: string, forwardedFor?: string) {
  const req = {
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
  return { req };
}

describe('client address', () => {
  it("is the socket's address, whatever X-Forwarded-For says, when no proxy is trusted", () => {
    const addressOf = createClientAddress([]);
    expect(addressOf(from('198.51.100.9', '203.0.113.1'))).toBe('198.51.100.9');
  });

  it('is the last untrusted X-Forwarded-For hop behind a trusted proxy', () => {
    const addressOf = createClientAddress(['10.0.0.0/8', '192.0.2.10']);
    // A client-chosen first entry is ignored: the proxies append what they saw.
    expect(addressOf(from('10.1.2.3', '6.6.6.6, 203.0.113.1, 192.0.2.10'))).toBe('203.0.113.1');
    expect(addressOf(from('::ffff:10.1.2.3', '203.0.113.2'))).toBe('203.0.113.2');
    expect(addressOf(from('10.1.2.3'))).toBe('10.1.2.3');
  });

  it('ignores X-Forwarded-For from an address that is not a trusted proxy', () => {
    const addressOf = createClientAddress(['10.0.0.0/8']);
    expect(addressOf(from('198.51.100.9', '10.0.0.1'))).toBe('198.51.100.9');
  });

  it('reads the upgrade request of a graphql-ws connection', () => {
    const addressOf = createClientAddress([]);
    expect(addressOf({ extra: { request: from('198.51.100.9').req } })).toBe('198.51.100.9');
    expect(addressOf({})).toBeUndefined();
  });
});
