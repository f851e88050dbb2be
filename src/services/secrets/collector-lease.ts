import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../../database/database.js';

// A named lease in `store_collector_lease`, so that one replica at a time runs a background
// collector (the store's orphan collector, the purger of expired deleted secrets).

/** A name for this process as a lease holder. */
export function leaseHolderName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Takes (or renews) the lease `name` for `ttlMs`; false while another replica holds it. */
export async function takeLease(db: Db, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const expires = sql<Date>`now() + ${ttlMs} * interval '1 millisecond'`;
  const row = await db
    .insertInto('store_collector_lease')
    .values({ name, holder, expires_at: expires })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: expires })
        .where((eb) =>
          eb.or([
            eb('store_collector_lease.expires_at', '<', sql<Date>`now()`),
            eb('store_collector_lease.holder', '=', holder),
          ]),
        ),
    )
    .returning('holder')
    .executeTakeFirst();
  return row !== undefined;
}

/** Gives the lease `name` up, if this holder has it. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db
    .deleteFrom('store_collector_lease')
    .where('name', '=', name)
    .where('holder', '=', holder)
    .execute();
}

/** What `createLeasedPasses` runs. */
export interface LeasedPassesOptions<T> {
  db: Db;
  /** The lease's name (one per kind of collector). */
  lease: string;
  /** How long a pass may hold the lease (renewed by the next pass of the holder). */
  ttlMs: number;
  intervalMs: number;
  /** False: no pass does anything (`idle` is the answer) and `start` starts nothing. */
  enabled: boolean;
  /** What a pass answers when it does nothing (disabled, or another replica holds the lease). */
  idle: () => T;
  /** The pass's work, under the lease. */
  work: () => Promise<T>;
  /** A failed pass started by the timer (never values in what is logged). */
  onError: (error: unknown) => void;
}

/**
 * A background collector's passes: each takes the lease (else does nothing), runs `work`, gives
 * the lease up; a pass asked for while one runs joins it; `start` runs one every interval.
 */
export function createLeasedPasses<T>(options: LeasedPassesOptions<T>) {
  const { db, lease } = options;
  const holder = leaseHolderName();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;

  async function pass(): Promise<T> {
    if (!options.enabled || !(await takeLease(db, lease, holder, options.ttlMs))) return options.idle();
    try {
      return await options.work();
    } finally {
      await releaseLease(db, lease, holder).catch(() => undefined);
    }
  }

  /** One pass now (joins the one running). */
  function runOnce(): Promise<T> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    runOnce,
    start(): void {
      if (timer || !options.enabled) return;
      timer = setInterval(() => runOnce().catch(options.onError), options.intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
