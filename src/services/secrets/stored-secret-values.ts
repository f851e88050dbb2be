import type { Transaction } from 'kysely';
import { type BackendCallOptions, isVersioned, type SecretValues } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Database } from '../../database/database.js';
import { NotFoundError } from '../../errors.js';
import { microBatch } from '../micro-batch.js';
import type { Secret } from './secret.js';
import type { JoinedValues } from './stored-secret-lookups.js';

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

/** A secret's entry and the version pinned for it (null: the entry's current). */
type EntryPin = Pick<Secret, 'id' | 'storeVersion'>;

/**
 * Values of secrets by id: from each one's pinned version where the store has versions (the
 * committed values, whatever version is current), else the entry's current values; a pinned
 * version that is gone (retired after a newer commit) reads the entry's current. Absent ones left out.
 */
export async function pinnedValues(
  store: CentralStore,
  secrets: EntryPin[],
  options?: BackendCallOptions,
): Promise<Map<string, SecretValues>> {
  const { backend } = store;
  const out = new Map<string, SecretValues>();
  const pinned = isVersioned(backend) ? secrets.filter((s) => s.storeVersion) : [];
  if (isVersioned(backend) && pinned.length > 0) {
    const pins = pinned.map((s) => ({ name: store.entryName(s.id), versionId: s.storeVersion as string }));
    const found = backend.getVersionValues
      ? await backend.getVersionValues(pins)
      : new Map(
          await Promise.all(
            pins.map(async (pin) => [pin.name, await backend.getVersion(pin.name, pin.versionId)] as const),
          ),
        );
    for (const secret of pinned) {
      const values = found.get(store.entryName(secret.id));
      if (values) out.set(secret.id, values);
    }
  }
  const rest = secrets.filter((s) => !out.has(s.id));
  if (rest.length === 0) return out;
  const current = await entryValues(
    store,
    rest.map((s) => store.entryName(s.id)),
    options,
  );
  for (const secret of rest) {
    const values = current.get(store.entryName(secret.id));
    if (values) out.set(secret.id, values);
  }
  return out;
}

/** Reads outside transactions, batched with concurrent ones; a failed read rejects its batch. */
export function createBatchedValues(store: CentralStore): BatchedValues {
  // Keyed by id and pin, so concurrent reads of one secret share one read.
  const load = microBatch<string, SecretValues>((keys) => {
    const pins = keys.map((key) => {
      const [id, pin] = key.split(' ');
      return { id, storeVersion: pin || null };
    });
    return pinnedValues(store, pins).then(
      (found) =>
        new Map(
          keys.flatMap((key, i) =>
            found.has(pins[i].id) ? [[key, found.get(pins[i].id) as SecretValues]] : [],
          ),
        ),
    );
  });
  return async (secret) => {
    const values = await load(`${secret.id} ${secret.storeVersion ?? ''}`);
    if (!values) throw missingValues(store, secret);
    return values;
  };
}

/**
 * `valuesOf` that opens the values its lookup read along (the SQL store: `store.openJoined`), and
 * reads the others with `read`: a secret found by the batched lookup then read costs one query.
 */
export function withJoinedValues(
  store: CentralStore,
  joined: JoinedValues | undefined,
  read: BatchedValues,
): BatchedValues {
  const open = store.openJoined;
  if (!joined || !open) return read;
  return async (secret) => {
    const row = joined.get(secret);
    return row ? open(row) : read(secret);
  };
}

/** The stored values of a secret, inside `trx` when given (no authorization, no audit). */
export async function storedValues(
  store: CentralStore,
  secret: Secret,
  trx?: Transaction<Database>,
): Promise<SecretValues> {
  const values = (await pinnedValues(store, [secret], trx ? { trx } : undefined)).get(secret.id);
  if (!values) throw missingValues(store, secret);
  return values;
}

/** The stored values of many secrets by id, in one read where the store can (no audit); NOT_FOUND if one is missing. */
export async function storedValuesMany(
  store: CentralStore,
  secrets: Secret[],
  trx?: Transaction<Database>,
): Promise<Map<string, SecretValues>> {
  const found = await pinnedValues(store, secrets, trx ? { trx } : undefined);
  for (const secret of secrets) if (!found.has(secret.id)) throw missingValues(store, secret);
  return found;
}
