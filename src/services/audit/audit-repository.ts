import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../../database/database.js';
import type { AuditEventRow, AuditPendingRow } from '../../database/tables/audit-events-table.js';
import type { AuditHead } from './audit-chain.js';
import type { AuditEvent, AuditOutcome, UnchainedAuditEvent } from './audit-event.js';
import { type AuditPageQuery, findAuditRowsByBranches, isFiltered } from './audit-page-query.js';

/** Most events read, or taken from `audit_pending`, per statement. */
export const AUDIT_PAGE = 1000;

/** The fields an event has before it is chained, from a stored row (chained or pending). */
function unchainedFromRow(row: AuditPendingRow): UnchainedAuditEvent {
  return {
    at: row.at,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    target: row.target,
    valueFingerprints: row.value_fingerprints,
  };
}

/** A stored `audit_events` row as an event (`id` as a string). */
export function auditEventFromRow(row: AuditEventRow): AuditEvent {
  return { id: String(row.id), ...unchainedFromRow(row), prevHash: row.prev_hash, hash: row.hash };
}

/** Locks the chain head for this transaction and returns the last id and hash. */
export async function lockAuditHead(trx: Executor): Promise<AuditHead> {
  const head = await trx
    .selectFrom('audit_head')
    .select(['last_id', 'last_hash'])
    .where('id', '=', 1)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return { lastId: Number(head.last_id), lastHash: head.last_hash };
}

/** The columns of an event that exist before it is chained, as stored. */
function unchainedColumns(e: UnchainedAuditEvent) {
  return {
    at: e.at,
    actor: e.actor,
    action: e.action,
    outcome: e.outcome,
    target: JSON.stringify(e.target),
    value_fingerprints: e.valueFingerprints ? JSON.stringify(e.valueFingerprints) : null,
  };
}

/**
 * Inserts events (already chained) and moves the head to the last one, in one statement; unless
 * `published`, their ids are listed in `audit_unpublished` by the same statement.
 */
export async function insertAuditEvents(
  trx: Executor,
  events: AuditEvent[],
  published: boolean,
): Promise<void> {
  if (events.length === 0) return;
  const last = events[events.length - 1];
  await sql`with inserted as (
      insert into audit_events (id, at, actor, action, outcome, target, value_fingerprints, prev_hash, hash)
      select * from (values ${chainedValues(events)}) as v returning id
    )${unpublishedPart(events, published, sql`true`)}
    update audit_head set last_id = ${last.id}, last_hash = ${last.hash} where id = 1`.execute(trx);
}

/** Chained events as a `values` list, in the column order of `audit_events`. */
function chainedValues(events: AuditEvent[]) {
  return sql.join(
    events.map((e) => {
      const c = unchainedColumns(e);
      return sql`(${e.id}::bigint, ${c.at}::timestamptz, ${c.actor}::text, ${c.action}::text, ${c.outcome}::text,
        ${c.target}::jsonb, ${c.value_fingerprints}::jsonb, ${e.prevHash}::text, ${e.hash}::text)`;
    }),
  );
}

/**
 * Unless `published`, a CTE part (after a comma) listing the events' ids in `audit_unpublished`
 * when `condition` holds; else nothing.
 */
function unpublishedPart(events: AuditEvent[], published: boolean, condition: RawBuilder<unknown>) {
  if (published) return sql``;
  return sql`, unpublished as (insert into audit_unpublished (id)
      select id from (values ${sql.join(events.map((e) => sql`(${e.id}::bigint)`))}) as u (id) where ${condition})`;
}

/** That the head was moved (a condition on the CTE part `moved`). */
const moved = sql`exists (select 1 from moved)`;

/** The head moved to the last event, only if it is still `head` (a CTE part named `moved`). */
function moveHead(head: AuditHead, events: AuditEvent[]) {
  const last = events[events.length - 1];
  return sql`moved as (
      update audit_head set last_id = ${last.id}, last_hash = ${last.hash}
      where id = 1 and last_id = ${head.lastId} and last_hash = ${head.lastHash}
      returning 1)`;
}

/**
 * Appends events (chained after `head`) and moves the head to the last one, in one statement,
 * only if the head is still `head`: false, with nothing written, when another writer moved it.
 */
export async function appendAuditEventsAfter(
  executor: Executor,
  head: AuditHead,
  events: AuditEvent[],
  published: boolean,
): Promise<boolean> {
  const result = await sql`with ${moveHead(head, events)}${unpublishedPart(events, published, moved)}
    insert into audit_events (id, at, actor, action, outcome, target, value_fingerprints, prev_hash, hash)
    select * from (values ${chainedValues(events)}) as v where ${moved}`.execute(executor);
  return Number(result.numAffectedRows ?? 0) === events.length;
}

/**
 * Chains pending events (their `seq`s and the events as they were stored) after `head` in one
 * statement: the head moved, the pending rows removed, the events appended — only if the head is
 * still `head` (else false, nothing written). Rejects, with nothing written, when a pending row is
 * gone (another chainer took it).
 */
export async function chainPendingAfter(
  executor: Executor,
  head: AuditHead,
  pending: { seqs: string[]; events: AuditEvent[] },
  published: boolean,
): Promise<boolean> {
  const { seqs, events } = pending;
  const result = await sql<{
    chained: string;
  }>`with ${moveHead(head, events)}${unpublishedPart(events, published, moved)},
    taken as (
      delete from audit_pending where seq in (${sql.join(seqs)}) and ${moved} returning 1
    ),
    inserted as (
      insert into audit_events (id, at, actor, action, outcome, target, value_fingerprints, prev_hash, hash)
      select * from (values ${chainedValues(events)}) as v where ${moved}
      returning 1
    )
    select (select count(*) from inserted) / (case when not exists (select 1 from moved)
      or (select count(*) from taken) = ${seqs.length} then 1 else 0 end) as chained`.execute(executor);
  return Number(result.rows[0]?.chained ?? 0) === events.length;
}

