import { sql } from 'kysely';
import { isVersioned } from '../../backends/backend.js';
import type { CentralStore } from '../../backends/central-store.js';
import type { Db } from '../../database/database.js';
import type { StoreWriteIntentRow } from '../../database/tables/store-write-intents-table.js';
import type { Logger } from '../../logger.js';
import { createLeasedPasses } from './collector-lease.js';
import { pinCurrentVersion } from './secret-versions-repository.js';
import { closeIntents } from './store-write-journal.js';
import { pinStoreVersion, restoreCommitted, retireVersions } from './versioned-entries.js';

export interface OrphanCollectorDeps {
  db: Db;
  store: CentralStore;
  log: Logger;
  /** Age of an intent before its writer counts as gone (it waited on no lock that long). */
  graceMs: number;
  /** Period of the passes started by `start`. */
  intervalMs: number;
}

/** What one pass did: entries of never-committed creates deleted, entries repaired, intents closed. */
export interface CollectionReport {
  discarded: number;
  repaired: number;
  closed: number;
}

const LEASE = 'store-orphans';
const BATCH = 100;
/** Postgres' lock_not_available (NOWAIT on a row a writer holds). */
const LOCK_NOT_AVAILABLE = '55P03';

type Outcome = 'discarded' | 'repaired' | 'closed' | 'busy';

/**
 * One intent, in its own transaction holding the intent and the secret's row (both skipped when a
 * writer holds them): no row means the create never committed (its entry is deleted); a row whose
 * pinned version is not the entry's current one gets the committed values back as current.
 */
async function collectIntent(deps: Pick<OrphanCollectorDeps, 'db' | 'store'>, id: string): Promise<Outcome> {
  const { db, store } = deps;
  const { backend } = store;
  let retired: { secretId: string; versionId: string } | undefined;
  const outcome = await db.transaction().execute(async (trx): Promise<Outcome> => {
    const intent = (await trx
      .selectFrom('store_write_intents')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst()) as StoreWriteIntentRow | undefined;
    if (!intent) return 'busy';
    const row = await trx
      .selectFrom('secrets')
      .selectAll()
      .where('id', '=', intent.secret_id)
      .forUpdate()
      .noWait()
      .executeTakeFirst();
    let done: Outcome = 'closed';
    if (!row) {
      if (await backend.delete(intent.entry_name)) done = 'discarded';
    } else if (isVersioned(backend) && row.store_version) {
      const pin = await restoreCommitted(backend, intent.entry_name, row.store_version);
      if (pin !== row.store_version) {
        await pinStoreVersion(trx, row.id, pin);
        await pinCurrentVersion(trx, row.id, row.version, pin);
        retired = { secretId: row.id, versionId: row.store_version };
      }
      done = 'repaired';
    }
    await closeIntents(trx, [intent.id]);
    return done;
  });
  if (retired) await retireVersions(store, retired.secretId, [retired.versionId]);
  return outcome;
}

const isLockBusy = (error: unknown) => (error as { code?: unknown } | undefined)?.code === LOCK_NOT_AVAILABLE;

/**
 * Collects these intents now, whatever their age (a write that just failed: its writer is this
 * caller). A busy one (a writer holds the secret) is left to a later pass.
 */
export async function collectIntents(
  deps: Pick<OrphanCollectorDeps, 'db' | 'store'>,
  intents: Array<{ id: string }>,
): Promise<void> {
  for (const { id } of intents) {
    try {
      await collectIntent(deps, id);
    } catch (error) {
      if (!isLockBusy(error)) throw error;
    }
  }
}

/**
 * The orphan collector of a remote store: intents older than the grace, one replica at a time
 * (a lease row), in batches; `start` runs a pass every interval. Errors are logged (never values)
 * and the intent is tried again next pass.
 */
export function createOrphanCollector(deps: OrphanCollectorDeps) {
  const passes = createLeasedPasses<CollectionReport>({
    ...{ db: deps.db, lease: LEASE, intervalMs: deps.intervalMs },
    ttlMs: deps.intervalMs + deps.graceMs,
    enabled: deps.store.kind !== 'sql',
    idle: () => ({ discarded: 0, repaired: 0, closed: 0 }),
    work: () => collectDue(deps),
    onError: (error) => deps.log.warn('store orphan collection failed', { error: (error as Error).name }),
  });
  return {
    /** One pass now (joins the one running). */
    collectOnce: passes.runOnce,
    start: passes.start,
    stop: passes.stop,
  };
}

/** One batch of intents older than the grace, under the lease. */
async function collectDue(deps: OrphanCollectorDeps): Promise<CollectionReport> {
  const report: CollectionReport = { discarded: 0, repaired: 0, closed: 0 };
  const due = await deps.db
    .selectFrom('store_write_intents')
    .select('id')
    .where('created_at', '<', sql<Date>`now() - ${deps.graceMs} * interval '1 millisecond'`)
    .orderBy('created_at')
    .limit(BATCH)
    .execute();
  for (const { id } of due) {
    try {
      const outcome = await collectIntent(deps, id);
      if (outcome !== 'busy') report[outcome]++;
    } catch (error) {
      if (!isLockBusy(error))
        deps.log.warn('store orphan collection failed', { intent: id, error: (error as Error).name });
    }
  }
  return report;
}

export type OrphanCollector = ReturnType<typeof createOrphanCollector>;
