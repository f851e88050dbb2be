import { type Kysely, sql } from 'kysely';

/**
 * Signed audit checkpoints and the verifier's memory. `audit_checkpoints`: one row per signed
 * checkpoint (Ed25519 over `sgw-audit-checkpoint/v1\n<lastEventId>\n<lastHash>`; the key is never
 * stored here). `audit_verification`: one row, the last checkpoint `verifyAuditChain` found
 * intact, so the next call starts there, and where the re-check of older events stands.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('last_event_id', 'bigint', (c) => c.notNull().unique())
    .addColumn('last_hash', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('audit_verification')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('checkpoint_id', 'bigint', (c) => c.notNull())
    .addColumn('last_event_id', 'bigint', (c) => c.notNull())
    .addColumn('last_hash', 'text', (c) => c.notNull())
    .addColumn('sweep_after', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('verified_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_verification').execute();
  await db.schema.dropTable('audit_checkpoints').execute();
}
