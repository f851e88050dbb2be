import type { Transaction } from 'kysely';
import type { Database, Db, Executor } from '../../database/database.js';
import { type AuditHead, linkAfter } from './audit-chain.js';
import type { AuditEvent, UnchainedAuditEvent } from './audit-event.js';
import {
  appendAuditEventsAfter,
  chainPendingAfter,
  insertAuditEvents,
  lockAuditHead,
} from './audit-repository.js';

export interface AuditAppenderDeps {
  db: Db;
  /** In-process buses can't lose an event after commit: rows are stored as published. */
  publishedOnCommit: boolean;
  /** Sends committed events on the live feed (the outbox); never rejects. */
  publish(events: AuditEvent[]): Promise<void>;
}

/**
 * Appends events to the chain and keeps the head this process last committed (the known head):
 * the next append expects it, so a writer alone needs one statement and no lock.
 */
export function createAuditAppender(deps: AuditAppenderDeps) {
  /** The chain head as of this process's last commit: the next append expects it. */
  let knownHead: AuditHead | undefined;

  /** Remembers the head a commit left (unless a later one is already known) and publishes. */
  function committed(events: AuditEvent[]): void {
    const last = events[events.length - 1];
    if (last && (!knownHead || Number(last.id) > knownHead.lastId))
      knownHead = { lastId: Number(last.id), lastHash: last.hash };
    void deps.publish(events);
  }

  /** Chains events after `head`, locked in `trx`, and inserts them (one statement). */
  async function insertAfterLocked(
    trx: Transaction<Database>,
    head: AuditHead,
    events: UnchainedAuditEvent[],
  ) {
    const chained = linkAfter(head, events);
    if (chained.length) await insertAuditEvents(trx, chained, deps.publishedOnCommit);
    return chained;
  }

  /** Chains events after the locked head in `trx` and inserts them. */
  async function appendLocked(trx: Transaction<Database>, events: UnchainedAuditEvent[]) {
    return insertAfterLocked(trx, await lockAuditHead(trx), events);
  }

  /** Events chained and appended after `head` in one statement; undefined when the head moved. */
  async function appendAfter(executor: Executor, head: AuditHead | undefined, events: UnchainedAuditEvent[]) {
    if (!head) return undefined;
    const chained = linkAfter(head, events);
    return (await appendAuditEventsAfter(executor, head, chained, deps.publishedOnCommit))
      ? chained
      : undefined;
  }

  /**
   * Chains events this process committed as pending (`seqs`, in the order given) after the known
   * head, in one statement that also removes them from `audit_pending`; its commit is synchronous.
   * False, with nothing written, when the head moved or a pending row was taken by another chainer.
   */
  async function chainPendingKnown(pending: { seqs: string[]; events: UnchainedAuditEvent[] }) {
    if (!knownHead || pending.seqs.length === 0) return false;
    const chained = linkAfter(knownHead, pending.events);
    const done = await chainPendingAfter(
      deps.db,
      knownHead,
      { seqs: pending.seqs, events: chained },
      deps.publishedOnCommit,
    ).catch(() => false);
    if (done) committed(chained);
    return done;
  }

  /**
   * Appends events to the chain: after the head this process last committed, in one statement;
   * if another writer moved it since, in a transaction that locks and reads the head. Rejects
   * when the database does (nothing is then committed).
   */
  async function append(events: UnchainedAuditEvent[]): Promise<void> {
    committed(
      (await appendAfter(deps.db, knownHead, events)) ??
        (await deps.db.transaction().execute((trx) => appendLocked(trx, events))),
    );
  }

  return {
    knownHead: () => knownHead,
    committed,
    insertAfterLocked,
    appendLocked,
    appendAfter,
    append,
    chainPendingKnown,
  };
}

export type AuditAppender = ReturnType<typeof createAuditAppender>;
