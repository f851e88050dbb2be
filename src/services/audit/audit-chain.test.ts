import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AuditHead,
  auditEventHash,
  CHAIN_START,
  canonicalJson,
  GENESIS_HASH,
  GENESIS_HEAD,
  linkAfter,
  verifyChainOf,
  verifyLinks,
} from './audit-chain.js';
import type { AuditEvent, UnchainedAuditEvent } from './audit-event.js';

function unchained(n: number): UnchainedAuditEvent {
  return {
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    actor: 'admin',
    action: 'secret.read',
    outcome: 'SUCCESS',
    target: { kind: 'secret', name: `s-${n}` },
    valueFingerprints: { k: `fp-${n}` },
  };
}

/** A chain of `count` events from the genesis, with the head it leaves. */
function chainOf(count: number): { events: AuditEvent[]; head: AuditHead } {
  const events = linkAfter(
    GENESIS_HEAD,
    Array.from({ length: count }, (_, i) => unchained(i + 1)),
  );
  const last = events[events.length - 1];
  return { events, head: last ? { lastId: Number(last.id), lastHash: last.hash } : GENESIS_HEAD };
}

describe('the documented hash format', () => {
  it('is SHA-256 of prevHash, a newline and the canonical JSON spelled out by hand', () => {
    const event = {
      id: '42',
      at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
      actor: 'token:ci',
      action: 'secret.update' as const,
      outcome: 'SUCCESS' as const,
      target: {
        name: 'db',
        kind: 'secret',
        keys: ['b', 'a'],
        extra: undefined,
        nested: { z: 1, ä: true, A: null },
      },
      valueFingerprints: null,
    };
    const body =
      '{"action":"secret.update","actor":"token:ci","at":"2026-01-02T03:04:05.006Z","id":"42","outcome":"SUCCESS",' +
      '"target":{"keys":["b","a"],"kind":"secret","name":"db","nested":{"A":null,"z":1,"ä":true}},"valueFingerprints":null}';
    const expected = createHash('sha256')
      .update(`${'f'.repeat(64)}\n${body}`, 'utf8')
      .digest('hex');
    expect(auditEventHash('f'.repeat(64), event)).toBe(expected);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: null }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"e":null,"f":1}]},"b":1}',
    );
  });

  it('writes dates as ISO strings', () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('linkAfter', () => {
  it('numbers events after the head and links each to the hash before it', () => {
    const events = linkAfter({ lastId: 41, lastHash: 'f'.repeat(64) }, [unchained(1), unchained(2)]);
    expect(events.map((e) => e.id)).toEqual(['42', '43']);
    expect(events[0].prevHash).toBe('f'.repeat(64));
    expect(events[1].prevHash).toBe(events[0].hash);
    expect(events[0].hash).toBe(auditEventHash('f'.repeat(64), { ...unchained(1), id: '42' }));
  });

  it('starts an empty chain from the genesis hash', () => {
    const [first] = linkAfter(GENESIS_HEAD, [unchained(1)]);
    expect(first.id).toBe('1');
    expect(first.prevHash).toBe(GENESIS_HASH);
  });

  it('links nothing for no events', () => {
    expect(linkAfter(GENESIS_HEAD, [])).toEqual([]);
  });
});

describe('auditEventHash', () => {
  it('is the same for equal events whatever their key order, and differs for any changed field', () => {
    const event = { ...unchained(1), id: '1' };
    const reordered = {
      valueFingerprints: { k: 'fp-1' },
      target: { name: 's-1', kind: 'secret' },
      outcome: event.outcome,
      action: event.action,
      actor: event.actor,
      at: event.at,
      id: event.id,
    };
    expect(auditEventHash(GENESIS_HASH, reordered)).toBe(auditEventHash(GENESIS_HASH, event));
    const base = auditEventHash(GENESIS_HASH, event);
    expect(auditEventHash(GENESIS_HASH, { ...event, actor: 'other' })).not.toBe(base);
    expect(auditEventHash(GENESIS_HASH, { ...event, id: '2' })).not.toBe(base);
    expect(auditEventHash(GENESIS_HASH, { ...event, outcome: 'DENIED' })).not.toBe(base);
    expect(auditEventHash(GENESIS_HASH, { ...event, valueFingerprints: null })).not.toBe(base);
    expect(auditEventHash('1'.repeat(64), event)).not.toBe(base);
  });
});

describe('verifyChainOf', () => {
  it('accepts an intact chain ending at the stored head', () => {
    const { events, head } = chainOf(5);
    expect(verifyChainOf(events, head)).toEqual({ ok: true, checked: 5, firstBrokenId: null });
  });

  it('accepts the empty chain at the genesis head', () => {
    expect(verifyChainOf([], GENESIS_HEAD)).toEqual({ ok: true, checked: 0, firstBrokenId: null });
  });

  it('reports a changed event by its id', () => {
    const { events, head } = chainOf(5);
    events[2] = { ...events[2], target: { kind: 'secret', name: 'forged' } };
    expect(verifyChainOf(events, head)).toEqual({ ok: false, checked: 2, firstBrokenId: '3' });
  });

  it('reports a changed event whose hash was recomputed at the next link', () => {
    const { events, head } = chainOf(5);
    const forged = { ...events[2], actor: 'intruder' };
    events[2] = { ...forged, hash: auditEventHash(forged.prevHash, forged) };
    expect(verifyChainOf(events, head)).toEqual({ ok: false, checked: 3, firstBrokenId: '4' });
  });

  it('reports a removed event as the missing id', () => {
    const { events, head } = chainOf(5);
    events.splice(1, 1);
    expect(verifyChainOf(events, head)).toEqual({ ok: false, checked: 1, firstBrokenId: '2' });
  });

  it('reports reordered events at the first place the order breaks', () => {
    const { events, head } = chainOf(5);
    [events[1], events[3]] = [events[3], events[1]];
    expect(verifyChainOf(events, head)).toEqual({ ok: false, checked: 1, firstBrokenId: '2' });
  });

  it('reports swapped contents under kept ids by the first event whose hash fails', () => {
    const { events, head } = chainOf(4);
    const second = { ...events[2], id: events[1].id };
    const third = { ...events[1], id: events[2].id };
    events[1] = second;
    events[2] = third;
    expect(verifyChainOf(events, head)).toEqual({ ok: false, checked: 1, firstBrokenId: '2' });
  });

  it('reports a cut tail (or a head moved past the events) at the id after the last event', () => {
    const { events, head } = chainOf(5);
    expect(verifyChainOf(events.slice(0, 3), head)).toEqual({ ok: false, checked: 3, firstBrokenId: '4' });
    expect(verifyChainOf(events, { ...head, lastHash: 'e'.repeat(64) })).toEqual({
      ok: false,
      checked: 5,
      firstBrokenId: '6',
    });
  });
});

describe('verifyLinks across pages', () => {
  it('carries progress from one page to the next, as the whole sequence would', () => {
    const { events } = chainOf(7);
    const paged = verifyLinks(events.slice(4), verifyLinks(events.slice(0, 4)));
    expect(paged).toEqual(verifyLinks(events));
    expect(paged).toMatchObject({ checked: 7, firstBrokenId: null, head: { lastId: 7 } });
  });

  it('keeps the first break once found', () => {
    const { events } = chainOf(6);
    const broken = verifyLinks([events[0], events[2]], CHAIN_START);
    expect(broken.firstBrokenId).toBe('2');
    expect(verifyLinks(events.slice(3), broken)).toBe(broken);
  });
});
