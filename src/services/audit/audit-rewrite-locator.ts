import { sql } from 'kysely';
import type { Db } from '../../database/database.js';
import { checkpointsBetween, eventHashesAt } from './audit-checkpoint-repository.js';

/**
 * Where a change in already checkpointed events begins (only on a failed verification). The
 * first checkpoint (or the remembered event `upTo`) whose event no longer has its signed hash:
 * if that event is still there, the events after the last intact checkpoint were rewritten (a
 * consistent rewrite, every later hash recomputed, cannot be placed more precisely than between
 * two checkpoints: at most 1,000 events); if it is gone and every id before it is present, the
 * log was cut after its last event.
 */
export async function firstChangedAfter(db: Db, upTo: number, upToHash: string): Promise<string> {
  const signed = [
    ...(await checkpointsBetween(db, 0, upTo - 1)).map((c) => ({
      at: Number(c.lastEventId),
      hash: c.lastHash,
    })),
    { at: upTo, hash: upToHash },
  ];
  const hashes = await eventHashesAt(
    db,
    signed.map((c) => c.at),
  );
  let lastIntact = 0;
  const firstBad = signed.find((c) => {
    if (hashes.get(c.at) !== c.hash) return true;
    lastIntact = c.at;
    return false;
  });
  if (!firstBad || hashes.has(firstBad.at)) return String(lastIntact + 1);
  const result = await sql<{ last: string | null; n: string }>`select max(id) as last, count(*) as n
    from audit_events where id > ${lastIntact} and id < ${firstBad.at}`.execute(db);
  const last = Number(result.rows[0]?.last ?? lastIntact);
  const contiguous = Number(result.rows[0]?.n ?? 0) === last - lastIntact;
  return String(contiguous ? last + 1 : lastIntact + 1);
}
