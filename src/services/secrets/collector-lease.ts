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
