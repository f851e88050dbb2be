import type { Principal } from '../../auth/principal.js';
import type { Role } from '../../auth/roles.js';
import type { Executor } from '../../database/database.js';

/** Principals of active (unrevoked) tokens, by token hash, in one query; unknown hashes left out. */
export async function findPrincipalsByTokenHashes(
  db: Executor,
  tokenHashes: string[],
): Promise<Map<string, Principal & { tokenHash: string; tokenId: string }>> {
  const rows = await db
    .selectFrom('tokens')
    .innerJoin('principals', 'principals.id', 'tokens.principal_id')
    .select(['principals.id', 'principals.name', 'principals.role', 'tokens.token_hash'])
    .select('tokens.id as token_id')
    .where('tokens.token_hash', 'in', tokenHashes)
    .where('tokens.revoked_at', 'is', null)
    .execute();
  return new Map(
    rows.map((row) => [
      row.token_hash,
      {
        id: row.id,
        name: row.name,
        role: row.role as Role,
        tokenHash: row.token_hash,
        tokenId: row.token_id,
      },
    ]),
  );
}

export async function findPrincipalByName(db: Executor, name: string): Promise<Principal | undefined> {
  const row = await db.selectFrom('principals').selectAll().where('name', '=', name).executeTakeFirst();
  return row && { id: row.id, name: row.name, role: row.role as Role };
}

/** Principals by id, in one query; unknown ids left out. */
export async function findPrincipalsByIds(db: Executor, ids: string[]): Promise<Map<string, Principal>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('principals')
    .select(['id', 'name', 'role'])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.id, { id: row.id, name: row.name, role: row.role as Role }]));
}

export async function findPrincipalById(db: Executor, id: string): Promise<Principal | undefined> {
  const row = await db.selectFrom('principals').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, name: row.name, role: row.role as Role };
}

/** Creates the principal if new (keeping an existing one's role) and returns it. */
export async function ensurePrincipal(db: Executor, name: string, role: Role): Promise<Principal> {
  await db
    .insertInto('principals')
    .values({ name, role })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return (await findPrincipalByName(db, name))!;
}

export async function updatePrincipalRole(db: Executor, id: string, role: Role): Promise<void> {
  await db.updateTable('principals').set({ role }).where('id', '=', id).execute();
}

export async function insertToken(db: Executor, principalId: string, tokenHash: string): Promise<string> {
  const row = await db
    .insertInto('tokens')
    .values({ principal_id: principalId, token_hash: tokenHash })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? '';
}

/** Marks a token revoked; returns its principal's id, or undefined when no live token has this id. */
export async function revokeToken(db: Executor, id: string): Promise<string | undefined> {
  const row = await db
    .updateTable('tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('principal_id')
    .executeTakeFirst();
  return row?.principal_id;
}

/**
 * Live admin tokens, leaving out one principal's or one token's when asked (what would remain
 * after a demotion or a revocation).
 */
export async function countActiveAdminTokens(
  db: Executor,
  except: { principalId?: string; tokenId?: string } = {},
): Promise<number> {
  let query = db
    .selectFrom('tokens')
    .innerJoin('principals', 'principals.id', 'tokens.principal_id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('principals.role', '=', 'ADMIN')
    .where('tokens.revoked_at', 'is', null);
  if (except.principalId) query = query.where('principals.id', '!=', except.principalId);
  if (except.tokenId) query = query.where('tokens.id', '!=', except.tokenId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Locks the rows of every ADMIN principal until the transaction ends: demotions and revocations
 * that could leave no admin run one after the other, each seeing what the previous one left.
 */
export async function lockAdmins(db: Executor): Promise<void> {
  await db.selectFrom('principals').select('id').where('role', '=', 'ADMIN').forUpdate().execute();
}

/** A live token's principal, or undefined when no live token has this id. */
export async function findLiveTokenPrincipal(db: Executor, id: string): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('tokens')
    .innerJoin('principals', 'principals.id', 'tokens.principal_id')
    .select(['principals.id', 'principals.name', 'principals.role'])
    .where('tokens.id', '=', id)
    .where('tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  return row && { id: row.id, name: row.name, role: row.role as Role };
}

/** Which of these token ids are live, each with its principal's current role, in one query. */
export async function findLiveTokens(
  db: Executor,
  ids: string[],
): Promise<Map<string, { principalId: string; role: Role }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('tokens')
    .innerJoin('principals', 'principals.id', 'tokens.principal_id')
    .select(['tokens.id', 'principals.id as principal_id', 'principals.role'])
    .where('tokens.id', 'in', ids)
    .where('tokens.revoked_at', 'is', null)
    .execute();
  return new Map(rows.map((row) => [row.id, { principalId: row.principal_id, role: row.role as Role }]));
}
