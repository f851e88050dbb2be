import { type Kysely, sql } from 'kysely';

/**
 * The ids a remote centralized store's entries are tagged with, as a ZenML server tags them: the
 * deployment id (`zenml` tag) and the workspace id (`zenml_secret_workspace`). One row (CHECK on
 * the singleton key), written once — generated, or adopted from SGW_DEPLOYMENT_ID /
 * SGW_WORKSPACE_ID — and kept.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('store_identity')
    .addColumn('singleton', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`singleton`))
    .addColumn('deployment_id', 'uuid', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('store_identity').ifExists().execute();
}