/**
 * Stores events to be chained later, in the caller's transaction (one statement); their `seq`s. With
 * `flushAtCommit` false the same statement lets that transaction's commit return before the WAL
 * is flushed to disk: the caller then waits for a later synchronous commit (the chainer's), which
 * flushes the WAL up to and past this one, before it answers.
 */
export async function insertPendingAuditEvents(
  trx: Executor,
  events: UnchainedAuditEvent[],
  flushAtCommit = true,
): Promise<string[]> {
  const rows = events.map((e) => {
    const c = unchainedColumns(e);
    return sql`(${c.at}::timestamptz, ${c.actor}::text, ${c.action}::text, ${c.outcome}::text,
        ${c.target}::jsonb, ${c.value_fingerprints}::jsonb)`;
  });
  const result = await sql<{ seq: string }>`with unflushed as (
      select set_config('synchronous_commit',
        case when ${flushAtCommit}::boolean then current_setting('synchronous_commit') else 'off' end, true)
    )
    insert into audit_pending (at, actor, action, outcome, target, value_fingerprints)
    select v.* from (values ${sql.join(rows)}) as v, unflushed
    returning seq`.execute(trx);
  return result.rows.map((row) => String(row.seq));
}

/** Whether any event waits to be chained (a cheap check before locking the head). */
export async function hasPendingAuditEvents(db: Executor): Promise<boolean> {
  const row = await db.selectFrom('audit_pending').select('seq').limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Locks the chain head and removes up to `limit` pending events (the oldest), in one statement:
 * the head (last id and hash), the events in `seq` order and their `seq`s. The head is locked even when no event
 * is pending (the transaction's commit then still flushes the WAL).
 */
export async function takePendingUnderLockedHead(
  trx: Executor,
  limit: number,
): Promise<{ head: AuditHead; events: UnchainedAuditEvent[]; seqs: string[] }> {
  const result = await sql<
    { last_id: string; last_hash: string } & { [K in keyof AuditPendingRow]: AuditPendingRow[K] | null } & {
      seq: string | null;
    }
  >`with head as (select last_id, last_hash from audit_head where id = 1 for update),
    taken as (
      delete from audit_pending
      where seq in (select seq from audit_pending order by seq limit ${limit}) and exists (select 1 from head)
      returning *
    )
    select head.last_id, head.last_hash, taken.* from head left join taken on true`.execute(trx);
  const [first] = result.rows;
  if (!first) throw new Error('the audit chain head is missing');
  const taken = result.rows.filter((row) => row.seq !== null) as unknown as Array<
    AuditPendingRow & { seq: string }
  >;
  taken.sort((a, b) => Number(a.seq) - Number(b.seq));
  return {
    head: { lastId: Number(first.last_id), lastHash: first.last_hash },
    events: taken.map(unchainedFromRow),
    seqs: taken.map((row) => String(row.seq)),
  };
}

export type { AuditPageQuery } from './audit-page-query.js';

/**
 * Events matching a filter, after (or, newest first, before) a cursor. Unfiltered, one walk of
 * the primary key; filtered, a union of ordered index ranges (`findAuditRowsByBranches`).
 */
export async function findAuditEvents(db: Executor, q: AuditPageQuery): Promise<AuditEvent[]> {
  if (isFiltered(q.filter)) return (await findAuditRowsByBranches(db, q)).map(auditEventFromRow);
  let query = db.selectFrom('audit_events').selectAll();
  if (q.newestFirst) {
    if (q.after) query = query.where('id', '<', q.after);
    query = query.orderBy('id', 'desc');
  } else {
    if (q.after) query = query.where('id', '>', q.after);
    if (q.before) query = query.where('id', '<', q.before);
    query = query.orderBy('id', 'asc');
  }
  const rows = await query.limit(q.limit).execute();
  return rows.map(auditEventFromRow);
}

/** The id of the newest committed event ('0' when none). */
export async function lastAuditEventId(db: Executor): Promise<string> {
  const head = await db
    .selectFrom('audit_head')
    .select('last_id')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return String(head.last_id);
}

/** The chain head as stored (no lock): the last id (as a string) and its hash. */
export async function readAuditHead(db: Executor): Promise<{ lastId: string; lastHash: string }> {
  const head = await db
    .selectFrom('audit_head')
    .select(['last_id', 'last_hash'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return { lastId: String(head.last_id), lastHash: head.last_hash };
}

/** Where the chain stands: its head, events waiting to be chained, events not yet on the live feed. */
export interface AuditBacklog {
  headId: number;
  pending: number;
  unpublished: number;
}

/** The audit backlog in one cheap statement. */
export async function readAuditBacklog(db: Executor): Promise<AuditBacklog> {
  const result = await sql<{ head_id: string; pending: string; unpublished: string }>`select
      (select last_id from audit_head where id = 1) as head_id,
      (select count(*) from audit_pending) as pending,
      (select count(*) from audit_unpublished) as unpublished`.execute(db);
  const row = result.rows[0];
  return { headId: Number(row.head_id), pending: Number(row.pending), unpublished: Number(row.unpublished) };
}
