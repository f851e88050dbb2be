import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so equal data always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
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
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}
