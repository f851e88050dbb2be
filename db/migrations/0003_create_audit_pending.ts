import type { Kysely } from 'kysely';

/**
 * Audit events committed with a change but not yet on the chain: a write inserts its events
 * here (no chain head lock held through its commit), and the chainer moves them onto the chain
 * in batches, in `seq` order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_pending')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('target', 'jsonb', (c) => c.notNull())
    .addColumn('value_fingerprints', 'jsonb')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_pending').execute();
}
