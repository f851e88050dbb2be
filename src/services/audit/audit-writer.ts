import type { Transaction } from 'kysely';
import { fingerprintValues } from '../../crypto/fingerprint.js';
import type { Database, Db } from '../../database/database.js';
import type { Logger } from '../../logger.js';
import { type AuditAppender, createAuditAppender } from './audit-appender.js';
import type { AuditEntry, AuditEvent, UnchainedAuditEvent } from './audit-event.js';
import { createPendingChainer, type KnownPending } from './audit-pending-chainer.js';
import { insertPendingAuditEvents } from './audit-repository.js';
import { boundAuditTarget } from './audit-target-bounds.js';
import { groupCommit } from './group-commit.js';

/** Records one audit event in the caller's transaction (appended when the work is done). */
export type RecordAudit = (entry: AuditEntry) => Promise<void>;

/** Runs work in a transaction whose recorded audit events commit with it. */
export type Audited = <T>(
  work: (trx: Transaction<Database>, record: RecordAudit) => Promise<T>,
) => Promise<T>;

export interface AuditWriterDeps {
  db: Db;
  hmacKey: Buffer;
  log: Logger;
  /** In-process buses can't lose an event after commit: rows are stored as published. */
  publishedOnCommit: boolean;
  /** Sends committed events on the live feed (the outbox); never rejects. */
  publish(events: AuditEvent[]): Promise<void>;
}

/** Most events committed in one group transaction. */
const GROUP_COMMIT_MAX = 500;

/** An entry as an event to chain: time, default outcome, bounded target, values replaced by HMAC fingerprints. */
function unchainedEvent(hmacKey: Buffer, entry: AuditEntry, at: Date): UnchainedAuditEvent {
  return {
    at,
    actor: entry.actor,
    action: entry.action,
    outcome: entry.outcome ?? 'SUCCESS',
    target: boundAuditTarget(entry.target),
    valueFingerprints: entry.values ? fingerprintValues(hmacKey, entry.values) : null,
  };
}

interface AuditedDeps {
  db: Db;
  hmacKey: Buffer;
  appender: Pick<AuditAppender, 'appendAfter' | 'committed' | 'knownHead' | 'appendLocked'>;
  /** Resolves once a chainer run that began after the call has ended: true when it succeeded. */
  chainPending(pending?: KnownPending): Promise<boolean>;
}

/**
 * After a failed chainer run, makes sure the commit before it is on disk: a transaction that
 * locks the chain head (a logged change) commits synchronously, flushing the WAL past it. A
 * rejection means that commit's durability is unknown.
 */
async function flushCommitted(deps: AuditedDeps): Promise<void> {
  await deps.db.transaction().execute((trx) => deps.appender.appendLocked(trx, []));
}

/**
 * `audited`: runs `work` in a transaction with an audit recorder; recorded events commit with
 * the change, or not at all. Alone, a write appends them to the chain itself, after the head this
 * process knows (one statement). Beside other writes, or when another writer moved the head, it
 * stores them as pending instead — no chain head held through its commit, so writes don't queue
 * on it — and they are chained, with those of concurrent writes, in one statement before it
 * returns. Its commit waits for the disk like any other: `insertPendingAuditEvents` can let it
 * return before the flush (the chainer's synchronous commit flushing it later), but other sessions
 * could then see a change a Postgres crash takes back, and the bench showed no gain for it here.
 */
function createAudited(deps: AuditedDeps): Audited {
  const { db, appender } = deps;
  /** Audited transactions of this process under way. */
  let writesInFlight = 0;

  return async (work) => {
    let chained: AuditEvent[] = [];
    let pending: KnownPending | undefined;
    writesInFlight += 1;
    try {
      const result = await db.transaction().execute(async (trx) => {
        const events: UnchainedAuditEvent[] = [];
        const value = await work(trx, async (entry) => {
          events.push(unchainedEvent(deps.hmacKey, entry, new Date()));
        });
        if (events.length === 0) return value;
        const head = writesInFlight === 1 ? appender.knownHead() : undefined;
        const appended = await appender.appendAfter(trx, head, events);
        if (appended) chained = appended;
        else {
          pending = { seqs: await insertPendingAuditEvents(trx, events), events };
        }
        return value;
      });
      appender.committed(chained);
      if (pending && !(await deps.chainPending(pending))) await flushCommitted(deps);
      return result;
    } finally {
      writesInFlight -= 1;
    }
  };
}

/**
 * The writer of the audit chain: `audited` (a change and its events in one transaction),
 * `record` (one event alone, group-committed) and `chainPending` (the chainer of events stored
 * pending). Committed events are handed to `publish`.
 */
export function createAuditWriter(deps: AuditWriterDeps) {
  const appender = createAuditAppender(deps);
  const chainPending = createPendingChainer({ db: deps.db, log: deps.log, appender });
  const audited = createAudited({ db: deps.db, hmacKey: deps.hmacKey, appender, chainPending });

  /**
   * Records one event (no other change) on the chain; resolves once it is committed, rejects
   * when its group's commit fails. Events recorded while a commit is under way share the next
   * one (group commit), so concurrent value reads wait on the chain head and the disk once per
   * group, not once each.
   */
  const record: RecordAudit = groupCommit<AuditEntry>((entries) => {
    const at = new Date();
    return appender.append(entries.map((entry) => unchainedEvent(deps.hmacKey, entry, at)));
  }, GROUP_COMMIT_MAX);

  return { audited, record, chainPending };
}

export type AuditWriter = ReturnType<typeof createAuditWriter>;
