import { z } from 'zod';
import { ROLES } from '../../auth/roles.js';
import type { Db } from '../../database/database.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Logger } from '../../logger.js';
import type { AccessChange, SubscriptionRegistry } from '../subscriptions/subscription-registry.js';
import { createSessionCache } from './session-cache.js';
import { findLiveTokens } from './tokens-repository.js';

/** What the access feed is built from. */
export interface AccessFeedDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
  log: Logger;
  registry: Pick<SubscriptionRegistry, 'apply' | 'tokenIds'>;
  /** How often open subscriptions' tokens are checked against the database (a change the bus missed). */
  sweepMs?: number;
  /**
   * Whether token sessions may be cached (see `SessionCacheDeps.enabled`): with Redis, or with
   * embedded PGlite; never with Postgres on an in-process bus.
   */
  cacheSessions: boolean;
  /** How long a cached session is served without the database (default `SESSION_TTL_MS`). */
  sessionTtlMs?: number;
}

/** A message on the access channel (anyone may PUBLISH on Redis: checked, else dropped). */
const accessChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('token.revoked'), tokenId: z.string() }),
  z.object({ kind: z.literal('principal.role'), principalId: z.string(), role: z.enum(ROLES) }),
]);

/**
 * Revocations and role changes, to every replica: `announce` (after commit) ends this replica's
 * subscriptions at once and publishes the change on the access channel, which every replica
 * applies to its own. A sweep every few seconds checks the open subscriptions' tokens against
 * the database, for a change published while the bus was down. It also keeps the cache of token
 * sessions (`sessions`) current: served only while the feed listens on a connected bus, emptied
 * when the bus drops, each change applied to it as it arrives.
 */
export function createAccessFeed(deps: AccessFeedDeps) {
  const { bus, channels, log, registry } = deps;
  let live: AsyncIterableIterator<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let listening = false;
  const sessions = createSessionCache({
    enabled: deps.cacheSessions,
    isConnected: () => listening && bus.isConnected(),
    ttlMs: deps.sessionTtlMs,
  });
  const apply = (change: AccessChange) => {
    sessions.apply(change);
    registry.apply(change);
  };

  async function listen(messages: AsyncIterableIterator<unknown>): Promise<void> {
    try {
      for await (const message of messages) {
        const parsed = accessChangeSchema.safeParse(message);
        if (parsed.success) apply(parsed.data);
      }
    } catch (error) {
      log.warn('access feed stopped listening', { error: (error as Error).message });
    } finally {
      listening = false;
      sessions.clear();
    }
  }

  async function sweep(): Promise<void> {
    const ids = registry.tokenIds();
    if (ids.length === 0) return;
    try {
      const liveTokens = await findLiveTokens(deps.db, ids);
      for (const tokenId of ids) {
        const token = liveTokens.get(tokenId);
        if (!token) registry.apply({ kind: 'token.revoked', tokenId });
        else registry.apply({ kind: 'principal.role', principalId: token.principalId, role: token.role });
      }
    } catch (error) {
      log.warn('subscription token sweep failed', { error: (error as Error).message });
    }
  }

  return {
    /** Applies a committed change here and publishes it to the other replicas. */
    announce(change: AccessChange): void {
      apply(change);
      bus.publish(channels.access, change).catch((error: Error) =>
        log.warn('access change not published; other replicas apply it at their next sweep', {
          error: error.message,
        }),
      );
    },
    start(): void {
      live = bus.subscribe(channels.access);
      listening = true;
      bus.onDisconnect?.(() => sessions.clear());
      void listen(live);
      timer = setInterval(() => void sweep(), deps.sweepMs ?? 5000);
      timer.unref();
    },
    /** Sessions of recently seen tokens, kept current by this feed (tokens-service.ts). */
    sessions,
    stop(): void {
      listening = false;
      sessions.clear();
      clearInterval(timer);
      void live?.return?.();
    },
  };
}

export type AccessFeed = ReturnType<typeof createAccessFeed>;
