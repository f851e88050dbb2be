import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditEventHash, GENESIS_HEAD, linkAfter } from '../services/audit/audit-chain.js';
import type { AuditEvent } from '../services/audit/audit-event.js';
import {
  checkpointText,
  rawPublicKeyOf,
  signCheckpoint,
  signingKeyFromSeed,
} from '../services/audit/checkpoint-signature.js';
import { type AuditExport, parseAuditExport, verifyAuditExport } from './audit-export-verification.js';

// RFC 8032, section 7.1, TEST 1: the seed and its public key.
const RFC_SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
const RFC_PUBLIC = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
const key = signingKeyFromSeed(RFC_SEED);
const publicKey = rawPublicKeyOf(key);

function eventsOf(count: number): AuditEvent[] {
  return linkAfter(
    GENESIS_HEAD,
    Array.from({ length: count }, (_, i) => ({
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      actor: 'admin',
      action: 'secret.read',
      outcome: 'SUCCESS' as const,
      target: { kind: 'secret', name: `s-${i + 1}` },
      valueFingerprints: null,
    })),
  );
}

/** An export of `events` with a checkpoint at each of `at` (event ids), as JSON lines. */
function exportOf(events: AuditEvent[], at: number[]): string {
  const lines: unknown[] = events.map((e) => ({ ...e, at: e.at.toISOString() }));
  at.forEach((id, i) => {
    const hash = eventsOf(25)[id - 1].hash;
    lines.push({
      id: String(i + 1),
      lastEventId: String(id),
      lastHash: hash,
      at: '2026-01-01T00:00:00.000Z',
      signature: signCheckpoint(key, id, hash),
    });
  });
  lines.push({ auditPublicKey: publicKey });
  return lines.map((l) => JSON.stringify(l)).join('\n');
}

const check = (text: string) => verifyAuditExport(parseAuditExport(text), publicKey);

describe('checkpoint signatures', () => {
  it('builds the Ed25519 key from the 32-byte seed (RFC 8032 test 1) and signs the v1 text', () => {
    expect(Buffer.from(publicKey, 'base64')).toEqual(RFC_PUBLIC);
    expect(checkpointText(42, 'ab')).toBe('sgw-audit-checkpoint/v1\n42\nab');
    const signature = Buffer.from(signCheckpoint(key, 42, 'ab'), 'base64');
    // An outside verifier: the public key as a JWK, node:crypto's own Ed25519 verify.
    const outside = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: RFC_PUBLIC.toString('base64url') },
      format: 'jwk',
    });
    expect(verify(null, Buffer.from('sgw-audit-checkpoint/v1\n42\nab'), outside, signature)).toBe(true);
    expect(verify(null, Buffer.from('sgw-audit-checkpoint/v1\n43\nab'), outside, signature)).toBe(false);
  });
});

describe('offline verification of an export', () => {
  const events = eventsOf(25);

  it('accepts an intact export and counts the unsigned tail', () => {
    expect(check(exportOf(events, [10, 20, 25]))).toMatchObject({
      ok: true,
      events: 25,
      unsignedTrailing: 0,
    });
    expect(check(exportOf(events, [10, 20]))).toMatchObject({
      ok: true,
      unsignedTrailing: 5,
      lastCheckpointEventId: '20',
    });
    expect(check(exportOf(events.slice(12), [20]))).toMatchObject({ ok: true, firstEventId: '13' });
  });

  it('refuses an export no checkpoint covers, and a checkpoint signed by another key', () => {
    expect(check(exportOf(events, []))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/no event/),
    });
    const file: AuditExport = parseAuditExport(exportOf(events, [10, 20]));
    file.checkpoints[1].signature = signCheckpoint(
      signingKeyFromSeed(Buffer.alloc(32, 7)),
      20,
      events[19].hash,
    );
    expect(verifyAuditExport(file, publicKey)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/signature/),
    });
  });

  it('names the first bad event: edited, removed, reordered, rewritten, cut', () => {
    const edited = events.map((e) => (e.id === '7' ? { ...e, actor: 'mallory' } : e));
    expect(check(exportOf(edited, [20]))).toMatchObject({ ok: false, firstBrokenId: '7' });
    const removed = events.filter((e) => e.id !== '8');
    expect(check(exportOf(removed, [])).firstBrokenId).toBe('8');
    const swapped = [...events];
    [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
    expect(check(exportOf(swapped, [20])).firstBrokenId).toBe('4');
    // Rewritten with every later hash recomputed: only the signed checkpoints can tell.
    const rewritten = linkAfter(
      GENESIS_HEAD,
      edited.map(({ id, prevHash, hash, ...rest }) => rest),
    );
    const file = parseAuditExport(exportOf(events, [10, 20]));
    file.events = rewritten;
    expect(auditEventHash(rewritten[5].hash, rewritten[6])).toBe(rewritten[6].hash);
    expect(verifyAuditExport(file, publicKey)).toMatchObject({ ok: false, firstBrokenId: '1' });
    // The same after the checkpoint at 10: placed between the checkpoints at 10 and 20.
    const late = events.map((e) => (e.id === '15' ? { ...e, outcome: 'DENIED' as const } : e));
    const after10 = parseAuditExport(exportOf(events, [10, 20]));
    after10.events = [
      ...events.slice(0, 10),
      ...linkAfter(
        { lastId: 10, lastHash: events[9].hash },
        late.slice(10).map(({ id, prevHash, hash, ...rest }) => rest),
      ),
    ];
    expect(verifyAuditExport(after10, publicKey)).toMatchObject({ ok: false, firstBrokenId: '11' });
    const cut = parseAuditExport(exportOf(events, [10, 20]));
    cut.events = events.slice(0, 15);
    expect(verifyAuditExport(cut, publicKey)).toMatchObject({ ok: false, firstBrokenId: '16' });
  });
});
