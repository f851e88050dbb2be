import type { Db } from '../../database/database.js';
import type { Logger } from '../../logger.js';
import type { AuditAppender } from './audit-appender.js';
import type { UnchainedAuditEvent } from './audit-event.js';
import { AUDIT_PAGE, takePendingUnderLockedHead } from './audit-repository.js';

export interface PendingChainerDeps {
  db: Db;
  log: Logger;
  appender: Pick<AuditAppender, 'insertAfterLocked' | 'committed' | 'chainPendingKnown'>;
}

/** Events a writer of this process committed as pending: their `seq`s and the events as stored. */
export interface KnownPending {
  seqs: string[];
  events: UnchainedAuditEvent[];
}

/**
 * Moves pending events onto the chain, a batch per transaction (head locked and events taken in
 * one statement, chained in a second, then a synchronous commit), until none is left.
 */
async function chainPendingNow(deps: PendingChainerDeps): Promise<void> {
  for (;;) {
    const chained = await deps.db.transaction().execute(async (trx) => {
      const taken = await takePendingUnderLockedHead(trx, AUDIT_PAGE);
      return deps.appender.insertAfterLocked(trx, taken.head, taken.events);
    });
    deps.appender.committed(chained);
    if (chained.length < AUDIT_PAGE) return;
  }
}

/** A caller waiting for the chainer, with the pending events it committed when it knows them. */
interface ChainWaiter {
  pending: KnownPending | undefined;
  resolve(succeeded: boolean): void;
}

/**
 * One chainer run for the callers waiting: when every one of them says what it committed, those
 * events in one statement after the known head (the common case: the writers of this process);
 * else, or when that fails (head moved, rows taken), every pending event under the locked head.
 */
async function chainRun(deps: PendingChainerDeps, waiting: ChainWaiter[]): Promise<void> {
  const known = waiting.every((waiter) => waiter.pending);
  if (known && waiting.length <= AUDIT_PAGE) {
    const seqs = waiting.flatMap((waiter) => waiter.pending?.seqs ?? []);
    const events = waiting.flatMap((waiter) => waiter.pending?.events ?? []);
    if (await deps.appender.chainPendingKnown({ seqs, events })) return;
  }
  await chainPendingNow(deps);
}

/**
 * The chainer of `audit_pending`. The function it returns resolves once a chainer run that
 * began after the call has ended: events committed before the call are then on the chain, and
 * every commit before the call is on disk (a run's commit is synchronous and comes after the
 * caller's: it flushes the WAL up to itself). It resolves true when that run succeeded; a failed
 * run is logged (the events stay pending, durable, and the next run chains them) and resolves
 * false; it never rejects. Concurrent callers share runs.
 */
export function createPendingChainer(deps: PendingChainerDeps): (pending?: KnownPending) => Promise<boolean> {
  const chainWaiters: ChainWaiter[] = [];
  let chaining = false;

  async function chainLoop(): Promise<void> {
    chaining = true;
    try {
      while (chainWaiters.length > 0) {
        const waiting = chainWaiters.splice(0);
        const succeeded = await chainRun(deps, waiting).then(
          () => true,
          (error: unknown) => {
            deps.log.warn('audit events not chained yet; the next run will', {
              error: (error as Error).message,
            });
            return false;
          },
        );
        for (const waiter of waiting) waiter.resolve(succeeded);
      }
    } finally {
      chaining = false;
    }
  }

  return (pending) =>
    new Promise((resolve) => {
      chainWaiters.push({ pending, resolve });
      if (!chaining) void chainLoop();
    });
}
