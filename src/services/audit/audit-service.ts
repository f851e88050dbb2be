import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import { type Permission, roleAllows } from '../../auth/roles.js';
import { fingerprintValues } from '../../crypto/fingerprint.js';
import type { Database, Db, Executor } from '../../database/database.js';
import { BadUserInputError, ForbiddenError, type InputIssue } from '../../errors.js';
import type { Channels } from '../../events/channels.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Logger } from '../../logger.js';
import {
  type AuditEntry,
  type AuditEvent,
  type AuditEventMessage,
  type AuditFilter,
  auditEventMatches,
  fromAuditMessage,
  toAuditMessage,
  type UnchainedAuditEvent,
} from './audit-event.js';
import { auditEventHash, GENESIS_HASH } from './audit-hash.js';
import {
  type AuditHead,
  appendAuditEventsAfter,
  claimUnpublishedAuditEvents,
  findAuditEvents,
  hasPendingAuditEvents,
  insertAuditEvents,
  insertPendingAuditEvents,
  lastAuditEventId,
  lockAuditHead,
  markAuditEventsPublished,
  readAuditHead,
  takePendingAuditEvents,
} from './audit-repository.js';

export interface AuditServiceDeps {
  db: Db;
  bus: EventBus;
  channels: Channels;
  hmacKey: Buffer;
  log: Logger;
  /** In-process buses can't lose an event after commit: rows are stored as published. */
  publishedOnCommit: boolean;
}

/** Records one audit event in the caller's transaction (appended when the work is done). */
export type RecordAudit = (entry: AuditEntry) => Promise<void>;

export interface AuditChainReport {
  ok: boolean;
  checked: number;
  firstBrokenId: string | null;
}

const PAGE = 1000;

/**
 * The audit trail: every secret access goes through `audited` (change and audit row in one
 * transaction, published after commit) or `record`; Postgres is the record, the bus the feed.
 */
/** Most events committed in one group transaction. */
const GROUP_COMMIT_MAX = 500;

