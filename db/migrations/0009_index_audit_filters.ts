import { type Kysely, sql } from 'kysely';

/**
 * Indexes that answer every `AuditFilter` page from an ordered index scan (newest or oldest
 * first), so a filter matching nothing reads an empty index range instead of the table:
 * one `(key, id)` index per equality filter, `(key, action, id)` for the usual pairs, `at` for
 * `since`, and `audit_event_secrets` (secret name → event id, filled by a trigger) for the
 * secret names inside a `component.resolve` event's `target.secrets` array.
 *
 * Plain CREATE INDEX: Kysely runs a migration in a transaction, where CONCURRENTLY is not
 * allowed; on a large existing log the upgrade holds writes to `audit_events` while it builds
 * (about a minute per ten million events on a small machine).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index audit_events_actor on audit_events (actor, id)`.execute(db);
  await sql`create index audit_events_actor_action on audit_events (actor, action, id)`.execute(db);
  await sql`create index audit_events_actor_secret_name on audit_events (actor, (target->>'name'), id)`.execute(
    db,
  );
  await sql`create index audit_events_secret_name_action on audit_events ((target->>'name'), action, id)`.execute(
    db,
  );
  await sql`create index audit_events_migration on audit_events ((target->>'migrationId'), id)
    where target->>'migrationId' is not null`.execute(db);
  await sql`create index audit_events_migration_action on audit_events ((target->>'migrationId'), action, id)
    where target->>'migrationId' is not null`.execute(db);
  await sql`create index audit_events_at on audit_events (at, id)`.execute(db);
  await createSecretNamesIndex(db);
  await sql`analyze audit_events`.execute(db);
}

/**
 * Secret names inside `target.secrets` (one row per name and event, with the event's action and
 * actor for the paired filters), kept by a trigger.
 */
async function createSecretNamesIndex(db: Kysely<any>): Promise<void> {
  await sql`create table audit_event_secrets (
      secret_name text not null,
      event_id bigint not null,
      action text not null,
      actor text not null,
      primary key (secret_name, event_id))`.execute(db);
  await sql`create index audit_event_secrets_action on audit_event_secrets (secret_name, action, event_id)`.execute(
    db,
  );
  await sql`create index audit_event_secrets_actor on audit_event_secrets (secret_name, actor, event_id)`.execute(
    db,
  );
  await sql`create function audit_event_secret_names() returns trigger language plpgsql as $$
    begin
      insert into audit_event_secrets (secret_name, event_id, action, actor)
        select distinct s->>'name', new.id, new.action, new.actor from jsonb_array_elements(new.target->'secrets') s
        where jsonb_typeof(s->'name') = 'string'
        on conflict do nothing;
      return null;
    end $$`.execute(db);
  await sql`create trigger audit_events_secret_names after insert on audit_events for each row
    when (jsonb_typeof(new.target->'secrets') = 'array')
    execute function audit_event_secret_names()`.execute(db);
  await sql`insert into audit_event_secrets (secret_name, event_id, action, actor)
    select distinct s->>'name', e.id, e.action, e.actor
    from audit_events e, jsonb_array_elements(e.target->'secrets') s
    where jsonb_typeof(e.target->'secrets') = 'array' and jsonb_typeof(s->'name') = 'string'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists audit_events_secret_names on audit_events`.execute(db);
  await sql`drop function if exists audit_event_secret_names()`.execute(db);
  await sql`drop table if exists audit_event_secrets`.execute(db);
  for (const name of [
    'audit_events_actor',
    'audit_events_actor_action',
    'audit_events_actor_secret_name',
    'audit_events_secret_name_action',
    'audit_events_migration',
    'audit_events_migration_action',
    'audit_events_at',
  ]) {
    await sql`drop index if exists ${sql.id(name)}`.execute(db);
  }
}
