import type { Db } from '../../../database/database.js';
import type { Logger } from '../../../logger.js';
import {
  advanceSinkCursor,
  claimSinkLease,
  releaseSinkLease,
  renewSinkLease,
} from './audit-sink-repository.js';

export interface SinkLeaseDeps {
  db: Db;
  log: Logger;
  sink: string;
  /** This replica, as written in the lease. */
  owner: string;
  /** How long a lease lasts unless renewed (renewed every third of it). */
  leaseMs: number;
}

/**
 * One replica's hold on a sink (the `audit_sink_cursors` row's owner and lease): claimed when
 * free or run out, renewed every third of its length, lost when a renewal or a cursor move finds
 * another owner. `signal` aborts when it is lost, so a delivery under way stops at once.
 */
export function createSinkLease(deps: SinkLeaseDeps) {
  const { db, sink, owner, leaseMs } = deps;
  let held: AbortController | undefined;
  let renewal: NodeJS.Timeout | undefined;

  function lose(): void {
    held?.abort();
    held = undefined;
    clearInterval(renewal);
  }

  function renew(): void {
    renewSinkLease(db, sink, owner, leaseMs)
      .then((still) => (still ? undefined : lose()))
      .catch((error) => deps.log.warn('audit sink lease not renewed', { sink, error: String(error) }));
  }

  return {
    /** Aborted when the lease is lost; undefined while not held. */
    signal: (): AbortSignal | undefined => held?.signal,
    /** Takes the lease if free; the sink's cursor, or undefined when another replica holds it. */
    async claim(): Promise<string | undefined> {
      const cursor = await claimSinkLease(db, sink, owner, leaseMs);
      if (cursor === undefined) return undefined;
      held = new AbortController();
      renewal = setInterval(renew, Math.floor(leaseMs / 3));
      renewal.unref();
      return cursor;
    },
    /** Moves the cursor (renewing the lease); false, and the lease lost, when another replica holds it. */
    async advance(lastId: string): Promise<boolean> {
      const moved = await advanceSinkCursor(db, sink, owner, lastId, leaseMs);
      if (!moved) lose();
      return moved;
    },
    lose,
    /** Gives the lease up (a clean stop), so another replica need not wait for it to run out. */
    async release(): Promise<void> {
      const wasHeld = held !== undefined;
      lose();
      if (wasHeld) await releaseSinkLease(db, sink, owner).catch(() => {});
    },
  };
}

export type SinkLease = ReturnType<typeof createSinkLease>;
