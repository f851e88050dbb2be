import type { Transaction } from 'kysely';
import { isVersioned, type SecretValues } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Database, Executor } from '../../database/database.js';
import { NotFoundError } from '../../errors.js';
import type { Secret } from './secret.js';
import * as versions from './secret-versions-repository.js';
import { writeEntry } from './versioned-entries.js';

// A secret's history: every write is a new version (the row's `version`), recorded in
// `secret_versions` with its actor, keys and changed keys. The values of earlier versions stay
// where the store keeps them: the SQL store copies them sealed (keepVersion), a store with versions
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
  /** Its row after the write (version incremented). */
  after: Secret;
  values: SecretValues;
  actor: string;
  changedKeys: string[];
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
     * Writes a new version inside `trx`: the current values kept (SQL store), the entry written
     * (writeEntry), the version recorded and the window pruned. Returns the secret as written and
     * the back-end versions to destroy once the transaction has committed.
     */
    async write(trx: Transaction<Database>, w: VersionWrite): Promise<{ secret: Secret; pruned: string[] }> {
      const floor = w.after.version - versionsKept;
      const name = store.entryName(w.before.id);
      await backend.keepVersion?.(name, { version: w.before.version, dropUpTo: floor }, { trx });
      const secret = await writeEntry(store, trx, w.after, w.values);
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
    },
    /** Destroys back-end versions that left the window (after the commit; a failure leaves an unpinned version). */
    async destroyPruned(secretId: string, storeVersions: string[]): Promise<void> {
      if (storeVersions.length === 0 || !backend.destroyVersions) return;
      await backend.destroyVersions(store.entryName(secretId), storeVersions).catch(() => undefined);
    },
    /** The versions of a secret, newest first. */
    list: (db: Executor, secret: Secret, first: number) => versions.listVersions(db, secret.id, first),
    /**
     * The values of an earlier version of `secret` (not its current one); NOT_FOUND when the
     * version is not kept (past the window, never written, or on a store that keeps none).
     */
    async valuesAt(db: Executor, secret: Secret, version: number): Promise<SecretValues> {
      const gone = () =>
        new NotFoundError(
          `Version ${version} of secret "${secret.name}" is not kept (it has ${secret.version})`,
        );
      const row = version < secret.version ? await versions.findVersion(db, secret.id, version) : undefined;
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
    },
  };
}

/** What `createSecretHistory` returns. */
export type SecretHistory = ReturnType<typeof createSecretHistory>;
