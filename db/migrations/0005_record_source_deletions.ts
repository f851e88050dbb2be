import type { Kysely } from 'kysely';

/**
 * A migration item's source deletion as its own recorded step: `source_deletion` is null when
 * none was asked (no `deleteSource`, or the item was not copied), `PENDING` once the verified
 * copy committed, `DELETED` once the source is gone, `FAILED` after the retry bound; with the
 * attempts made and the last error.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('migration_items')
    .addColumn('source_deletion', 'text')
    .addColumn('source_delete_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source_delete_error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('migration_items')
    .dropColumn('source_delete_error')
    .dropColumn('source_delete_attempts')
    .dropColumn('source_deletion')
    .execute();
}
