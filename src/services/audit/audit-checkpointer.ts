import type { KeyObject } from 'node:crypto';
import type { AuditSigningKey } from '../../crypto/audit-signing-key.js';
import type { Db, Executor } from '../../database/database.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Logger } from '../../logger.js';
import { type AuditHead, CHAIN_START, GENESIS_HEAD } from './audit-chain.js';
import {
  eventsToSign,
  insertAuditCheckpoints,
  listAuditCheckpoints,
  readCheckpointLag,
  tryCheckpointLock,
} from './audit-checkpoint-repository.js';
import { AUDIT_PAGE } from './audit-repository.js';
import {
  type AuditCheckpoint,
  checkpointSignatureHolds,
  publicKeyFromRaw,
  signCheckpoint,
} from './checkpoint-signature.js';
import { verifyLinksYielding } from './verify-links-yielding.js';

/** A checkpoint covers at most this many events after the one before it. */
export const CHECKPOINT_EVERY = 1000;

/** The highest checkpointed event id this process has seen signed (made, verified or received). */
export interface CheckpointHighWater {
  value: number;
}

export interface AuditCheckpointerDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
  log: Logger;
  signing: AuditSigningKey;
  /** Longest wait of an appended event for its checkpoint (`SGW_AUDIT_CHECKPOINT_INTERVAL_MS`). */
  intervalMs: number;
}

/** The JSON message of a checkpoint on the bus. */
export const checkpointMessage = (c: AuditCheckpoint) => ({ ...c, at: c.at.toISOString() });

/** Thrown (and logged) when the stored chain does not extend the last signed checkpoint: nothing is signed. */
class UnsignableChainError extends Error {}

/**
 * Walks the events after `from` up to `head`, checking every link, and returns the hashes of the
 * events a checkpoint will cover: every CHECKPOINT_EVERY-th id after `from`, and the head.
 */
async function coveredHashes(trx: Executor, from: AuditHead, head: AuditHead): Promise<Map<number, string>> {
  const covered = new Map<number, string>();
  let progress = { ...CHAIN_START, head: from };
  while (progress.head.lastId < head.lastId) {
    const events = await eventsToSign(trx, progress.head.lastId, head.lastId, AUDIT_PAGE);
    progress = await verifyLinksYielding(events, progress);
    if (progress.firstBrokenId !== null || events.length === 0)
      throw new UnsignableChainError(
        `audit event ${progress.firstBrokenId ?? progress.head.lastId + 1} breaks the chain`,
      );
    for (const e of events) {
      const id = Number(e.id);
      if ((id - from.lastId) % CHECKPOINT_EVERY === 0 || id === head.lastId) covered.set(id, e.hash);
    }
  }
  if (progress.head.lastHash !== head.lastHash)
    throw new UnsignableChainError('audit_head does not match its event');
  return covered;
}

/**
 * Makes the checkpoints the chain lacks, under a transaction-scoped advisory lock (one replica at
 * a time; a replica that finds it taken does nothing). Signs only a chain that extends the newest
 * checkpoint, itself checked against this gateway's key. Returns what it stored.
 */
async function makeCheckpoints(deps: AuditCheckpointerDeps, wait: boolean): Promise<AuditCheckpoint[]> {
  const publicKey = deps.signing.accepted.map(publicKeyFromRaw);
  return deps.db.transaction().execute(async (trx) => {
    if (!(await tryCheckpointLock(trx, wait))) return [];
    const { head } = await readCheckpointLag(trx);
    const [newest] = await listAuditCheckpoints(trx, { limit: 1 });
    if (newest && !checkpointSignatureHolds(publicKey, newest))
      throw new UnsignableChainError(
        `checkpoint ${newest.id} does not carry this gateway's signature (a changed SGW_AUDIT_SIGNING_KEY or first encryption key, or a forged row)`,
      );
    const from = newest ? { lastId: Number(newest.lastEventId), lastHash: newest.lastHash } : GENESIS_HEAD;
    if (head.lastId <= from.lastId) return [];
    const covered = await coveredHashes(trx, from, head);
    const signed = [...covered].map(([id, hash]) => ({
      lastEventId: String(id),
      lastHash: hash,
      signature: signCheckpoint(deps.signing.privateKey, id, hash),
    }));
    return insertAuditCheckpoints(trx, signed);
  });
}

