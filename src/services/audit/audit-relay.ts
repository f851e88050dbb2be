import type { Db } from '../../database/database.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Logger } from '../../logger.js';
import { toAuditMessage } from './audit-event.js';
import { hasPendingAuditEvents, lastAuditEventId } from './audit-repository.js';
import {
  adoptFlaggedUnpublished,
  claimUnpublishedAuditEvents,
  markAuditEventsPublished,
} from './audit-unpublished-repository.js';

export interface AuditRelayDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
  log: Logger;
  /** In-process buses can't lose an event after commit: nothing is left to relay. */
  publishedOnCommit: boolean;
  /** The writer's chainer: moves events left in `audit_pending` onto the chain. */
  chainPending(): Promise<unknown>;
}

/** Unpublished events claimed, published and marked per transaction. */
const RELAY_BATCH = 500;

/**
 * Publishes committed events the live feed missed (Redis was down), oldest first, a batch per
 * transaction; returns how many went out. With `upTo`, only events up to that id. Stops at the
 * first failed publish (the rest wait for the next run); a failed query rejects.
 */
export async function relayOnce(
  deps: Pick<AuditRelayDeps, 'db' | 'bus' | 'channels'>,
  upTo?: number,
): Promise<number> {
  const { db, bus, channels } = deps;
  if (!bus.isConnected()) return 0;
  await adoptFlaggedUnpublished(db, upTo ?? Number.MAX_SAFE_INTEGER);
  let total = 0;
  for (;;) {
    const sent = await db.transaction().execute(async (trx) => {
      const events = await claimUnpublishedAuditEvents(trx, RELAY_BATCH, upTo);
      const ids: string[] = [];
      for (const event of events) {
        try {
          await bus.publish(channels.audit, toAuditMessage(event));
          ids.push(event.id);
        } catch {
          break;
        }
      }
      await markAuditEventsPublished(trx, ids);
      return ids.length;
    });
    total += sent;
    if (sent < RELAY_BATCH) return total;
  }
}

/** The relay loop of one process: started once, stopped on shutdown. */
export function createAuditRelay(deps: AuditRelayDeps) {
  let relayTimer: NodeJS.Timeout | undefined;
  let relayRunning = false;
  /** The chain head the previous run saw: events up to it were committed a run ago or more. */
  let previousHead: number | undefined;

  /**
   * Relays only events committed before the previous run: a newer one may be on its way out by
   * the outbox of the process that committed it (sent, its mark not yet written), and relaying it
   * too would publish it twice. Events the outbox did miss wait one more interval, no longer.
   */
  async function relayMissed(): Promise<number> {
    const upTo = previousHead;
    previousHead = Number(await lastAuditEventId(deps.db));
    return upTo === undefined ? 0 : relayOnce(deps, upTo);
  }

  /**
   * Every `intervalMs`: chains events left pending (by a process that died between its commit
   * and the chainer) and, with Redis, publishes committed events the live feed missed (see
   * `relayMissed`). A failed run is logged; the next one tries again.
   */
  function startRelay(intervalMs = 1000): void {
    if (relayTimer) return;
    relayTimer = setInterval(() => {
      if (relayRunning) return;
      relayRunning = true;
      hasPendingAuditEvents(deps.db)
        .then((pending) => (pending ? deps.chainPending() : undefined))
        .then(() => (deps.publishedOnCommit ? 0 : relayMissed()))
        .catch((error) => deps.log.warn('audit relay failed', { error: (error as Error).message }))
        .finally(() => {
          relayRunning = false;
        });
    }, intervalMs);
    relayTimer.unref();
  }

  /** Stops the loop (a run under way finishes). */
  function stop(): void {
    if (relayTimer) clearInterval(relayTimer);
    relayTimer = undefined;
  }

  return { relayOnce: () => relayOnce(deps), startRelay, stop };
}
