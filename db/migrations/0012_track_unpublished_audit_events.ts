import { type Kysely, sql } from 'kysely';

/**
 * Events not yet sent on the live feed are listed in a narrow table of their ids instead of
 * flagged in `audit_events`: marking one sent deletes a row here, where flipping the flag
 * rewrote the whole event (the partial index on it rules out a HOT update) with an entry in each
 * of its indexes — more work for Postgres than the insert itself. New rows of `audit_events` are
 * stored `published`; the relay still takes over rows a replica of the previous release leaves
 * unpublished during a rolling upgrade (found through `audit_events_unpublished`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_unpublished')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .execute();
  await sql`insert into audit_unpublished (id) select id from audit_events where not published`.execute(db);
  await sql`update audit_events set published = true where not published`.execute(db);
  await sql`alter table audit_events alter column published set default true`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_events alter column published set default false`.execute(db);
  await sql`update audit_events set published = false where id in (select id from audit_unpublished)`.execute(
    db,
  );
  await db.schema.dropTable('audit_unpublished').execute();
}
