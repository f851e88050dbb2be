import { sql, type Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { SealedValuesRow } from '../../backends/sql/sql-backend.js';
import type { Database, Db, Executor } from '../../database/database.js';
import type { SecretRow } from '../../database/tables/secrets-table.js';
import { NotFoundError } from '../../errors.js';
import { microBatch } from '../micro-batch.js';
import { type Secret, type SecretScope, secretFromRow } from './secret.js';
import type { SecretRowWithSealed } from './secrets-repository.js';
import * as repo from './secrets-repository.js';

/** One lookup of a shared batch; its JSON is the batch key. */
interface SharedLookup {
  name: string;
  scope: SecretScope | null;
  ownerId: string;
}

/** A secret by name as `principal` sees it, in one query with the lookups asked at the same time. */
export type BatchedLookup = (
  principal: Principal,
  name: string,
  scope?: SecretScope | null,
) => Promise<Secret | undefined>;

/** Looks a secret up by name in `executor` (live ones, unless asked): the given scope, or USER first then WORKSPACE. */
export async function findSecretIn(
  executor: Executor,
  principal: Principal,
  name: string,
  scope?: SecretScope | null,
  forUpdate = false,
  state: repo.SecretState = 'live',
): Promise<Secret | undefined> {
  const row = await repo.findSecret(executor, { name, scope, ownerId: principal.id }, forUpdate, state);
  return row ? secretFromRow(row) : undefined;
}

/** As `findSecretIn`, but NOT_FOUND when there is no such secret. */
export async function requireSecretIn(
  executor: Executor,
  principal: Principal,
  name: string,
  scope?: SecretScope | null,
  forUpdate = false,
): Promise<Secret> {
  const secret = await findSecretIn(executor, principal, name, scope, forUpdate);
  if (!secret) throw new NotFoundError(`Secret "${name}" not found${scope ? ` in scope ${scope}` : ''}`);
  return secret;
}

/**
 * As `requireSecretIn` locking the row, on the SQL store: the secret and its sealed values in one
 * query that locks both rows (`for update of s, v`, so a concurrent write that committed first is
 * re-read whole, never a newer row with older values), kept in `locked` for the write's value
 * read. A secret without a values row is looked up (and its values read) the usual way.
 */
export async function requireLockedWithSealed(
  trx: Transaction<Database>,
  principal: Principal,
  target: { name: string; scope?: SecretScope | null },
  locked: JoinedValues,
): Promise<Secret> {
  const { name, scope } = target;
  const inScope = scope
    ? sql`scope = ${scope} and (scope <> 'USER' or owner_id = ${principal.id})`
    : sql`(scope = 'WORKSPACE' or (scope = 'USER' and owner_id = ${principal.id}))`;
  // The secret is chosen among secrets alone (a USER one first); the outer conditions are checked
  // again on the newest row when a concurrent write committed first (renamed or deleted: no row).
  const { rows } =
    await sql<SecretRowWithSealed>`select s.*, v.key_id as sealed_key_id, v.values as sealed_values
    from secrets s join secret_values v on v.name = s.id::text
    where s.id = (select id from secrets where name = ${name} and deleted_at is null and ${inScope}
        order by scope = 'USER' desc limit 1)
      and s.name = ${name} and s.deleted_at is null
    for update of s, v`.execute(trx);
  const row = rows[0];
  if (!row) return requireSecretIn(trx, principal, name, scope, true);
  const secret = secretFromRow(row);
  keepSealed(locked, secret, row);
  return secret;
}

/**
 * The SQL store's sealed values read in the lookup's own query, by the secret object the lookup
 * returned (so only that lookup's caller finds them); opened by the value read, after its checks.
 */
export type JoinedValues = WeakMap<Secret, SealedValuesRow>;

/** Keeps the sealed values a lookup read along with `secret`'s row, when it has them. */
function keepSealed(
  joined: JoinedValues,
  secret: Secret,
  row: Partial<SecretRowWithSealed> & { id: string },
): void {
  if (row.sealed_key_id && row.sealed_values)
    joined.set(secret, { name: row.id, key_id: row.sealed_key_id, values: row.sealed_values });
}

/**
 * Answers a batch of lookups from one query; the USER secret wins over the WORKSPACE one. With
 * `joined`, the query also reads each secret's sealed values and keeps them there.
 */
async function findShared(db: Db, keys: string[], joined?: JoinedValues): Promise<Map<string, Secret>> {
  const asked = keys.map((key) => JSON.parse(key) as SharedLookup);
  const lookup = {
    names: [...new Set(asked.map((a) => a.name))],
    ownerIds: [...new Set(asked.map((a) => a.ownerId))],
  };
  const rows: Array<SecretRow & Partial<SecretRowWithSealed>> = joined
    ? await repo.findSecretsVisibleToWithSealed(db, lookup)
    : await repo.findSecretsVisibleTo(db, lookup);
  const found = new Map<string, Secret>();
  for (const [i, a] of asked.entries()) {
    const candidates = rows.filter(
      (row) =>
        row.name === a.name &&
        (a.scope ? row.scope === a.scope : true) &&
        (row.scope !== 'USER' || row.owner_id === a.ownerId),
    );
    const row = candidates.find((c) => c.scope === 'USER') ?? candidates[0];
    if (!row) continue;
    const secret = secretFromRow(row);
    found.set(keys[i], secret);
    if (joined) keepSealed(joined, secret, row);
  }
  return found;
}

/**
 * Lookups outside transactions: concurrent ones share one query (no cache). A failed query
 * rejects its batch. With `joined` (the SQL store), each found secret's sealed values come along.
 */
export function createBatchedLookup(db: Db, joined?: JoinedValues): BatchedLookup {
  const lookupShared = microBatch((keys: string[]) => findShared(db, keys, joined));
  return (principal, name, scope) => {
    // No stored name holds NUL (Postgres text can't), and it would fail the shared query.
    if (name.includes('\u0000')) return Promise.resolve(undefined);
    const asked: SharedLookup = { name, scope: scope ?? null, ownerId: principal.id };
    return lookupShared(JSON.stringify(asked));
  };
}

/** Secrets by name in one scope, as seen by `principal` (no authorization), 1000 names a query. */
export async function findManyInScope(
  db: Db,
  principal: Principal,
  names: string[],
  scope: SecretScope,
): Promise<Map<string, Secret>> {
  const found = new Map<string, Secret>();
  for (let i = 0; i < names.length; i += 1000) {
    const rows = await repo.findSecrets(db, {
      names: names.slice(i, i + 1000),
      scope,
      ownerId: principal.id,
    });
    for (const row of rows) found.set(row.name, secretFromRow(row));
  }
  return found;
}
