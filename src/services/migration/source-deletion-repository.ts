import { sql } from 'kysely';
import type { Executor } from '../../database/database.js';

/** Items of a job whose source deletion is still pending, in their order. */
export function listPendingDeletions(db: Executor, jobId: string) {
  return db
    .selectFrom('migration_items')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('source_deletion', '=', 'PENDING')
    .orderBy('position')
    .execute();
}

/** Records sources found deleted (pending ones only). */
export async function markSourcesDeleted(db: Executor, jobId: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await db
    .updateTable('migration_items')
    .set({
      source_deletion: 'DELETED',
      source_delete_attempts: sql`source_delete_attempts + 1`,
      source_delete_error: null,
      updated_at: new Date(),
    })
    .where('job_id', '=', jobId)
    .where('name', 'in', names)
    .where('source_deletion', '=', 'PENDING')
    .execute();
}

/**
 * Records one failed attempt for each named pending deletion; one that reaches `maxAttempts`
 * becomes FAILED. Returns the names that did.
 */
export async function recordDeleteFailures(
  db: Executor,
  jobId: string,
  failures: { names: string[]; error: string; maxAttempts: number },
): Promise<string[]> {
  if (failures.names.length === 0) return [];
  const rows = await db
    .updateTable('migration_items')
    .set({
      source_deletion: sql`case when source_delete_attempts + 1 >= ${failures.maxAttempts} then 'FAILED' else 'PENDING' end`,
      source_delete_attempts: sql`source_delete_attempts + 1`,
      source_delete_error: failures.error,
      updated_at: new Date(),
    })
    .where('job_id', '=', jobId)
    .where('name', 'in', failures.names)
    .where('source_deletion', '=', 'PENDING')
    .returning(['name', 'source_deletion'])
    .execute();
  return rows.filter((r) => r.source_deletion === 'FAILED').map((r) => r.name);
}

/** How many asked source deletions are not done (pending or failed), of how many asked. */
export async function countSourcesLeft(
  db: Executor,
  jobId: string,
): Promise<{ left: number; asked: number }> {
  const row = await db
    .selectFrom('migration_items')
    .select([
      sql<string>`count(*) filter (where source_deletion in ('PENDING', 'FAILED'))`.as('left'),
      sql<string>`count(source_deletion)`.as('asked'),
    ])
    .where('job_id', '=', jobId)
    .executeTakeFirstOrThrow();
  return { left: Number(row.left), asked: Number(row.asked) };
}
