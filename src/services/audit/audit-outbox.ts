import type { Db } from '../../database/database.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Logger } from '../../logger.js';
import { type AuditEvent, toAuditMessage } from './audit-event.js';
import { markAuditEventsPublished } from './audit-unpublished-repository.js';

export interface AuditOutboxDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
  log: Logger;
  /** In-process buses can't lose an event after commit: rows are stored as published. */
  publishedOnCommit: boolean;
}

/** How long published ids wait to be marked together (one UPDATE per batch). */
const MARK_DELAY_MS = 100;

/**
 * Publication after commit: committed events go out on `channels.audit`; with a bus that can
 * lose them (Redis), each one delivered is marked published in a batch shortly after. An event
 * not delivered (or not marked) stays unpublished in Postgres and the relay sends it again.
 */
export function createAuditOutbox(deps: AuditOutboxDeps) {
  const { db, bus, channels, log } = deps;
  const publishedIds: string[] = [];
  let markTimer: NodeJS.Timeout | undefined;

  function scheduleMarking(id: string): void {
    publishedIds.push(id);
    markTimer ??= setTimeout(() => {
      markTimer = undefined;
      const ids = publishedIds.splice(0);
      markAuditEventsPublished(db, ids).catch(() => {
        // The relay will publish these again: at least once, consumers dedupe by id.
      });
    }, MARK_DELAY_MS);
  }

  /** Publishes committed events in order; never rejects (a failure is logged, the relay retries). */
  async function publish(events: AuditEvent[]): Promise<void> {
    // Sent together (one connection keeps their order), then confirmed in order.
    const sent = events.map((event) => bus.publish(channels.audit, toAuditMessage(event)));
    for (const [index, delivery] of sent.entries()) {
      try {
        await delivery;
        if (!deps.publishedOnCommit) scheduleMarking(events[index].id);
      } catch {
        log.warn('audit event not published; the relay will retry', { id: events[index].id });
        await Promise.allSettled(sent); // later events wait for the relay too
        return;
      }
    }
  }

  /** Drops the pending marking (those events stay unpublished: the relay sends them again). */
  function stop(): void {
    if (markTimer) clearTimeout(markTimer);
    markTimer = undefined;
  }

  return { publish, stop };
}

export type AuditOutbox = ReturnType<typeof createAuditOutbox>;
