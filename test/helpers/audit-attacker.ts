import { type Kysely, sql } from 'kysely';
import { auditEventHash } from '../../src/services/audit/audit-chain.js';
import type { AuditEvent } from '../../src/services/audit/audit-event.js';

/**
 * The database attacker of the audit tests: direct SQL on the test's own database, knowing the
 * hash (audit-chain.ts is public) but not the checkpoint signing key.
 */
type Db = Kysely<any>;
const TABLES = ['audit_events', 'audit_head', 'audit_checkpoints', 'audit_verification'];

/** Copies the audit tables aside (`bk_<table>`), to put them back between attacks. */
export async function backUpAudit(db: Db): Promise<void> {
  for (const table of TABLES) {
    await sql`drop table if exists ${sql.table(`bk_${table}`)}`.execute(db);
    await sql`create table ${sql.table(`bk_${table}`)} as select * from ${sql.table(table)}`.execute(db);
  }
}

/** Puts the audit tables back as `backUpAudit` found them. */
export async function restoreAudit(db: Db): Promise<void> {
  for (const table of TABLES) {
    await sql`delete from ${sql.table(table)}`.execute(db);
    await sql`insert into ${sql.table(table)} select * from ${sql.table(`bk_${table}`)}`.execute(db);
  }
}

/** Every stored event, oldest first. */
export async function storedEvents(db: Db): Promise<AuditEvent[]> {
  const rows = await sql<any>`select * from audit_events order by id`.execute(db);
  return rows.rows.map((r) => ({
    id: String(r.id),
    at: r.at,
    actor: r.actor,
    action: r.action,
    outcome: r.outcome,
    target: r.target,
    valueFingerprints: r.value_fingerprints,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/**
 * Rewrites the log as `events` (ids renumbered from 1, contents as given) with every hash
 * recomputed and `audit_head` moved to the new last event: a consistent chain the attacker made.
 */
export async function rewriteLog(
  db: Db,
  events: Array<Omit<AuditEvent, 'id' | 'prevHash' | 'hash'>>,
): Promise<void> {
  let prevHash = '0'.repeat(64);
  const chained = events.map((e, i) => {
    const withId = { ...e, id: String(i + 1) };
    const hash = auditEventHash(prevHash, withId);
    const event = { ...withId, prevHash, hash };
    prevHash = hash;
    return event;
  });
  await sql`delete from audit_events`.execute(db);
  for (let i = 0; i < chained.length; i += 500) {
    const rows = chained.slice(i, i + 500).map(
      (e) => sql`(${e.id}::bigint, ${e.at}::timestamptz, ${e.actor}, ${e.action}, ${e.outcome},
        ${JSON.stringify(e.target)}::jsonb, ${e.valueFingerprints ? JSON.stringify(e.valueFingerprints) : null}::jsonb,
        ${e.prevHash}, ${e.hash}, true)`,
    );
    await sql`insert into audit_events (id, at, actor, action, outcome, target, value_fingerprints, prev_hash, hash, published)
      values ${sql.join(rows)}`.execute(db);
  }
  const last = chained.at(-1);
  await sql`update audit_head set last_id = ${last?.id ?? 0}, last_hash = ${last?.hash ?? prevHash}`.execute(
    db,
  );
}

/** Cuts the log after event `keep` and moves `audit_head` there, consistently. */
export async function truncateLog(db: Db, keep: number): Promise<void> {
  await sql`delete from audit_events where id > ${keep}`.execute(db);
  await sql`update audit_head set last_id = ${keep},
    last_hash = (select hash from audit_events where id = ${keep})`.execute(db);
}
