import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrations } from '../../db/migrations/index.js';
import type { Db } from './database.js';

const MIGRATION_LOCK_KEY = 7_301_442_019;

/**
 * Brings the schema to the latest migration under a session advisory lock, so replicas
 * starting together run them once; runs `afterMigrate` (e.g. bootstrap) under the same lock.
 * Throws, naming the failed migration, when one fails.
 */
export async function runMigrations(db: Db, afterMigrate?: (db: Db) => Promise<void>): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const migrator = new Migrator({ db: conn, provider: { getMigrations: async () => migrations } });
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
        throw new Error(`database migration ${failed} failed: ${(error as Error).message}`);
      }
      if (afterMigrate) await afterMigrate(conn);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