/** Logs why no checkpoint was made: refused (the chain does not extend the last one) or failed. */
function logProblem(log: Logger, error: unknown): void {
  const message = (error as Error).message;
  if (error instanceof UnsignableChainError) log.error('audit checkpoint refused', { problem: message });
  else log.warn('audit checkpoint failed', { error: message });
}

/** Raises `highWater` with every correctly signed checkpoint another replica publishes. */
async function raiseFromFeed(
  feed: AsyncIterableIterator<unknown>,
  publicKey: KeyObject[],
  highWater: CheckpointHighWater,
): Promise<void> {
  for await (const message of feed) {
    const c = message as AuditCheckpoint;
    if (typeof c?.lastEventId === 'string' && checkpointSignatureHolds(publicKey, c))
      highWater.value = Math.max(highWater.value, Number(c.lastEventId));
  }
}

/**
 * The checkpoint loop of one replica. Every poll it reads the head and the newest checkpoint (one
 * cheap statement); when CHECKPOINT_EVERY events are uncovered, or uncovered events have waited
 * long enough that the next poll would pass `intervalMs`, it makes checkpoints (under the lock)
 * and publishes them on the bus. Checkpoints published by other replicas raise `highWater`.
 */
export function createAuditCheckpointer(deps: AuditCheckpointerDeps) {
  const pollMs = Math.max(25, Math.min(1000, Math.floor(deps.intervalMs / 4)));
  const highWater: CheckpointHighWater = { value: 0 };
  let uncoveredSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let lastProblem: string | undefined;
  let feed: AsyncIterableIterator<unknown> | undefined;
  const publicKey = deps.signing.accepted.map(publicKeyFromRaw);

  async function checkpointNow(wait = false): Promise<AuditCheckpoint[]> {
    const made = await makeCheckpoints(deps, wait);
    uncoveredSince = undefined;
    for (const checkpoint of made) {
      highWater.value = Math.max(highWater.value, Number(checkpoint.lastEventId));
      await deps.bus.publish(deps.channels.auditCheckpoint, checkpointMessage(checkpoint)).catch(() => {});
    }
    return made;
  }

  async function tick(): Promise<void> {
    const { head, checkpointed } = await readCheckpointLag(deps.db);
    if (head.lastId <= checkpointed) {
      uncoveredSince = undefined;
      return;
    }
    const now = Date.now();
    uncoveredSince ??= now;
    if (head.lastId - checkpointed < CHECKPOINT_EVERY && now - uncoveredSince < deps.intervalMs - 2 * pollMs)
      return;
    await checkpointNow();
    lastProblem = undefined;
  }

  function report(error: unknown): void {
    if ((error as Error).message !== lastProblem) logProblem(deps.log, error);
    lastProblem = (error as Error).message;
  }

  return {
    highWater,
    publicKey: deps.signing.publicKey,
    /** Every public key whose checkpoints are accepted, the current one first. */
    acceptedKeys: deps.signing.accepted,
    /** Makes the missing checkpoints now; [] when another replica holds the lock (`wait`: after it). */
    checkpointNow,
    start(): void {
      if (timer) return;
      feed = deps.bus.subscribe(deps.channels.auditCheckpoint);
      raiseFromFeed(feed, publicKey, highWater).catch((error) =>
        deps.log.warn('audit checkpoint feed ended', { error: (error as Error).message }),
      );
      timer = setInterval(() => {
        running ??= tick()
          .catch(report)
          .finally(() => {
            running = undefined;
          });
      }, pollMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await feed?.return?.();
      await running;
    },
  };
}

export type AuditCheckpointer = ReturnType<typeof createAuditCheckpointer>;