export function createAuditService(deps: AuditServiceDeps) {
  const { db, bus, channels, log } = deps;
  let relayTimer: NodeJS.Timeout | undefined;
  let relayRunning = false;
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
    }, 100);
  }

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

  /** The chain head as of this process's last commit: the next append expects it. */
  let knownHead: AuditHead | undefined;

  function unchained(entry: AuditEntry, at: Date): UnchainedAuditEvent {
    return {
      at,
      actor: entry.actor,
      action: entry.action,
      outcome: entry.outcome ?? 'SUCCESS',
      target: entry.target,
      valueFingerprints: entry.values ? fingerprintValues(deps.hmacKey, entry.values) : null,
    };
  }

  function chainAfter(head: AuditHead, unchainedEvents: UnchainedAuditEvent[]): AuditEvent[] {
    let prevHash = head.lastHash;
    return unchainedEvents.map((base, index) => {
      const withId = { id: String(head.lastId + 1 + index), ...base };
      const event: AuditEvent = { ...withId, prevHash, hash: auditEventHash(prevHash, withId) };
      prevHash = event.hash;
      return event;
    });
  }

  /** Remembers the head a commit left (unless a later one is already known) and publishes. */
  function committed(events: AuditEvent[]): void {
    const last = events[events.length - 1];
    if (last && (!knownHead || Number(last.id) > knownHead.lastId))
      knownHead = { lastId: Number(last.id), lastHash: last.hash };
    void publish(events);
  }

  /** Chains events after the locked head in `trx` and inserts them (one statement). */
  async function appendLocked(trx: Transaction<Database>, events: UnchainedAuditEvent[]) {
    const chained = chainAfter(await lockAuditHead(trx), events);
    if (chained.length) await insertAuditEvents(trx, chained, deps.publishedOnCommit);
    return chained;
  }

  /** Events chained and appended after `head` in one statement; undefined when the head moved. */
  async function appendAfter(executor: Executor, head: AuditHead | undefined, events: UnchainedAuditEvent[]) {
    if (!head) return undefined;
    const chained = chainAfter(head, events);
    return (await appendAuditEventsAfter(executor, head, chained, deps.publishedOnCommit))
      ? chained
      : undefined;
  }

  /**
   * Appends events to the chain: after the head this process last committed, in one statement;
   * if another writer moved it since, in a transaction that locks and reads the head.
   */
  async function append(events: UnchainedAuditEvent[]): Promise<void> {
    committed(
      (await appendAfter(db, knownHead, events)) ??
        (await db.transaction().execute((trx) => appendLocked(trx, events))),
    );
  }

  /** Moves pending events onto the chain, a batch per transaction, until none is left. */
  async function chainPendingNow(): Promise<void> {
    for (;;) {
      const chained = await db
        .transaction()
        .execute(async (trx) => appendLocked(trx, await takePendingAuditEvents(trx, PAGE)));
      committed(chained);
      if (chained.length < PAGE) return;
    }
  }

  const chainWaiters: Array<() => void> = [];
  let chaining = false;

  /**
   * Resolves once a chainer run that began after this call has ended: events committed before
   * the call are then on the chain. Concurrent callers share runs. A failed run is logged (the
   * events stay pending, durable, and the next run chains them).
   */
  function chainPending(): Promise<void> {
    return new Promise((resolve) => {
      chainWaiters.push(resolve);
      if (!chaining) void chainLoop();
    });
  }

  async function chainLoop(): Promise<void> {
    chaining = true;
    try {
      while (chainWaiters.length > 0) {
        const waiting = chainWaiters.splice(0);
        await chainPendingNow().catch((error: unknown) =>
          log.warn('audit events not chained yet; the next run will', { error: (error as Error).message }),
        );
        for (const resolve of waiting) resolve();
      }
    } finally {
      chaining = false;
    }
  }

  /** Audited transactions of this process under way. */
  let writesInFlight = 0;

  /**
   * Runs `work` in a transaction with an audit recorder; recorded events commit with the change,
   * or not at all. Alone, a write appends them to the chain itself, after the head this process
   * knows (one statement). Beside other writes, or when another writer moved the head, it stores
   * them as pending instead — no chain head held through its commit, so writes don't queue on
   * it — and they are chained, with those of concurrent writes, before this returns.
   */
  async function audited<T>(
    work: (trx: Transaction<Database>, record: RecordAudit) => Promise<T>,
  ): Promise<T> {
    let chained: AuditEvent[] = [];
    let pending = false;
    writesInFlight += 1;
    try {
      const result = await db.transaction().execute(async (trx) => {
        const events: UnchainedAuditEvent[] = [];
        const value = await work(trx, async (entry) => {
          events.push(unchained(entry, new Date()));
        });
        if (events.length === 0) return value;
        const appended = await appendAfter(trx, writesInFlight === 1 ? knownHead : undefined, events);
        if (appended) chained = appended;
        else {
          await insertPendingAuditEvents(trx, events);
          pending = true;
        }
        return value;
      });
      committed(chained);
      if (pending) await chainPending();
      return result;
    } finally {
      writesInFlight -= 1;
    }
  }

  /** Events waiting for the next group commit, each with its caller's promise. */
  const queued: Array<{ entry: AuditEntry; resolve: () => void; reject: (error: unknown) => void }> = [];
  let flushing = false;

  /** Commits queued events, a group at a time, until none is left. */
  async function flushQueued(): Promise<void> {
    flushing = true;
    try {
      while (queued.length > 0) {
        const group = queued.splice(0, GROUP_COMMIT_MAX);
        const at = new Date();
        try {
          await append(group.map((waiter) => unchained(waiter.entry, at)));
          for (const waiter of group) waiter.resolve();
        } catch (error) {
          for (const waiter of group) waiter.reject(error);
        }
      }
    } finally {
      flushing = false;
    }
  }

  /**
   * Records one event (no other change) on the chain; resolves once it is committed. Events
   * recorded while a commit is under way share the next one (group commit), so concurrent value
   * reads wait on the chain head and the disk once per group, not once each.
   */
  function record(entry: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      queued.push({ entry, resolve, reject });
      if (!flushing) void flushQueued();
    });
  }

  /** Throws FORBIDDEN (after recording a DENIED event) unless the principal has the permission. */
  async function authorize(
    principal: Principal,
    permission: Permission,
    attempt: { action: string; target: Record<string, unknown> },
  ): Promise<void> {
    if (roleAllows(principal.role, permission)) return;
    await record({
      actor: principal.name,
      action: attempt.action,
      outcome: 'DENIED',
      target: attempt.target,
    });
    throw new ForbiddenError(
      `Role ${principal.role} may not ${permission.replace('.', ' ')} (${attempt.action})`,
    );
  }

  /** Publishes committed events the live feed missed (Redis was down), oldest first. */
  async function relayOnce(): Promise<number> {
    if (!bus.isConnected()) return 0;
    let total = 0;
    for (;;) {
      const sent = await db.transaction().execute(async (trx) => {
        const events = await claimUnpublishedAuditEvents(trx, 500);
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
      if (sent < 500) return total;
    }
  }

  /**
   * Every `intervalMs`: chains events left pending (by a process that died between its commit
   * and the chainer) and, with Redis, publishes committed events the live feed missed.
   */
  function startRelay(intervalMs = 1000): void {
    if (relayTimer) return;
    relayTimer = setInterval(() => {
      if (relayRunning) return;
      relayRunning = true;
      hasPendingAuditEvents(db)
        .then((pending) => (pending ? chainPending() : undefined))
        .then(() => (deps.publishedOnCommit ? 0 : relayOnce()))
        .catch((error) => log.warn('audit relay failed', { error: (error as Error).message }))
        .finally(() => {
          relayRunning = false;
        });
    }, intervalMs);
    relayTimer.unref();
  }

  function stop(): void {
    if (relayTimer) clearInterval(relayTimer);
    relayTimer = undefined;
    if (markTimer) clearTimeout(markTimer);
    markTimer = undefined;
  }

  /** Walks the whole chain; reports the first event whose link or hash does not hold. */
  async function verifyChain(): Promise<AuditChainReport> {
    let prevHash = GENESIS_HASH;
    let expectedId = 1;
    let checked = 0;
    let after: string | null = null;
    for (;;) {
      const events = await findAuditEvents(db, { after, limit: PAGE });
      for (const event of events) {
        const id = Number(event.id);
        if (id !== expectedId) return { ok: false, checked, firstBrokenId: String(expectedId) };
        if (event.prevHash !== prevHash || auditEventHash(prevHash, event) !== event.hash) {
          return { ok: false, checked, firstBrokenId: event.id };
        }
        prevHash = event.hash;
        expectedId = id + 1;
        checked += 1;
      }
      if (events.length < PAGE) break;
      after = events[events.length - 1].id;
    }
    const head = await readAuditHead(db);
    if (Number(head.lastId) !== expectedId - 1 || head.lastHash !== prevHash) {
      return { ok: false, checked, firstBrokenId: String(expectedId) };
    }
    return { ok: true, checked, firstBrokenId: null };
  }

  /**
   * Events after `after` (replayed from Postgres), then live ones, in id order, with no gap
   * and no duplicate: ids are gapless, so a jump in the live feed is filled from Postgres.
   */
  async function* subscribe(
    filter: AuditFilter | null | undefined,
    after?: string | null,
  ): AsyncGenerator<AuditEvent> {
    const live = bus.subscribe(channels.audit);
    try {
      let cursor = after ?? (await lastAuditEventId(db));
      const catchUp = async function* (until: string | null) {
        for (;;) {
          const events = await findAuditEvents(db, { after: cursor, before: until, limit: PAGE });
          for (const event of events) {
            cursor = event.id;
            if (auditEventMatches(event, filter)) yield event;
          }
          if (events.length < PAGE) return;
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

  function checkCursor(value: string | null | undefined, path: string, issues: InputIssue[]): void {
    if (value != null && !/^\d{1,18}$/.test(value))
      issues.push({ path, message: 'must be an audit event id' });
  }

  /** One page of the log for ADMIN and AUDITOR. */
  async function listEvents(
    principal: Principal,
    args: {
      filter?: AuditFilter | null;
      first?: number | null;
      after?: string | null;
      newestFirst?: boolean;
    },
  ): Promise<{ events: AuditEvent[]; hasNextPage: boolean }> {
    await authorize(principal, 'audit.read', { action: 'audit.list', target: { kind: 'audit' } });
    const first = args.first ?? 50;
    const issues: InputIssue[] = [];
    if (!Number.isInteger(first) || first < 1 || first > PAGE)
      issues.push({ path: 'first', message: `must be between 1 and ${PAGE}` });
    checkCursor(args.after, 'after', issues);
    if (issues.length) throw new BadUserInputError('Invalid audit query', issues);
    const events = await findAuditEvents(db, {
      filter: args.filter,
      after: args.after,
      limit: first + 1,
      newestFirst: args.newestFirst,
    });
    return { events: events.slice(0, first), hasNextPage: events.length > first };
  }

  async function verifyChainFor(principal: Principal): Promise<AuditChainReport> {
    await authorize(principal, 'audit.read', { action: 'audit.verify', target: { kind: 'audit' } });
    return verifyChain();
  }

  /** The subscription for ADMIN and AUDITOR (checked before anything is sent). */
  async function subscribeFor(
    principal: Principal,
    filter: AuditFilter | null,
    after: string | null,
  ): Promise<AsyncGenerator<AuditEvent>> {
    await authorize(principal, 'audit.read', { action: 'audit.subscribe', target: { kind: 'audit' } });
    const issues: InputIssue[] = [];
    checkCursor(after, 'after', issues);
    if (issues.length) throw new BadUserInputError('Invalid audit subscription', issues);
    return subscribe(filter, after);
  }

  return {
    audited,
    record,
    authorize,
    verifyChain,
    verifyChainFor,
    listEvents,
    subscribe,
    subscribeFor,
    relayOnce,
    chainPending,
    startRelay,
    stop,
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
