import { sql } from 'kysely';
import type { Db } from '../../database/database.js';
import { checkpointsBetween, eventHashesAt } from './audit-checkpoint-repository.js';

/**
 * Where a change in already checkpointed events begins (only on a failed verification): the
 * event after the last checkpoint whose event still has its signed hash; or, when the log was
 * cut, the first event missing after it. A consistent rewrite (every later hash recomputed)
 * cannot be placed more precisely than between two checkpoints (at most 1,000 events).
 */
export async function firstChangedAfter(db: Db, upTo: number): Promise<string> {
  const checkpoints = await checkpointsBetween(db, 0, upTo);
  const hashes = await eventHashesAt(
    db,
    checkpoints.map((c) => Number(c.lastEventId)),
  );
  let lastIntact = 0;
  for (const c of checkpoints) {
    if (hashes.get(Number(c.lastEventId)) !== c.lastHash) break;
    lastIntact = Number(c.lastEventId);
  }
  const result = await sql<{ last: string | null }>`select max(id) as last from audit_events
    where id > ${lastIntact} and id <= ${upTo}`.execute(db);
  const last = Number(result.rows[0]?.last ?? lastIntact);
  const missing = await sql<{ n: string }>`select count(*) as n from audit_events
    where id > ${lastIntact} and id <= ${last}`.execute(db);
  // Every id present up to `last`: the log was cut after it; else the rewrite starts after lastIntact.
  const contiguous = Number(missing.rows[0].n) === last - lastIntact;
  const cut = contiguous && last < upTo && hashes.get(upTo) === undefined;
  return String(cut ? last + 1 : lastIntact + 1);
}
