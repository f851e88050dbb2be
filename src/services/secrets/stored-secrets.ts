import type { Transaction } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { SecretValues } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Database, Db } from '../../database/database.js';
import type { RecordAudit } from '../audit/audit-service.js';
import type { Secret, SecretScope } from './secret.js';
import { createSecretHistory } from './secret-history.js';
import type { WriteIntent } from './store-write-journal.js';
import { createStoredJournal } from './stored-secret-journal.js';
import {
  createBatchedLookup,
  findManyInScope,
  type JoinedValues,
  requireLockedWithSealed,
  requireSecretIn,
} from './stored-secret-lookups.js';
import {
  createBatchedValues,
  storedValues,
  storedValuesMany,
  withJoinedValues,
} from './stored-secret-values.js';
import { createManyIn, replaceIn, type ValidatedSecret } from './stored-secret-writes.js';
import { createStoreAdoption } from './zenml-adoption.js';

/** What the unchecked store access is built from. */
export interface StoredSecretsDeps {
  db: Db;
  store: CentralStore;
  /** SGW_SECRET_VERSIONS_KEPT. */
  versionsKept: number;
  /** Where a failed adoption of ZenML-written store entries is reported (zenml-adoption.ts). */
  onAdoptionError?: (error: unknown) => void;
}

/**
 * A write's locking lookup and its value read: on the SQL store the lookup reads the sealed values
 * along (kept for that write's own read inside its transaction, never for reads outside one).
 */
function createWriteLookups(store: CentralStore) {
  const locked: JoinedValues | undefined = store.openJoined ? new WeakMap() : undefined;
  return {
    /** The stored values of a secret, inside `trx` when given; those its locking lookup read, if any. */
    valuesIn(secret: Secret, trx?: Transaction<Database>): Promise<SecretValues> {
      const row = trx && locked?.get(secret);
      return row && store.openJoined
        ? Promise.resolve(store.openJoined(row))
        : storedValues(store, secret, trx);
    },
    lockForWrite(
      trx: Transaction<Database>,
      principal: Principal,
      target: { name: string; scope?: SecretScope | null },
    ): Promise<Secret> {
      return locked
        ? requireLockedWithSealed(trx, principal, target, locked)
        : requireSecretIn(trx, principal, target.name, target.scope, true);
    },
  };
}

/**
 * The centralized store's secrets WITHOUT permission checks, for the services that check (or
 * need no check) themselves: the public secrets service, migration and references. Not in
 * `Services`, so no resolver reaches it. Reads outside transactions are micro-batched.
 */
export function createStoredSecrets(deps: StoredSecretsDeps) {
  const { db, store } = deps;
  // The SQL store: a lookup reads the sealed values too, so the value read that follows needs no query.
  const joined: JoinedValues | undefined = store.openJoined ? new WeakMap() : undefined;
  const lookup = createBatchedLookup(db, joined);
  const adoptStoreEntries = createStoreAdoption({ db, store, onError: deps.onAdoptionError });
  /** A lookup miss first adopts what a ZenML server sharing the store wrote, then looks again. */
  const findVisible = async (principal: Principal, name: string, scope?: SecretScope | null) => {
    const found = await lookup(principal, name, scope);
    if (found || !(await adoptStoreEntries())) return found;
    return lookup(principal, name, scope);
  };
  const valuesOf = withJoinedValues(store, joined, createBatchedValues(store));
  const forWrites = createWriteLookups(store);
  const history = createSecretHistory({ store, versionsKept: deps.versionsKept });

  /** A visible secret by name (in `scope`, else USER then WORKSPACE), with values when asked; the caller audits. */
  async function getSecretForResolution(
    principal: Principal,
    name: string,
    withValues: boolean,
    scope?: SecretScope,
  ): Promise<{ secret: Secret; values?: SecretValues } | undefined> {
    const secret = await findVisible(principal, name, scope);
    if (!secret) return undefined;
    return { secret, values: withValues ? await valuesOf(secret) : undefined };
  }

  return {
    /** A secret by name as the principal sees it (given scope, else USER then WORKSPACE); batched. */
    findVisible,
    /** Adopts entries a ZenML server sharing the store wrote (before a listing); how many. */
    adoptStoreEntries,
    /** A secret's stored values outside any transaction; batched; NOT_FOUND when missing. */
    valuesOf,
    getSecretForResolution,
    createManyIn: (
      trx: Transaction<Database>,
      record: RecordAudit,
      principal: Principal,
      list: Array<ValidatedSecret & { id: string }>,
      intents?: WriteIntent[],
    ) => createManyIn(store, history, trx, record, principal, list, intents),
    replaceIn: (
      trx: Transaction<Database>,
      record: RecordAudit,
      principal: Principal,
      secret: Secret,
      next: { schema: string; values: SecretValues; origin: Record<string, unknown> | null },
    ) => replaceIn(history, trx, record, principal, secret, next),
    /** Versions of secrets: recorded with every write, read back by number. */
    history,
    ...createStoredJournal(db, store),
    storedValues: forWrites.valuesIn,
    /** The secret a write addresses, its row locked (NOT_FOUND); on the SQL store with its values, in one query. */
    lockForWrite: forWrites.lockForWrite,
    storedValuesMany: (secrets: Secret[], trx?: Transaction<Database>) =>
      storedValuesMany(store, secrets, trx),
    findManyInScope: (principal: Principal, names: string[], scope: SecretScope) =>
      findManyInScope(db, principal, names, scope),
  };
}

/** What `createStoredSecrets` returns. */
export type StoredSecrets = ReturnType<typeof createStoredSecrets>;
