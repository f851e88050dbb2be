import { type BackendEntry, listAll } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import {
  decodeZenmlEntry,
  ZENML_LABEL,
  type ZenmlStoreKind,
  type ZenmlStoreSecret,
  zenmlSecretOf,
} from '../../backends/zenml-store-layout.js';
import type { Db } from '../../database/database.js';
import { insertVersions } from './secret-versions-repository.js';
import * as repo from './secrets-repository.js';

/** Adoption runs at most this often per replica (listings and lookup misses share a run). */
const MIN_INTERVAL_MS = 2000;

const ZENML_KINDS = new Set(['aws', 'gcp', 'azure', 'hashicorp']);
const PREFIXES: Record<ZenmlStoreKind, string> = {
  aws: 'zenml/',
  gcp: 'zenml-',
  azure: 'zenml-',
  hashicorp: 'zenml/',
};

/**
 * Ids (from entry names) that have no `secrets` row yet, and no journaled write in flight: a
 * create whose row has not committed, or a purge whose entry is still to be deleted, is the
 * gateway's own and never adopted.
 */
async function unknownIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const known = await db
    .selectFrom('secrets')
    .select('id')
    .where('id', 'in', ids)
    .union(db.selectFrom('store_write_intents').select('secret_id as id').where('secret_id', 'in', ids))
    .execute();
  const seen = new Set(known.map((row) => row.id));
  return new Set(ids.filter((id) => !seen.has(id)));
}

const UUID_TAIL = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const idOfName = (name: string) => name.match(UUID_TAIL)?.[0].toLowerCase();

/**
 * The entries ZenML's rules would list for this deployment and workspace that have no row:
 * tagged stores are listed with the `zenml` tag filter (as ZenML's AWS store does; its GCP and
 * Azure stores list everything and filter the same tags client-side); HashiCorp keeps its
 * metadata in the payload, so every `zenml/<id>` entry is read, as ZenML does.
 */
async function strayEntries(db: Db, store: CentralStore, kind: ZenmlStoreKind) {
  const identity = store.identity;
  if (!identity) return [];
  const query =
    kind === 'hashicorp'
      ? { namePrefix: PREFIXES[kind] }
      : { namePrefix: PREFIXES[kind], metadata: { [ZENML_LABEL]: identity.deploymentId } };
  const listed = (await listAll(store.backend, query)).filter((entry) => idOfName(entry.name));
  const missing = await unknownIds(
    db,
    listed.map((entry) => idOfName(entry.name) as string),
  );
  const found: Array<{ secret: ZenmlStoreSecret; entry: BackendEntry }> = [];
  for (const { name } of listed) {
    if (!missing.has(idOfName(name) as string)) continue;
    const entry = await store.backend.get(name);
    if (!entry) continue;
    const secret = zenmlSecretOf(decodeZenmlEntry(kind, entry).metadata, identity.deploymentId);
    if (secret && secret.workspaceId === identity.workspaceId && store.entryName(secret.id) === name)
      found.push({ secret, entry });
  }
  return found;
}

/**
 * Rows for secrets a ZenML server (sharing this store's deployment id) wrote: owner = the
 * principal whose id is the entry's user id, created without a token (name `zenml-user-<id>`,
 * role READER) when there is none; schema `arbitrary`. A name already taken in its scope is
 * left out (ZenML's own rule makes it rare). Returns how many were adopted.
 */
async function adoptStrays(db: Db, store: CentralStore, kind: ZenmlStoreKind): Promise<number> {
  const strays = await strayEntries(db, store, kind);
  if (strays.length === 0) return 0;
  const users = [...new Set(strays.map(({ secret }) => secret.userId))];
  await db
    .insertInto('principals')
    .values(users.map((id) => ({ id, name: `zenml-user-${id}`, role: 'READER' })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  return db.transaction().execute(async (trx) => {
    const rows = await repo.insertSecrets(
      trx,
      strays.map(({ secret, entry }) => ({
        id: secret.id,
        name: secret.name,
        scope: secret.scope,
        ownerId: secret.userId,
        schema: 'arbitrary',
        keys: Object.keys(entry.values).sort(),
        origin: { adoptedFrom: 'zenml', store: kind },
        store: store.kind,
      })),
    );
    // Their history starts here: the entry's current values are version 1.
    await insertVersions(
      trx,
      rows.map((row) => ({
        secretId: row.id,
        version: row.version,
        actor: `zenml-user-${row.owner_id}`,
        keys: row.keys,
        changedKeys: row.keys,
        storeVersion: null,
      })),
    );
    return rows.length;
  });
}

/**
 * Adoption of what a ZenML server wrote into the shared store (no-op for the SQL and custom
 * stores): run before a listing and on a lookup miss, at most every 2 s per replica, concurrent
 * callers sharing one run. A failure is handed to `onError` (the listing goes on from SQL).
 */
export function createStoreAdoption(deps: {
  db: Db;
  store: CentralStore;
  onError?: (error: unknown) => void;
}) {
  const { db, store } = deps;
  let running: Promise<number> | undefined;
  let lastRun = 0;
  return async function adopt(): Promise<number> {
    if (!ZENML_KINDS.has(store.kind) || !store.identity) return 0;
    if (running) return running;
    if (Date.now() - lastRun < MIN_INTERVAL_MS) return 0;
    lastRun = Date.now();
    running = adoptStrays(db, store, store.kind as ZenmlStoreKind)
      .catch((error) => {
        deps.onError?.(error);
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}
