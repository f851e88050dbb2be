import type { Transaction } from 'kysely';
import { isVersioned, type SecretValues } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Database, Executor } from '../../database/database.js';
import { NotFoundError } from '../../errors.js';
import { type Secret, secretFromRow } from './secret.js';
import * as versions from './secret-versions-repository.js';
import type { SecretMetaChanges } from './secrets-repository.js';
import * as repo from './secrets-repository.js';
import { retireVersions, writeEntry } from './versioned-entries.js';

// A secret's history: every write is a new version (the row's `version`), recorded in
// `secret_versions` with its actor, keys and changed keys. The values of earlier versions stay
// where the store keeps them: the SQL store copies them sealed (updateKeeping), a store with versions
// keeps them as back-end versions (the row's `store_version`). Past SGW_SECRET_VERSIONS_KEPT,
// versions are deleted with their values (back-end versions destroyed after the commit, where the
// back-end can destroy one).

/** What a secret's history is kept with. */
export interface SecretHistoryDeps {
  store: CentralStore;
  /** SGW_SECRET_VERSIONS_KEPT: versions kept, the current one included (≥ 1). */
  versionsKept: number;
}

/** One write of a secret's values (or metadata) as a new version. */
export interface VersionWrite {
  /** The locked secret before the write. */
  before: Secret;
  /** What changes in its row (the version moves by one in any case). */
  changes: SecretMetaChanges;
  values: SecretValues;
  actor: string;
  changedKeys: string[];
}

/** What a version write did: the secret as written, back-end versions to destroy after the commit. */
export interface WrittenSecretVersion {
  secret: Secret;
  pruned: string[];
}

/**
 * The version write on a store with versions: the row moved, the values written as a new
 * back-end version (pinned in the row), then the version recorded with that pin.
 */
async function writeWithBackendVersion(
  store: CentralStore,
  trx: Transaction<Database>,
  w: VersionWrite,
  floor: number,
): Promise<WrittenSecretVersion> {
  const after = secretFromRow(await repo.updateSecretMeta(trx, w.before.id, w.changes));
  const secret = await writeEntry(store, trx, after, w.values);
  const pruned = await versions.recordVersion(
    trx,
    {
      secretId: secret.id,
      version: secret.version,
      actor: w.actor,
      keys: secret.keys,
      changedKeys: w.changedKeys,
      storeVersion: secret.storeVersion,
    },
    { version: w.before.version, pin: w.before.storeVersion },
    floor,
  );
  return { secret, pruned: pruned.filter((id) => id !== secret.storeVersion) };
}

/**
 * The version write on a store without versions, in two statements: the row moved and the version
 * recorded (one), the entry written keeping the values it replaces (one, where the back-end keeps
 * versions: SQL).
 */
async function writeInPlace(
  store: CentralStore,
  trx: Transaction<Database>,
  w: VersionWrite,
  floor: number,
): Promise<WrittenSecretVersion> {
  const { backend } = store;
  const { row, pruned } = await versions.updateRecorded(
    trx,
    repo.secretMetaUpdate(trx, w.before.id, w.changes),
    { secretId: w.before.id, actor: w.actor, changedKeys: w.changedKeys },
    { version: w.before.version, pin: w.before.storeVersion },
    floor,
  );
  const secret = secretFromRow(row);
  const entry = { name: store.entryName(secret.id), values: w.values, metadata: store.entryMetadata(secret) };
  if (backend.updateKeeping)
    await backend.updateKeeping(entry, { version: w.before.version, dropUpTo: floor }, { trx });
  else await backend.update(entry, { trx });
  return { secret, pruned };
}

/**
 * The values of an earlier version of `secret` (not its current one); NOT_FOUND when the version
 * is not kept (outside the window, never written, or on a store that keeps none).
 */
async function valuesAt(
  deps: SecretHistoryDeps,
  db: Executor,
  secret: Secret,
  version: number,
): Promise<SecretValues> {
  const { store } = deps;
  const { backend } = store;
  const gone = () =>
    new NotFoundError(`Version ${version} of secret "${secret.name}" is not kept (it has ${secret.version})`);
  const inWindow = version < secret.version && version > secret.version - deps.versionsKept;
  const row = inWindow ? await versions.findVersion(db, secret.id, version) : undefined;
  if (!row) throw gone();
  const name = store.entryName(secret.id);
  const trx = db.isTransaction ? { trx: db as Transaction<Database> } : undefined;
  const values = backend.getKeptVersion
    ? await backend.getKeptVersion(name, version, trx)
    : isVersioned(backend) && row.store_version
      ? await backend.getVersion(name, row.store_version)
      : undefined;
  if (!values) throw gone();
  return values;
}

/**
 * Removes versions outside their secret's window (left by a lowered SGW_SECRET_VERSIONS_KEPT;
 * writes prune their own), with their values: the SQL store's kept values, and back-end versions
 * destroyed where the back-end can. How many versions went.
 */
async function pruneBeyondWindow(deps: SecretHistoryDeps, db: Executor): Promise<number> {
  const gone = await versions.deleteBeyondWindow(db, deps.versionsKept, 500);
  const bySecret = new Map<string, typeof gone>();
  for (const v of gone) bySecret.set(v.secretId, [...(bySecret.get(v.secretId) ?? []), v]);
  for (const [secretId, rows] of bySecret) {
    const upTo = Math.max(...rows.map((r) => r.version));
    await deps.store.backend.dropKeptVersions?.(deps.store.entryName(secretId), upTo);
    await retireVersions(
      deps.store,
      secretId,
      rows.flatMap((r) => (r.storeVersion ? [r.storeVersion] : [])),
    );
  }
  return gone.length;
}

export function createSecretHistory(deps: SecretHistoryDeps) {
  const { store, versionsKept } = deps;
  const { backend } = store;
  return {
    versionsKept,
    /** Records the first version of new secrets (in their creating transaction). */
    recordCreated: (trx: Executor, created: Secret[], actor: string) =>
      versions.insertVersions(
        trx,
        created.map((s) => ({
          secretId: s.id,
          version: s.version,
          actor,
          keys: s.keys,
          changedKeys: s.keys,
          storeVersion: s.storeVersion,
        })),
      ),
    /**
     * Writes a new version inside `trx`: the row moved, the entry written (the values it replaces
     * kept, where the store keeps them itself: SQL), the version recorded and the window pruned.
     * Returns the secret as written and the back-end versions to destroy once the transaction has
     * committed.
     */
    write(trx: Transaction<Database>, w: VersionWrite): Promise<WrittenSecretVersion> {
      const floor = w.before.version + 1 - versionsKept;
      return isVersioned(backend)
        ? writeWithBackendVersion(store, trx, w, floor)
        : writeInPlace(store, trx, w, floor);
    },
    /** Destroys back-end versions that left the window, after the commit (`retireVersions`). */
    destroyPruned: (secretId: string, storeVersions: string[]) =>
      retireVersions(store, secretId, storeVersions),
    pruneBeyondWindow: (db: Executor) => pruneBeyondWindow(deps, db),
    /** The versions of a secret, newest first. */
    list: (db: Executor, secret: Secret, first: number) => versions.listVersions(db, secret.id, first),
    valuesAt: (db: Executor, secret: Secret, version: number) => valuesAt(deps, db, secret, version),
  };
}

/** What `createSecretHistory` returns. */
export type SecretHistory = ReturnType<typeof createSecretHistory>;
