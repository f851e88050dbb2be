import { type Kysely, sql } from 'kysely';

/** Principals, tokens, components, stacks, the centralized secrets store and the audit log. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('principals')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('principal_id', 'uuid', (c) => c.notNull().references('principals.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('components')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('flavor', 'text', (c) => c.notNull())
    .addColumn('configuration', 'jsonb', (c) => c.notNull())
    .addColumn('sensitive_ciphertext', 'text')
    .addColumn('sensitive_key_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('components_type_name_unique', ['type', 'name'])
    .execute();

  await db.schema
    .createTable('stacks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('stack_components')
    .addColumn('stack_id', 'uuid', (c) => c.notNull().references('stacks.id').onDelete('cascade'))
    .addColumn('component_id', 'uuid', (c) => c.notNull().references('components.id').onDelete('restrict'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('stack_components_pk', ['stack_id', 'type'])
    .execute();
  await db.schema
    .createIndex('stack_components_component')
    .on('stack_components')
    .column('component_id')
    .execute();

  await db.schema
    .createTable('active_stacks')
    .addColumn('principal_id', 'uuid', (c) => c.primaryKey().references('principals.id').onDelete('cascade'))
    .addColumn('stack_id', 'uuid', (c) => c.notNull().references('stacks.id').onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('secrets')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('principals.id'))
    .addColumn('schema', 'text', (c) => c.notNull())
    .addColumn('keys', 'jsonb', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('origin', 'jsonb')
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index secrets_workspace_name on secrets (name) where scope = 'WORKSPACE'`.execute(
    db,
  );
  await sql`create unique index secrets_user_name on secrets (owner_id, name) where scope = 'USER'`.execute(
    db,
  );

  await db.schema
    .createTable('secret_values')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('values', 'text', (c) => c.notNull())
    .addColumn('metadata', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('secret_values_key_id').on('secret_values').column('key_id').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('target', 'jsonb', (c) => c.notNull())
    .addColumn('value_fingerprints', 'jsonb')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('published', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'id']).execute();
  await sql`create index audit_events_secret_name on audit_events ((target->>'name'), id)`.execute(db);
  await sql`create index audit_events_unpublished on audit_events (id) where not published`.execute(db);

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .addColumn('last_hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_head (id, last_id, last_hash) values (1, 0, ${'0'.repeat(64)})`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_head',
    'audit_events',
    'secret_values',
    'secrets',
    'active_stacks',
    'stack_components',
    'stacks',
    'components',
    'tokens',
    'principals',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
