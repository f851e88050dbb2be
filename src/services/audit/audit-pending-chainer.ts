import type { Db } from '../../database/database.js';
import type { Logger } from '../../logger.js';
import type { AuditAppender } from './audit-appender.js';
import { AUDIT_PAGE, takePendingAuditEvents } from './audit-repository.js';

export interface PendingChainerDeps {
  db: Db;
  log: Logger;
  appender: Pick<AuditAppender, 'appendLocked' | 'committed'>;
}

/** Moves pending events onto the chain, a batch per transaction, until none is left. */
async function chainPendingNow(deps: PendingChainerDeps): Promise<void> {
  for (;;) {
    const chained = await deps.db
      .transaction()
      .execute(async (trx) => deps.appender.appendLocked(trx, await takePendingAuditEvents(trx, AUDIT_PAGE)));
    deps.appender.committed(chained);
    if (chained.length < AUDIT_PAGE) return;
  }
}

/**
 * The chainer of `audit_pending`. The function it returns resolves once a chainer run that
 * began after the call has ended: events committed before the call are then on the chain.
 * Concurrent callers share runs. A failed run is logged (the events stay pending, durable, and
 * the next run chains them); the promise never rejects.
 */
export function createPendingChainer(deps: PendingChainerDeps): () => Promise<void> {
  const chainWaiters: Array<() => void> = [];
  let chaining = false;

  async function chainLoop(): Promise<void> {
    chaining = true;
    try {
      while (chainWaiters.length > 0) {
        const waiting = chainWaiters.splice(0);
        await chainPendingNow(deps).catch((error: unknown) =>
          deps.log.warn('audit events not chained yet; the next run will', {
            error: (error as Error).message,
          }),
        );
        for (const resolve of waiting) resolve();
      }
    } finally {
      chaining = false;
    }
  }

  return () =>
    new Promise((resolve) => {
      chainWaiters.push(resolve);
      if (!chaining) void chainLoop();
    });
}
