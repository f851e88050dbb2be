import { type Kysely, sql } from 'kysely';

/**
 * Copy-on-write on remote stores. `secrets.store_version` pins the back-end version (AWS
 * VersionId, GCP version number, Azure version id, Vault KV version) holding a secret's committed
 * values; null on rows from before (and on stores without versions): read the entry's current.
 * `store_write_intents` journals a back-end write before it happens (committed first, removed by
 * the metadata commit), so an entry or version written by a write that never committed is found
 * and repaired by the orphan collector; `store_collector_lease` lets one replica collect at a time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('secrets').addColumn('store_version', 'text').execute();
  await db.schema
    .createTable('store_write_intents')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    // No foreign key: an intent may name a secret whose row never commits (a create), and a key
    // share lock on the secret would wait on the writer's row lock.
    .addColumn('secret_id', 'uuid', (c) => c.notNull())
    .addColumn('entry_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('store_write_intents_created_at')
    .on('store_write_intents')
    .column('created_at')
    .execute();
  await db.schema
    .createTable('store_collector_lease')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('store_collector_lease').execute();
  await db.schema.dropTable('store_write_intents').execute();
  await db.schema.alterTable('secrets').dropColumn('store_version').execute();
}
