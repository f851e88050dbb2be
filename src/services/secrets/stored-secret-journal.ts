import type { CentralStore } from '../../backends/central-store.js';
import type { Db } from '../../database/database.js';
import type { Secret } from './secret.js';
import { collectIntents } from './store-orphan-collector.js';
import { closeIntents, journaled, type WriteIntent } from './store-write-journal.js';
import { pinLegacyRow } from './versioned-entries.js';

/**
 * The journal of remote-store writes as the stored secrets hand it out (copy-on-write,
 * store-write-journal.ts): no intents on the SQL store, whose writes join the transaction.
 */
export function createStoredJournal(db: Db, store: CentralStore) {
  return {
    /**
     * Runs `write` after committing intents for the remote entries it will write (none for the
     * SQL store); `write` claims them in its transaction (claimIntents) and its commit closes
     * them. When it fails, its intents are collected at once (what it wrote is undone).
     */
    journaled: <T>(
      secretIds: string[],
      kind: WriteIntent['kind'],
      write: (intents: WriteIntent[]) => Promise<T>,
    ) =>
      store.kind === 'sql'
        ? write([])
        : journaled(
            db,
            secretIds.map((secretId) => ({ secretId, entryName: store.entryName(secretId), kind })),
            write,
            (intents) => collectIntents({ db, store }, intents),
          ),
    /**
     * After a delete committed: deletes its remote entry, then closes its intents; a failure
     * leaves them to the orphan collector (the secret is gone all the same).
     */
    discardDeleted: async (secretId: string, intents: WriteIntent[]) => {
      try {
        await store.backend.delete(store.entryName(secretId));
        await closeIntents(
          db,
          intents.map((intent) => intent.id),
        );
      } catch {
        // left to the collector
      }
    },
    /** Before an update outside its transaction: a row from before pinning pins the entry's current version. */
    pinLegacyRow: (secret: Secret) => pinLegacyRow(store, db, secret),
  };
}
