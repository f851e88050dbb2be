import type { Kysely } from 'kysely';

/**
 * Who a component belongs to: the principal that last registered or updated its configuration.
 * USER-scoped secrets resolve only into components their reader owns; rows from before this
 * migration have no owner (their references resolve in WORKSPACE scope only).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('components')
    .addColumn('owner_id', 'uuid', (c) => c.references('principals.id').onDelete('set null'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('components').dropColumn('owner_id').execute();
}
