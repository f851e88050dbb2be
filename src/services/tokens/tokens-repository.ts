import type { Principal } from '../../auth/principal.js';
import type { Role } from '../../auth/roles.js';
import type { Executor } from '../../database/database.js';

/** Principals of active (unrevoked) tokens, by token hash, in one query; unknown hashes left out. */
export async function findPrincipalsByTokenHashes(
  db: Executor,
  tokenHashes: string[],
): Promise<Map<string, Principal & { tokenHash: string }>> {
  const rows = await db
    .selectFrom('tokens')
    .innerJoin('principals', 'principals.id', 'tokens.principal_id')
    .select(['principals.id', 'principals.name', 'principals.role', 'tokens.token_hash'])
    .where('tokens.token_hash', 'in', tokenHashes)
    .where('tokens.revoked_at', 'is', null)
    .execute();
  return new Map(
    rows.map((row) => [
      row.token_hash,
      { id: row.id, name: row.name, role: row.role as Role, tokenHash: row.token_hash },
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

export async function countActiveAdminTokens(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('tokens')
    .innerJoin('principals', 'principals.id', 'tokens.principal_id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('principals.role', '=', 'ADMIN')
    .where('tokens.revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
