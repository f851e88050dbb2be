import { type Kysely, sql } from 'kysely';

/**
 * Secret history and recovery. `secret_versions`: one row per version of a secret (the current one
 * included) — who wrote it, when, its keys and the keys it changed, and on a store with versions
 * the back-end version holding its values; rows past SGW_SECRET_VERSIONS_KEPT are deleted with
 * their values. `secret_value_versions`: the SQL store's kept values of earlier versions, sealed
 * like the current ones (AAD = the entry name). `secrets.deleted_at`/`purge_at`: a deleted secret
 * stays restorable (its name taken) until purged. Rows from before get their current version.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('secret_versions')
    .addColumn('secret_id', 'uuid', (c) => c.notNull().references('secrets.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('keys', 'jsonb', (c) => c.notNull())
    .addColumn('changed_keys', 'jsonb', (c) => c.notNull())
    .addColumn('store_version', 'text')
    .addPrimaryKeyConstraint('secret_versions_pkey', ['secret_id', 'version'])
    .execute();
  await db.schema
    .createTable('secret_value_versions')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('values', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('secret_value_versions_pkey', ['name', 'version'])
    .execute();
  await db.schema
    .createIndex('secret_value_versions_key_id')
    .on('secret_value_versions')
    .column('key_id')
    .execute();
  await db.schema
    .alterTable('secrets')
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('purge_at', 'timestamptz')
    .execute();
  await sql`create index secrets_purge_at on secrets (purge_at) where purge_at is not null`.execute(db);
  await sql`insert into secret_versions (secret_id, version, created_at, actor, keys, changed_keys, store_version)
    select s.id, s.version, s.updated_at, coalesce(p.name, ''), s.keys, s.keys, s.store_version
    from secrets s left join principals p on p.id = s.owner_id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('secrets').dropColumn('purge_at').dropColumn('deleted_at').execute();
  await db.schema.dropTable('secret_value_versions').execute();
  await db.schema.dropTable('secret_versions').execute();
}
