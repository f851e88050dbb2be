import { z } from 'zod';
import type { Authorize } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../database/database.js';
import type { MigrationJobRow } from '../../database/tables/migration-jobs-table.js';
import { NotFoundError } from '../../errors.js';
import { itemFromRow, type Migration, type MigrationItem, migrationFromRow, TERMINAL } from './migration.js';
import type { ProgressFeed } from './migration-progress.js';
import * as repo from './migration-repository.js';

export interface MigrationJobsDeps {
  db: Db;
  authorize: Authorize;
  progress: Pick<ProgressFeed, 'publish'>;
}

/** A job with `done` counted from its items while it runs (the row holds it once finished). */
async function withDone(db: Db, row: MigrationJobRow): Promise<Migration> {
  const migration = migrationFromRow(row);
  return TERMINAL.has(migration.status)
    ? migration
    : { ...migration, done: await repo.countDone(db, migration.id) };
}

/** A job by id; NOT_FOUND when the id is no UUID or no such job exists. */
export async function requireJob(db: Db, id: string): Promise<Migration> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError(`Migration ${id} not found`);
  const row = await repo.findJob(db, id);
  if (!row) throw new NotFoundError(`Migration ${id} not found`);
  return withDone(db, row);
}

/** A job by id (undefined when there is none); needs `migration.run`. */
export async function getMigration(
  deps: MigrationJobsDeps,
  principal: Principal,
  id: string,
): Promise<Migration | undefined> {
  await deps.authorize(principal, 'migration.run', {
    action: 'migration.get',
    target: { kind: 'migration', migrationId: id },
  });
  if (!z.uuid().safeParse(id).success) return undefined;
  const row = await repo.findJob(deps.db, id);
  return row && withDone(deps.db, row);
}

/** The latest 200 jobs, newest first; needs `migration.run`. */
export async function listMigrations(deps: MigrationJobsDeps, principal: Principal): Promise<Migration[]> {
  await deps.authorize(principal, 'migration.run', {
    action: 'migration.list',
    target: { kind: 'migration' },
  });
  return Promise.all((await repo.listJobs(deps.db)).map((row) => withDone(deps.db, row)));
}

/** A job's items in their order (no authorization: reached through a job already read). */
export async function migrationItems(db: Db, id: string): Promise<MigrationItem[]> {
  return (await repo.listItems(db, id)).map(itemFromRow);
}

/**
 * Stops a job between items: a pending one no worker holds is cancelled at once (and
 * published), a running one is flagged for its worker. Needs `migration.run`; NOT_FOUND.
 */
export async function cancelMigration(
  deps: MigrationJobsDeps,
  principal: Principal,
  id: string,
): Promise<Migration> {
  await deps.authorize(principal, 'migration.run', {
    action: 'migration.cancel',
    target: { kind: 'migration', migrationId: id },
  });
  const job = await requireJob(deps.db, id);
  if (TERMINAL.has(job.status)) return job;
  const cancelled = await repo.cancelPending(deps.db, id);
  if (cancelled) {
    const migration = migrationFromRow(cancelled);
    await deps.progress.publish({ migration, item: null });
    return migration;
  }
  return migrationFromRow((await repo.requestCancel(deps.db, id))!);
}
