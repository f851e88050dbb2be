import type { Transaction } from 'kysely';
import type { BackendCallOptions, SecretValues } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Database } from '../../database/database.js';
import { NotFoundError } from '../../errors.js';
import { microBatch } from '../micro-batch.js';
import type { Secret } from './secret.js';

/** A secret's values, read together with the reads asked for at the same time; NOT_FOUND when absent. */
export type BatchedValues = (secret: Secret) => Promise<SecretValues>;

/** NOT_FOUND for a secret whose row exists but whose store entry does not. */
function missingValues(store: CentralStore, secret: Secret): NotFoundError {
  return new NotFoundError(`Values of secret "${secret.name}" are missing from the ${store.kind} store`);
}

/** Values of store entries by name, in one read where the store can; absent ones left out. */
export async function entryValues(
  store: CentralStore,
  names: string[],
  options?: BackendCallOptions,
): Promise<Map<string, SecretValues>> {
  const { backend } = store;
  if (backend.getValues) return backend.getValues(names, options);
  const entries = await Promise.all(names.map((name) => backend.get(name, options)));
  return new Map(entries.flatMap((entry, i) => (entry ? [[names[i], entry.values] as const] : [])));
}

/** Reads outside transactions, batched with concurrent ones; a failed read rejects its batch. */
export function createBatchedValues(store: CentralStore): BatchedValues {
  const loadEntryValues = microBatch<string, SecretValues>((names) => entryValues(store, names));
  return async (secret) => {
    const values = await loadEntryValues(store.entryName(secret.id));
    if (!values) throw missingValues(store, secret);
    return values;
  };
}

/** The stored values of a secret, inside `trx` when given (no authorization, no audit). */
export async function storedValues(
  store: CentralStore,
  secret: Secret,
  trx?: Transaction<Database>,
): Promise<SecretValues> {
  const entry = await store.backend.get(store.entryName(secret.id), trx ? { trx } : undefined);
  if (!entry) throw missingValues(store, secret);
  return entry.values;
}

/** The stored values of many secrets by id, in one read where the store can (no audit); NOT_FOUND if one is missing. */
export async function storedValuesMany(
  store: CentralStore,
  secrets: Secret[],
  trx?: Transaction<Database>,
): Promise<Map<string, SecretValues>> {
  const found = await entryValues(
    store,
    secrets.map((secret) => store.entryName(secret.id)),
    trx ? { trx } : undefined,
  );
  const out = new Map<string, SecretValues>();
  for (const secret of secrets) {
    const values = found.get(store.entryName(secret.id));
    if (!values) throw missingValues(store, secret);
    out.set(secret.id, values);
  }
  return out;
}
