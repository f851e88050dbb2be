import { sql, type Transaction } from 'kysely';
import {
  isVersioned,
  type SecretBackend,
  type SecretValues,
  type VersionedBackend,
} from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Database, Executor } from '../../database/database.js';
import { type Secret, secretFromRow } from './secret.js';

// Copy-on-write writes on a store with versions (aws, gcp, azure, hashicorp): the new values go
// into a new version of the entry (the entry's current one, so a ZenML server sharing the store
// reads them), the secret's row pins that version in the same transaction as the rest of the
// metadata, and reads return the pinned version. A write that fails or never commits (crash)
// leaves its intent (store-write-journal.ts), which the orphan collector repairs: at once after a
// failure, by a later pass after a crash. Stores without versions (sql, local, custom) write in place.

/** Sets the pinned version of a secret's row; the row. */
export async function pinStoreVersion(db: Executor, id: string, versionId: string | null) {
  return db
    .updateTable('secrets')
    .set({ store_version: versionId })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Sets the pinned versions of many rows in one statement. */
async function pinStoreVersions(trx: Transaction<Database>, pins: Map<string, string>): Promise<void> {
  if (pins.size === 0) return;
  const rows = sql.join([...pins].map(([id, versionId]) => sql`(${id}::uuid, ${versionId}::text)`));
  await sql`update secrets set store_version = pins.version_id
    from (values ${rows}) as pins(id, version_id) where secrets.id = pins.id`.execute(trx);
}

/**
 * Makes the committed (`pinned`) values the entry's current ones again when a version written by a
 * write that did not commit is current: restored (AWS: AWSCURRENT moved back; others: the pinned
 * values written as a new version) and the orphan destroyed where the back-end can. Returns the
 * version id now holding the committed values (the pin to keep).
 */
export async function restoreCommitted(
  backend: VersionedBackend,
  name: string,
  pinned: string,
): Promise<string> {
  const current = await backend.currentVersionId(name);
  if (current === undefined || current === pinned) return pinned;
  const [committed, orphan] = await Promise.all([
    backend.getVersion(name, pinned),
    backend.getVersion(name, current),
  ]);
  // The pinned version is gone (pruned by the back-end): the current values are all there is.
  if (!committed) return current;
  if (orphan && sameValues(committed, orphan)) return current;
  const restored = await backend.restoreVersion(name, pinned);
  await backend.destroyVersions?.(name, [current]);
  return restored;
}

function sameValues(a: SecretValues, b: SecretValues): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

/**
 * Writes a secret's store entry (values and metadata of `updated`) inside `trx`: with versions,
 * a new version pinned in the row (the returned secret carries the pin); without, an update in
 * place (SQL joins `trx`).
 */
export async function writeEntry(
  store: CentralStore,
  trx: Transaction<Database>,
  updated: Secret,
  values: SecretValues,
): Promise<Secret> {
  const { backend } = store;
  const entry = { name: store.entryName(updated.id), values, metadata: store.entryMetadata(updated) };
  if (!isVersioned(backend)) {
    await backend.update(entry, { trx });
    return updated;
  }
  const versionId = await backend.putVersion(entry);
  return secretFromRow(await pinStoreVersion(trx, updated.id, versionId));
}

/**
 * Creates store entries for new secret rows inside `trx`; with versions, each row pins its first
 * version (returned by id).
 */
export async function createEntries(
  store: CentralStore,
  trx: Transaction<Database>,
  entries: Array<{ id: string; entry: Parameters<SecretBackend['create']>[0] }>,
): Promise<Map<string, string>> {
  const { backend } = store;
  const pins = new Map<string, string>();
  if (isVersioned(backend)) {
    for (const { id, entry } of entries) pins.set(id, await backend.createVersioned(entry));
    await pinStoreVersions(trx, pins);
  } else if (backend.createMany)
    await backend.createMany(
      entries.map((e) => e.entry),
      { trx },
    );
  else for (const { entry } of entries) await backend.create(entry, { trx });
  return pins;
}

/**
 * Retires back-end versions nothing points to any more (a repaired write's replaced pin, versions
 * that left a secret's history), after the commit: GCP and Vault destroy them, AWS and Azure keep
 * them as the back-end does; a failure leaves an unpinned version, no harm.
 */
export async function retireVersions(
  store: CentralStore,
  secretId: string,
  versionIds: string[],
): Promise<void> {
  const { backend } = store;
  if (versionIds.length === 0 || !backend.destroyVersions) return;
  await backend.destroyVersions(store.entryName(secretId), versionIds).catch(() => undefined);
}

/**
 * Pins the entry's current version for a row from before pinning (store_version null), before a
 * write and outside its transaction, so that a write that fails or never commits can be undone.
 */
export async function pinLegacyRow(store: CentralStore, db: Executor, secret: Secret): Promise<void> {
  const { backend } = store;
  if (secret.storeVersion || !isVersioned(backend)) return;
  const current = await backend.currentVersionId(store.entryName(secret.id));
  if (!current) return;
  await db
    .updateTable('secrets')
    .set({ store_version: current })
    .where('id', '=', secret.id)
    .where('store_version', 'is', null)
    .execute();
}
