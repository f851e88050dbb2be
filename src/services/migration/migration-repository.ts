import { sql } from 'kysely';
import type { Executor } from '../../database/database.js';
import type { MigrationItem, MigrationItemStatus } from './migration.js';

export interface NewMigrationJob {
  stackName: string;
  sourceComponentId: string;
  ownerId: string;
  targetScope: string;
  onConflict: string;
  renames: Record<string, string>;
  deleteSource: boolean;
  items: Array<{ name: string; targetName: string }>;
}

export async function insertJob(db: Executor, job: NewMigrationJob) {
  const row = await db
    .insertInto('migration_jobs')
    .values({
      status: 'PENDING',
      stack_name: job.stackName,
      source_component_id: job.sourceComponentId,
      owner_id: job.ownerId,
      target_scope: job.targetScope,
      on_conflict: job.onConflict,
      renames: JSON.stringify(job.renames),
      delete_source: job.deleteSource,
      total: job.items.length,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (let i = 0; i < job.items.length; i += 500) {
    await db
      .insertInto('migration_items')
      .values(
        job.items.slice(i, i + 500).map((item, j) => ({
          job_id: row.id,
          position: i + j,
          name: item.name,
          target_name: item.targetName,
          status: 'PENDING',
        })),
      )
      .execute();
  }
  return row;
}

export function findJob(db: Executor, id: string) {
  return db.selectFrom('migration_jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listJobs(db: Executor) {
  return db.selectFrom('migration_jobs').selectAll().orderBy('created_at', 'desc').limit(200).execute();
}

export function listItems(db: Executor, jobId: string, status?: MigrationItemStatus) {
  let query = db.selectFrom('migration_items').selectAll().where('job_id', '=', jobId);
  if (status) query = query.where('status', '=', status);
  return query.orderBy('position').execute();
}

/** Claims one runnable job (pending, or running with an expired lease) for `owner`. */
export async function claimJob(db: Executor, owner: string, leaseMs: number) {
  return db
    .updateTable('migration_jobs')
    .set({
      lease_owner: owner,
      lease_expires_at: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
      status: sql`case when cancel_requested then status else 'RUNNING' end`,
      started_at: sql`coalesce(started_at, now())`,
    })
    .where(
      'id',
      '=',
      (eb) =>
        eb
          .selectFrom('migration_jobs')
          .select('id')
          .where('status', 'in', ['PENDING', 'RUNNING'])
          .where((w) =>
            w.or([w('lease_expires_at', 'is', null), w('lease_expires_at', '<', sql<Date>`now()`)]),
          )
          .orderBy('created_at')
          .limit(1)
          .forUpdate()
          .skipLocked() as never,
    )
    .returningAll()
    .executeTakeFirst();
}

/** Extends the lease; returns the job's cancel flag, or undefined when the lease was lost. */
export async function renewLease(db: Executor, id: string, owner: string, leaseMs: number) {
  const row = await db
    .updateTable('migration_jobs')
    .set({ lease_expires_at: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'RUNNING')
    .returning('cancel_requested')
    .executeTakeFirst();
  return row?.cancel_requested;
}

/**
 * Records the outcomes of pending items, one statement per distinct status, error and source
 * deletion (`sourceDeleted` false: PENDING, true: DELETED, null: none asked).
 */
export async function saveItems(db: Executor, jobId: string, items: MigrationItem[]): Promise<void> {
  const groups = new Map<string, MigrationItem[]>();
  for (const item of items) {
    const key = JSON.stringify([item.status, item.error, item.sourceDeleted]);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  for (const group of groups.values()) {
    const { status, error, sourceDeleted } = group[0];
    const deletion = sourceDeleted === null ? null : sourceDeleted ? 'DELETED' : 'PENDING';
    await db
      .updateTable('migration_items')
      .set({ status, error, source_deletion: deletion, updated_at: new Date() })
      .where('job_id', '=', jobId)
      .where(
        'name',
        'in',
        group.map((item) => item.name),
      )
      .where('status', '=', 'PENDING')
      .execute();
  }
}

/** How many items of a job are finished (not pending). */
export async function countDone(db: Executor, jobId: string): Promise<number> {
  const row = await db
    .selectFrom('migration_items')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('job_id', '=', jobId)
    .where('status', '!=', 'PENDING')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function finishJob(db: Executor, id: string, status: string, error: string | null) {
  const done = await countDone(db, id);
  return db
    .updateTable('migration_jobs')
    .set({ status, error, done, finished_at: new Date(), lease_owner: null, lease_expires_at: null })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function requestCancel(db: Executor, id: string) {
  return db
    .updateTable('migration_jobs')
    .set({ cancel_requested: true })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Cancels a job that no worker holds yet. */
export async function cancelPending(db: Executor, id: string) {
  return db
    .updateTable('migration_jobs')
    .set({ status: 'CANCELLED', finished_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'PENDING')
    .where((w) => w.or([w('lease_expires_at', 'is', null), w('lease_expires_at', '<', sql<Date>`now()`)]))
    .returningAll()
    .executeTakeFirst();
}

export async function countItemsByStatus(db: Executor, jobId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('migration_items')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('job_id', '=', jobId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
