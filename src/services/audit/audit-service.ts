import type { Authorize } from '../../auth/authorize.js';
import type { Db } from '../../database/database.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Logger } from '../../logger.js';
import { createVerificationLimiter } from '../rate-limit/verification-limiter.js';
import type { AuditCheckpointer } from './audit-checkpointer.js';
import type { AuditFilter } from './audit-event.js';
import { subscribeAuditFeed } from './audit-feed.js';
import { createAuditOutbox } from './audit-outbox.js';
import { createAuditQueryService } from './audit-query-service.js';
import { createAuditRelay } from './audit-relay.js';
import { verifyAuditLog } from './audit-verifier.js';
import { createAuditWriter } from './audit-writer.js';
import { publicKeyFromRaw } from './checkpoint-signature.js';

export type { RecordAudit } from './audit-writer.js';

export interface AuditServiceDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
  hmacKey: Buffer;
  log: Logger;
  /** In-process buses can't lose an event after commit: rows are stored as published. */
  publishedOnCommit: boolean;
}

/**
 * The audit trail: every secret access goes through `audited` (change and audit row in one
 * transaction, published after commit) or `record`; Postgres is the record, the bus the feed.
 * Wires the writer (chain appends, group commit, pending chainer), the outbox (publication after
 * commit), the relay (what the feed missed) and the feed (replay, then live).
 */
export function createAuditTrail(deps: AuditServiceDeps) {
  const outbox = createAuditOutbox(deps);
  const writer = createAuditWriter({ ...deps, publish: outbox.publish });
  const relay = createAuditRelay({ ...deps, chainPending: writer.chainPending });
  return {
    audited: writer.audited,
    record: writer.record,
    chainPending: writer.chainPending,
    relayOnce: relay.relayOnce,
    startRelay: relay.startRelay,
    /** Stops the relay and drops pending publication marks (the relay of another run resends). */
    stop(): void {
      relay.stop();
      outbox.stop();
    },
    /** The feed, unchecked: replay from `after`, then live. */
    subscribe: (filter: AuditFilter | null | undefined, after?: string | null) =>
      subscribeAuditFeed(deps, filter, after),
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;

export interface AuditServiceParts {
  trail: AuditTrail;
  db: Db;
  /** Built from `trail.record` (src/auth/authorize.ts): the queries' permission check. */
  authorize: Authorize;
  /** Signs checkpoints (one replica at a time); its public key and high-water mark serve the verifier. */
  checkpointer: AuditCheckpointer;
  /** Full chain verifications one principal may start a minute (default 60; one at a time). */
  verificationsPerMinute?: number;
}

/** Full chain verifications a principal may start in a minute, unless told otherwise. */
export const VERIFICATIONS_PER_MINUTE = 60;

/** The trail and its permission-checked queries: the audit service the gateway is handed. */
export function createAuditService(parts: AuditServiceParts) {
  const { trail, db, authorize, checkpointer } = parts;
  const verifications = createVerificationLimiter({
    perMinute: parts.verificationsPerMinute ?? VERIFICATIONS_PER_MINUTE,
  });
  const verifierDeps = {
    db,
    publicKeys: checkpointer.acceptedKeys.map(publicKeyFromRaw),
    highWater: checkpointer.highWater,
  };
  const verify = (options: { full?: boolean } = {}) => verifyAuditLog(verifierDeps, options);
  return {
    ...trail,
    /** Verifies the chain against its newest checkpoint, unchecked (incremental unless `full`). */
    verifyChain: verify,
    /** Makes the checkpoints the chain lacks now (one replica at a time). */
    checkpointNow: checkpointer.checkpointNow,
    ...createAuditQueryService({
      ...{ db, authorize, verifications, verify },
      subscribe: trail.subscribe,
      publicKey: checkpointer.publicKey,
      acceptedKeys: checkpointer.acceptedKeys,
    }),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
