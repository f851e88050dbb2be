import { sql } from 'kysely';
import type { Executor } from '../../database/database.js';
import type { AuditEventRow } from '../../database/tables/audit-events-table.js';
import type { AuditEvent } from './audit-event.js';
import { auditEventFromRow } from './audit-repository.js';

// Events committed but not yet on the live feed: their ids in `audit_unpublished` (migration
// 0012), listed by the statement that appends them (audit-repository.ts), deleted once sent.

/** Events not yet published on the live feed (up to id `upTo`, if given), oldest first, locked for this relay. */
export async function claimUnpublishedAuditEvents(
  trx: Executor,
  limit: number,
  upTo?: number,
): Promise<AuditEvent[]> {
  const upToPart = upTo === undefined ? sql`` : sql`where u.id <= ${String(upTo)}`;
  const { rows } =
    await sql<AuditEventRow>`select e.* from audit_unpublished u join audit_events e on e.id = u.id
    ${upToPart} order by u.id limit ${limit} for update of u skip locked`.execute(trx);
  return rows.map(auditEventFromRow);
}

/** Marks events as sent on the live feed (the relay skips them from then on); no-op for none. */
export async function markAuditEventsPublished(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('audit_unpublished').where('id', 'in', ids).execute();
}

/**
 * Lists in `audit_unpublished` the events (up to id `upTo`) a replica of the release before
 * migration 0012 left flagged unpublished, so the relay sends them; cheap through the partial
 * index `audit_events_unpublished`, empty once every replica runs this release.
 */
export async function adoptFlaggedUnpublished(db: Executor, upTo: number): Promise<void> {
  await sql`with flagged as (
      update audit_events set published = true
      where id in (select id from audit_events where not published and id <= ${String(upTo)} limit 1000)
      returning id)
    insert into audit_unpublished (id) select id from flagged on conflict do nothing`.execute(db);
}
