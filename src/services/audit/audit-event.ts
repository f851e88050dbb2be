import type { AuditAction } from './audit-action.js';

/** Outcome of an audited attempt. */
export type AuditOutcome = 'SUCCESS' | 'DENIED' | 'ERROR';

/** One committed audit event, as stored and as published (API.md AuditEvent). */
export interface AuditEvent {
  id: string;
  at: Date;
  actor: string;
  action: string;
  outcome: AuditOutcome;
  target: Record<string, unknown>;
  valueFingerprints: Record<string, string> | null;
  prevHash: string;
  hash: string;
}

/** An event before it is chained: everything but its id and hashes. */
export type UnchainedAuditEvent = Omit<AuditEvent, 'id' | 'prevHash' | 'hash'>;

/** What a service records; the audit service adds id, time, fingerprints and the chain. */
export interface AuditEntry {
  actor: string;
  action: AuditAction;
  outcome?: AuditOutcome;
  /** kind, name, scope, componentId, stack, keys …; never values. */
  target: Record<string, unknown>;
  /** Values accessed or changed: only their HMAC fingerprints are stored. */
  values?: Record<string, string>;
}

/** What a reader asks for; every given field must match (`actions`: any of them). */
export interface AuditFilter {
  actions?: string[] | null;
  actor?: string | null;
  secretName?: string | null;
  migrationId?: string | null;
  since?: Date | null;
}

/** The JSON form published on Redis and sent to subscribers (`id` as a string). */
export interface AuditEventMessage {
  id: string;
  at: string;
  actor: string;
  action: string;
  outcome: AuditOutcome;
  target: Record<string, unknown>;
  valueFingerprints: Record<string, string> | null;
  prevHash: string;
  hash: string;
}

/** An event as its JSON message (`at` as an ISO string). */
export function toAuditMessage(event: AuditEvent): AuditEventMessage {
  return { ...event, at: event.at.toISOString() };
}

/** A message from the bus back as an event. */
export function fromAuditMessage(message: AuditEventMessage): AuditEvent {
  return { ...message, id: String(message.id), at: new Date(message.at) };
}

/** Whether an event passes a filter (the same rules as the SQL query). */
export function auditEventMatches(event: AuditEvent, filter: AuditFilter | null | undefined): boolean {
  if (!filter) return true;
  if (filter.actions?.length && !filter.actions.includes(event.action)) return false;
  if (filter.actor && event.actor !== filter.actor) return false;
  if (filter.since && event.at < filter.since) return false;
  if (filter.migrationId && event.target.migrationId !== filter.migrationId) return false;
  if (filter.secretName) {
    const secrets = Array.isArray(event.target.secrets)
      ? (event.target.secrets as Array<{ name?: unknown }>)
      : [];
    if (event.target.name !== filter.secretName && !secrets.some((s) => s.name === filter.secretName))
      return false;
  }
  return true;
}
