import { hash } from 'node:crypto';
import type { AuditEvent, UnchainedAuditEvent } from './audit-event.js';

/**
 * The audit chain, pure (no I/O): each event carries the hash of the one before it and its own
 * SHA-256 over that hash and its canonical content, so a changed, removed or reordered event
 * breaks every link after it.
 *
 * What an outside verifier implements (the `sgw audit verify` of an export uses this file):
 *
 *   hash = lowercase hex SHA-256 of  prevHash + "\n" + canonicalJson({
 *            id,                 // decimal string, e.g. "42"
 *            at,                 // ISO-8601 UTC with milliseconds, e.g. "2026-01-01T00:00:00.000Z"
 *            actor, action, outcome,
 *            target,             // JSON object as stored
 *            valueFingerprints,  // object key -> hex HMAC, or null
 *          })
 *
 * `canonicalJson` is JSON with no whitespace, object keys sorted (by UTF-16 code units) at every
 * level, members whose value is undefined left out, strings escaped as JSON.stringify does. The
 * first event's prevHash is 64 zeros (GENESIS_HASH); ids run 1, 2, 3 … with no gap; every event's
 * prevHash is the hash of the event before it. `prevHash`, `hash` and the storage-only
 * `published` flag are not hashed. Checkpoints sign (lastEventId, hash): checkpoint-signature.ts.
 */

/** The `prevHash` of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The last event of the chain: its id and hash. */
export interface AuditHead {
  lastId: number;
  lastHash: string;
}

/** The head of an empty chain. */
export const GENESIS_HEAD: AuditHead = { lastId: 0, lastHash: GENESIS_HASH };

/** Result of a verification: events that held, and the first id that did not (null when all did). */
export interface AuditChainReport {
  ok: boolean;
  checked: number;
  firstBrokenId: string | null;
}

/** Where a verification stands between pages: the last event that held, and the first break. */
export interface ChainProgress {
  head: AuditHead;
  checked: number;
  firstBrokenId: string | null;
}

/** A verification before any event. */
export const CHAIN_START: ChainProgress = { head: GENESIS_HEAD, checked: 0, firstBrokenId: null };

/** JSON with object keys sorted (by UTF-16 code units) at every level, so equal data always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  let out = '{';
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/** SHA-256 over the previous hash and the canonical event (without its own hashes). */
export function auditEventHash(prevHash: string, event: Omit<AuditEvent, 'prevHash' | 'hash'>): string {
  const body = canonicalJson({
    id: String(event.id),
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    outcome: event.outcome,
    target: event.target,
    valueFingerprints: event.valueFingerprints,
  });
  return hash('sha256', `${prevHash}\n${body}`);
}

/** Gives events the ids after `head` and links each to the hash before it, in order. */
export function linkAfter(head: AuditHead, events: readonly UnchainedAuditEvent[]): AuditEvent[] {
  let prevHash = head.lastHash;
  return events.map((base, index) => {
    const withId = { id: String(head.lastId + 1 + index), ...base };
    const event: AuditEvent = { ...withId, prevHash, hash: auditEventHash(prevHash, withId) };
    prevHash = event.hash;
    return event;
  });
}

/**
 * Checks that events continue the chain from `from`: each id the next one, each linked to the
 * hash before it and hashing to its own. Stops at the first break: a missing id is reported as
 * that id, a bad link or hash as the event's own id. A broken progress is returned unchanged.
 */
export function verifyLinks(events: readonly AuditEvent[], from: ChainProgress = CHAIN_START): ChainProgress {
  if (from.firstBrokenId !== null) return from;
  let { head, checked } = from;
  for (const event of events) {
    const id = Number(event.id);
    const expectedId = head.lastId + 1;
    if (id !== expectedId) return { head, checked, firstBrokenId: String(expectedId) };
    if (event.prevHash !== head.lastHash || auditEventHash(head.lastHash, event) !== event.hash) {
      return { head, checked, firstBrokenId: event.id };
    }
    head = { lastId: id, lastHash: event.hash };
    checked += 1;
  }
  return { head, checked, firstBrokenId: null };
}

/**
 * The report of a finished verification: the stored head must be the last event that held
 * (else the event after it is reported broken: the tail was cut or the head was moved).
 */
export function chainReport(progress: ChainProgress, storedHead: AuditHead): AuditChainReport {
  const { head, checked, firstBrokenId } = progress;
  if (firstBrokenId !== null) return { ok: false, checked, firstBrokenId };
  if (storedHead.lastId !== head.lastId || storedHead.lastHash !== head.lastHash) {
    return { ok: false, checked, firstBrokenId: String(head.lastId + 1) };
  }
  return { ok: true, checked, firstBrokenId: null };
}

/** Verifies a whole chain, from the genesis, held in memory, against its stored head. */
export function verifyChainOf(events: readonly AuditEvent[], storedHead: AuditHead): AuditChainReport {
  return chainReport(verifyLinks(events), storedHead);
}
