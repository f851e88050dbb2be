import type { Db } from '../../database/database.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import {
  type AuditEvent,
  type AuditEventMessage,
  type AuditFilter,
  auditEventMatches,
  fromAuditMessage,
} from './audit-event.js';
import { AUDIT_PAGE, findAuditEvents, lastAuditEventId } from './audit-repository.js';

export interface AuditFeedDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
}

/**
 * The feed: events after `after` (replayed from Postgres; by default, from now), then live ones
 * from the bus, in id order, with no gap and no duplicate: ids are gapless, so a jump in the
 * live feed is filled from Postgres and an id already sent is dropped. Unchecked: callers check
 * permission. A failed query ends the generator with its error.
 */
export async function* subscribeAuditFeed(
  deps: AuditFeedDeps,
  filter: AuditFilter | null | undefined,
  after?: string | null,
): AsyncGenerator<AuditEvent> {
  const { db, bus, channels } = deps;
  const live = bus.subscribe(channels.audit);
  try {
    await live.ready;
    let cursor = after ?? (await lastAuditEventId(db));
    const catchUp = async function* (until: string | null) {
      for (;;) {
        const events = await findAuditEvents(db, { after: cursor, before: until, limit: AUDIT_PAGE });
        for (const event of events) {
          cursor = event.id;
          if (auditEventMatches(event, filter)) yield event;
        }
        if (events.length < AUDIT_PAGE) return;
      }
    };
    yield* catchUp(null);
    for (;;) {
      const next = await live.next();
      if (next.done) return;
      const event = fromAuditMessage(next.value as AuditEventMessage);
      if (Number(event.id) <= Number(cursor)) continue;
      if (Number(event.id) > Number(cursor) + 1) yield* catchUp(event.id);
      cursor = event.id;
      if (auditEventMatches(event, filter)) yield event;
    }
  } finally {
    await live.return?.();
  }
}
