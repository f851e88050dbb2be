import { sql } from 'kysely';
import type { Executor } from '../../database/database.js';
import type { AuditCheckpointRow } from '../../database/tables/audit-checkpoints-table.js';
import type { AuditHead } from './audit-chain.js';
import type { AuditEvent } from './audit-event.js';
import { auditEventFromRow } from './audit-repository.js';
import type { AuditCheckpoint } from './checkpoint-signature.js';

/** A stored checkpoint row as a checkpoint (ids as strings). */
function checkpointFromRow(row: AuditCheckpointRow): AuditCheckpoint {
  return {
    id: String(row.id),
    lastEventId: String(row.last_event_id),
    lastHash: row.last_hash,
    at: row.at,
    signature: row.signature,
  };
}

/** Checkpoints, newest (highest event id) first, below `beforeEventId` when given. */
export async function listAuditCheckpoints(
  db: Executor,
  q: { limit: number; beforeEventId?: string | null; afterEventId?: string | null },
): Promise<AuditCheckpoint[]> {
  let query = db.selectFrom('audit_checkpoints').selectAll();
  if (q.beforeEventId) query = query.where('last_event_id', '<', q.beforeEventId);
  if (q.afterEventId) query = query.where('last_event_id', '>', q.afterEventId);
  const rows = await query.orderBy('last_event_id', 'desc').limit(q.limit).execute();
  return rows.map(checkpointFromRow);
}

/** Checkpoints covering events in (`afterEventId`, `upToEventId`], oldest first. */
export async function checkpointsBetween(
  db: Executor,
  afterEventId: number,
  upToEventId: number,
): Promise<AuditCheckpoint[]> {
  const rows = await db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('last_event_id', '>', String(afterEventId))
    .where('last_event_id', '<=', String(upToEventId))
    .orderBy('last_event_id', 'asc')
    .execute();
  return rows.map(checkpointFromRow);
}

/** The chain head and the newest checkpoint's event id (0 when none), in one statement. */
export async function readCheckpointLag(db: Executor): Promise<{ head: AuditHead; checkpointed: number }> {
  const result = await sql<{ last_id: string; last_hash: string; checkpointed: string | null }>`select
      h.last_id, h.last_hash, (select max(last_event_id) from audit_checkpoints) as checkpointed
      from audit_head h where h.id = 1`.execute(db);
  const row = result.rows[0];
  return {
    head: { lastId: Number(row.last_id), lastHash: row.last_hash },
    checkpointed: Number(row.checkpointed ?? 0),
  };
}

/**
 * Takes the checkpoint lock for this transaction: if free (false: another replica holds it), or,
 * with `wait`, once the holder commits.
 */
export async function tryCheckpointLock(trx: Executor, wait = false): Promise<boolean> {
  if (wait) {
    await sql`select pg_advisory_xact_lock(${CHECKPOINT_LOCK}::bigint)`.execute(trx);
    return true;
  }
  const result = await sql<{ locked: boolean }>`select
    pg_try_advisory_xact_lock(${CHECKPOINT_LOCK}::bigint) as locked`.execute(trx);
  return result.rows[0].locked === true;
}

/** Advisory lock key of checkpoint making ("sgwckp" in ASCII). */
const CHECKPOINT_LOCK = '126888221830000';

/** Stores new checkpoints and returns them as stored. */
export async function insertAuditCheckpoints(
  trx: Executor,
  checkpoints: Array<Pick<AuditCheckpoint, 'lastEventId' | 'lastHash' | 'signature'>>,
): Promise<AuditCheckpoint[]> {
  if (checkpoints.length === 0) return [];
  const rows = await trx
    .insertInto('audit_checkpoints')
    .values(
      checkpoints.map((c) => ({
        last_event_id: c.lastEventId,
        last_hash: c.lastHash,
        signature: c.signature,
      })),
    )
    .returningAll()
    .execute();
  return rows.map(checkpointFromRow);
}

/** The hashes of the events with these ids (missing ids are absent from the map). */
export async function eventHashesAt(db: Executor, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('audit_events')
    .select(['id', 'hash'])
    .where(
      'id',
      'in',
      ids.map((id) => String(id)),
    )
    .execute();
  return new Map(rows.map((r) => [Number(r.id), r.hash]));
}

/** What `verifyAuditChain` remembers: the last checkpoint it found intact, and its sweep. */
export interface VerificationMemory {
  checkpointId: string;
  lastEventId: number;
  lastHash: string;
  sweepAfter: number;
}

export async function readVerificationMemory(db: Executor): Promise<VerificationMemory | null> {
  const row = await db.selectFrom('audit_verification').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return null;
  return {
    checkpointId: String(row.checkpoint_id),
    lastEventId: Number(row.last_event_id),
    lastHash: row.last_hash,
    sweepAfter: Number(row.sweep_after),
  };
}

/** Remembers a verification; never moves the remembered checkpoint back (concurrent verifiers). */
export async function saveVerificationMemory(db: Executor, memory: VerificationMemory): Promise<void> {
  const values = {
    id: 1,
    checkpoint_id: memory.checkpointId,
    last_event_id: memory.lastEventId,
    last_hash: memory.lastHash,
    sweep_after: memory.sweepAfter,
    verified_at: new Date(),
  };
  await db
    .insertInto('audit_verification')
    .values(values)
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({
          checkpoint_id: memory.checkpointId,
          last_event_id: memory.lastEventId,
          last_hash: memory.lastHash,
          sweep_after: memory.sweepAfter,
          verified_at: values.verified_at,
        })
        .where('audit_verification.last_event_id', '<=', String(memory.lastEventId)),
    )
    .execute();
}

/** Events in (`after`, `upTo`], oldest first, at most `limit`: what a new checkpoint will sign. */
export async function eventsToSign(
  db: Executor,
  after: number,
  upTo: number,
  limit: number,
): Promise<AuditEvent[]> {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('id', '>', String(after))
    .where('id', '<=', String(upTo))
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
  return rows.map(auditEventFromRow);
}
