import { sql } from 'kysely';
import type { Executor } from '../../../database/database.js';

/** `now()` plus `ms` milliseconds, in the database's clock (every replica shares it). */
const leaseEnd = (ms: number) => sql<Date>`now() + ${ms} * interval '1 millisecond'`;

/**
 * Takes the sink's lease for `owner` when nobody holds it, its holder's lease ran out, or
 * `owner` holds it already; returns the sink's cursor (last delivered id), or undefined when
 * another replica holds the lease. Creates the sink's row (cursor 0) the first time.
 */
export async function claimSinkLease(
  db: Executor,
  name: string,
  owner: string,
  leaseMs: number,
): Promise<string | undefined> {
  const row = await db
    .insertInto('audit_sink_cursors')
    .values({ name, owner, lease_until: leaseEnd(leaseMs) })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ owner, lease_until: leaseEnd(leaseMs) })
        .where((eb) =>
          eb.or([
            eb('audit_sink_cursors.owner', 'is', null),
            eb('audit_sink_cursors.owner', '=', owner),
            eb('audit_sink_cursors.lease_until', '<', sql<Date>`now()`),
          ]),
        ),
    )
    .returning('last_id')
    .executeTakeFirst();
  return row === undefined ? undefined : String(row.last_id);
}

/** Extends the lease `owner` holds; false when it no longer holds it. */
export async function renewSinkLease(
  db: Executor,
  name: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const result = await db
    .updateTable('audit_sink_cursors')
    .set({ lease_until: leaseEnd(leaseMs) })
    .where('name', '=', name)
    .where('owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Moves the cursor to `lastId` (clearing the last error) if `owner` still holds the lease. */
export async function advanceSinkCursor(
  db: Executor,
  name: string,
  owner: string,
  lastId: string,
  leaseMs: number,
): Promise<boolean> {
  const result = await db
    .updateTable('audit_sink_cursors')
    .set({ last_id: lastId, last_error: null, lease_until: leaseEnd(leaseMs) })
    .where('name', '=', name)
    .where('owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records why the sink's last attempt failed (only by the lease holder). */
export async function recordSinkError(
  db: Executor,
  name: string,
  owner: string,
  error: string,
): Promise<void> {
  await db
    .updateTable('audit_sink_cursors')
    .set({ last_error: error })
    .where('name', '=', name)
    .where('owner', '=', owner)
    .execute();
}

/** Gives the lease up at once (a clean stop), so another replica need not wait for it to run out. */
export async function releaseSinkLease(db: Executor, name: string, owner: string): Promise<void> {
  await db
    .updateTable('audit_sink_cursors')
    .set({ owner: null, lease_until: null })
    .where('name', '=', name)
    .where('owner', '=', owner)
    .execute();
}

/** A sink as stored: its cursor and last error (a sink that never ran has cursor 0). */
export interface StoredSinkState {
  name: string;
  lastDeliveredId: string;
  lastError: string | null;
  /** Events committed after the cursor (ids are gapless: the head id minus the cursor). */
  lag: number;
}

/** The state of each named sink, in the order given, in one statement. */
export async function readSinkStates(db: Executor, names: readonly string[]): Promise<StoredSinkState[]> {
  if (names.length === 0) return [];
  const result = await sql<{ last_id: string; head_id: string; name: string; last_error: string | null }>`
    select c.name, c.last_id, c.last_error, h.last_id as head_id
    from audit_head h left join audit_sink_cursors c on c.name in (${sql.join(names)})
    where h.id = 1`.execute(db);
  const head = Number(result.rows[0]?.head_id ?? 0);
  return names.map((name) => {
    const row = result.rows.find((r) => r.name === name);
    const lastDeliveredId = String(row?.last_id ?? '0');
    return {
      name,
      lastDeliveredId,
      lastError: row?.last_error ?? null,
      lag: Math.max(0, head - Number(lastDeliveredId)),
    };
  });
}
