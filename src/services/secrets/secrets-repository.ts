import { type ExpressionBuilder, sql } from 'kysely';
import type { Database, Executor } from '../../database/database.js';
import type { SecretRow } from '../../database/tables/secrets-table.js';
import type { SecretScope } from './secret.js';

export interface SecretLookup {
  name: string;
  /** None: the owner's USER secret first, then the WORKSPACE one. */
  scope?: SecretScope | null;
  /** Owner for USER scope. */
  ownerId: string;
}

/** Live secrets, deleted ones (restorable until purged), or either (a name is taken by both). */
export type SecretState = 'live' | 'deleted' | 'any';

/** WORKSPACE secrets and the USER secrets of these owners. */
const visibleTo = (ownerIds: string[]) => (eb: ExpressionBuilder<Database, 'secrets'>) =>
  eb.or([eb('scope', '=', 'WORKSPACE'), eb.and([eb('scope', '=', 'USER'), eb('owner_id', 'in', ownerIds)])]);

/**
 * The secret with this name in a scope (USER: of this owner); with no scope, the one the owner
 * sees first — its USER secret, else the WORKSPACE one — in one query.
 */
export function findSecret(
  db: Executor,
  lookup: SecretLookup,
  forUpdate = false,
  state: SecretState = 'live',
): Promise<SecretRow | undefined> {
  let query = db.selectFrom('secrets').selectAll().where('name', '=', lookup.name);
  if (state !== 'any') query = query.where('deleted_at', state === 'live' ? 'is' : 'is not', null);
  if (!lookup.scope)
    query = query
      .where(visibleTo([lookup.ownerId]))
      .orderBy(sql`scope = 'USER'`, 'desc')
      .limit(1);
  else {
    query = query.where('scope', '=', lookup.scope);
    if (lookup.scope === 'USER') query = query.where('owner_id', '=', lookup.ownerId);
  }
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Secrets with one of these names in WORKSPACE scope, or in USER scope of one of these owners. */
export function findSecretsVisibleTo(
  db: Executor,
  lookup: { names: string[]; ownerIds: string[] },
): Promise<SecretRow[]> {
  return db
    .selectFrom('secrets')
    .selectAll()
    .where('name', 'in', lookup.names)
    .where('deleted_at', 'is', null)
    .where(visibleTo(lookup.ownerIds))
    .execute();
}

/** A secret row with its SQL store entry's sealed columns (null when it has none). */
export type SecretRowWithSealed = SecretRow & { sealed_key_id: string | null; sealed_values: string | null };

/**
 * As `findSecretsVisibleTo`, each row with its sealed `secret_values` entry (named by the
 * secret's id), in one query: the hot path of every value read, so no query builder per call.
 * One name for one owner (a lone read) is compared with `=` (cheaper to plan than `= any`).
 */
export async function findSecretsVisibleToWithSealed(
  db: Executor,
  lookup: { names: string[]; ownerIds: string[] },
): Promise<SecretRowWithSealed[]> {
  const lone = lookup.names.length === 1 && lookup.ownerIds.length === 1;
  const names = lone ? sql`s.name = ${lookup.names[0]}` : sql`s.name = any(${lookup.names}::text[])`;
  const owners = lone
    ? sql`s.owner_id = ${lookup.ownerIds[0]}`
    : sql`s.owner_id = any(${lookup.ownerIds}::uuid[])`;
  const { rows } =
    await sql<SecretRowWithSealed>`select s.*, v.key_id as sealed_key_id, v.values as sealed_values
    from secrets s left join secret_values v on v.name = s.id::text
    where ${names} and s.deleted_at is null and (s.scope = 'WORKSPACE' or (s.scope = 'USER' and ${owners}))`.execute(
      db,
    );
  return rows;
}

/** Secrets of one scope (and owner, for USER) by name. */
export function findSecrets(
  db: Executor,
  lookup: { names: string[]; scope: SecretScope; ownerId: string },
): Promise<SecretRow[]> {
  if (lookup.names.length === 0) return Promise.resolve([]);
  let query = db
    .selectFrom('secrets')
    .selectAll()
    .where('name', 'in', lookup.names)
    .where('scope', '=', lookup.scope)
    .where('deleted_at', 'is', null);
  if (lookup.scope === 'USER') query = query.where('owner_id', '=', lookup.ownerId);
  return query.execute();
}

export interface NewSecret {
  id: string;
  name: string;
  scope: SecretScope;
  ownerId: string;
  schema: string;
  keys: string[];
  origin: Record<string, unknown> | null;
  store: string;
}

/** Inserts secrets in one statement; a taken name is skipped (absent from the returned rows). */
export async function insertSecrets(db: Executor, secrets: NewSecret[]): Promise<SecretRow[]> {
  if (secrets.length === 0) return [];
  return db
    .insertInto('secrets')
    .values(
      secrets.map((s) => ({
        id: s.id,
        name: s.name,
        scope: s.scope,
        owner_id: s.ownerId,
        schema: s.schema,
        keys: JSON.stringify(s.keys),
        version: 1,
        origin: s.origin ? JSON.stringify(s.origin) : null,
        store: s.store,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .execute();
}

/** What a write changes in a secret's row (its version always moves by one). */
export interface SecretMetaChanges {
  name?: string;
  scope?: string;
  keys?: string[];
  schema?: string;
  origin?: Record<string, unknown> | null;
}

/** The update of a secret's row to its next version, returning the row (not run: embed or execute it). */
export function secretMetaUpdate(db: Executor, id: string, changes: SecretMetaChanges) {
  return db
    .updateTable('secrets')
    .set((eb) => ({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.scope !== undefined ? { scope: changes.scope } : {}),
      ...(changes.keys !== undefined ? { keys: JSON.stringify(changes.keys) } : {}),
      ...(changes.schema !== undefined ? { schema: changes.schema } : {}),
      ...(changes.origin !== undefined
        ? { origin: changes.origin ? JSON.stringify(changes.origin) : null }
        : {}),
      version: eb('version', '+', 1),
      updated_at: new Date(),
    }))
    .where('id', '=', id)
    .returningAll();
}

/** Moves a secret's row to its next version with these changes; the row. */
export function updateSecretMeta(db: Executor, id: string, changes: SecretMetaChanges): Promise<SecretRow> {
  return secretMetaUpdate(db, id, changes).executeTakeFirstOrThrow();
}

export async function deleteSecret(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('secrets').where('id', '=', id).execute();
}

/** A secret's row by id, locked when asked; undefined when absent. */
export function findSecretById(db: Executor, id: string, forUpdate = false): Promise<SecretRow | undefined> {
  const query = db.selectFrom('secrets').selectAll().where('id', '=', id);
  return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** Marks a secret deleted, restorable for `recoveryDays`. */
export function markDeleted(db: Executor, id: string, recoveryDays: number): Promise<SecretRow> {
  return db
    .updateTable('secrets')
    .set({
      deleted_at: sql<Date>`now()`,
      purge_at: sql<Date>`now() + ${Math.round(recoveryDays * 86_400_000)} * interval '1 millisecond'`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deleted USER secrets of any owner by name (an ADMIN's restore or purge), locked when asked. */
export function findDeletedUserSecrets(db: Executor, name: string, forUpdate = false): Promise<SecretRow[]> {
  const query = db
    .selectFrom('secrets')
    .selectAll()
    .where('name', '=', name)
    .where('scope', '=', 'USER')
    .where('deleted_at', 'is not', null)
    .limit(2);
  return (forUpdate ? query.forUpdate() : query).execute();
}

/** Makes a deleted secret live again. */
export function markRestored(db: Executor, id: string): Promise<SecretRow> {
  return db
    .updateTable('secrets')
    .set({ deleted_at: null, purge_at: null })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deleted secrets visible to the viewer (admins: all), newest deletion first. */
export function listDeleted(
  db: Executor,
  q: { viewerId: string; seesAllUsers: boolean; scope?: SecretScope | null; limit: number },
): Promise<SecretRow[]> {
  let query = db.selectFrom('secrets').selectAll().where('deleted_at', 'is not', null);
  if (q.scope) query = query.where('scope', '=', q.scope);
  if (!q.seesAllUsers)
    query = query.where((eb) => eb.or([eb('scope', '=', 'WORKSPACE'), eb('owner_id', '=', q.viewerId)]));
  return query.orderBy('deleted_at', 'desc').orderBy('id').limit(q.limit).execute();
}

/**
 * A secret's row for a purge, locked, with whether its recovery window has passed by the
 * database's clock (the one `dueForPurge` chose it by); undefined when absent.
 */
export function findForPurge(db: Executor, id: string): Promise<(SecretRow & { due: boolean }) | undefined> {
  return db
    .selectFrom('secrets')
    .selectAll()
    .select(sql<boolean>`coalesce(purge_at <= now(), false)`.as('due'))
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Ids of deleted secrets whose recovery window has passed, oldest first. */
export async function dueForPurge(db: Executor, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('secrets')
    .select('id')
    .where('purge_at', '<=', sql<Date>`now()`)
    .orderBy('purge_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export interface SecretListQuery {
  viewerId: string;
  /** Admins see every user's USER-scoped secrets. */
  seesAllUsers: boolean;
  name?: string | null;
  scope?: SecretScope | null;
  after?: { name: string; id: string } | null;
  limit: number;
}

/** Secrets visible to the viewer, ordered by name then id. */
export function listSecrets(db: Executor, q: SecretListQuery): Promise<SecretRow[]> {
  let query = db.selectFrom('secrets').selectAll().where('deleted_at', 'is', null);
  if (q.name) query = query.where('name', '=', q.name);
  if (q.scope) query = query.where('scope', '=', q.scope);
  if (!q.seesAllUsers) {
    query = query.where((eb) => eb.or([eb('scope', '=', 'WORKSPACE'), eb('owner_id', '=', q.viewerId)]));
  }
  if (q.after) {
    const { name, id } = q.after;
    query = query.where((eb) =>
      eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]),
    );
  }
  return query.orderBy('name').orderBy('id').limit(q.limit).execute();
}
