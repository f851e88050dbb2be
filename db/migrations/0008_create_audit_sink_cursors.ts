import type { Kysely } from 'kysely';

/**
 * One row per audit sink (`file`, `webhook`): the last event it delivered (its cursor), the
 * replica that drives it and until when (its lease), and why its last attempt failed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_sink_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_sink_cursors').execute();
}
