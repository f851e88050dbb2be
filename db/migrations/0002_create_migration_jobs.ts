import { type Kysely, sql } from 'kysely';

/** Secrets migration jobs and their items: claimed by any replica with a lease. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('migration_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('stack_name', 'text', (c) => c.notNull())
    .addColumn('source_component_id', 'uuid', (c) => c.notNull())
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('principals.id'))
    .addColumn('target_scope', 'text', (c) => c.notNull())
    .addColumn('on_conflict', 'text', (c) => c.notNull())
    .addColumn('renames', 'jsonb', (c) => c.notNull())
    .addColumn('delete_source', 'boolean', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('cancel_requested', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`create index migration_jobs_runnable on migration_jobs (created_at) where status in ('PENDING', 'RUNNING')`.execute(
    db,
  );

  await db.schema
    .createTable('migration_items')
    .addColumn('job_id', 'uuid', (c) => c.notNull().references('migration_jobs.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('migration_items_pk', ['job_id', 'name'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('migration_items').ifExists().execute();
  await db.schema.dropTable('migration_jobs').ifExists().execute();
}
