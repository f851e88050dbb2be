import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.js';
import { groupCommit } from '../audit/group-commit.js';
import type { ManagedSecret } from '../managed-secrets/managed-secrets-service.js';
import type { Secret } from '../secrets/secret.js';
import { claimIntents, closeIntents, type WriteIntent } from '../secrets/store-write-journal.js';
import type { Migration, MigrationItem } from './migration.js';
import {
  type PrunedVersions,
  planItems,
  saveItems,
  VerificationError,
  writeAndVerify,
} from './migration-item.js';
import type { JobRun, MigrationRunDeps } from './migration-run.js';
import { deleteSources } from './migration-source-deletion.js';
import { killPoint } from './test-kill-point.js';

/** A batch with its sources and existing targets loaded, ready to commit; `saved` once it has. */
export interface PreparedBatch {
  batch: MigrationItem[];
  sources: Map<string, ManagedSecret>;
  existing: Map<string, Secret>;
  /** Ids chosen for the copies this batch may create (target name → id): journaled before the commit. */
  createIds: Map<string, string>;
  /** Existing targets this batch may replace (OVERWRITE, or its own earlier copy): journaled too. */
  replaceIds: string[];
  saved?: MigrationItem[];
  /** Batches in the transaction that committed (or failed) this one. */
  groupSize?: number;
}

/** How a batch commits: with the batches ready at the same time (`grouped`), or on its own. */
type CommitMode = 'grouped' | 'alone';

/**
 * Loads a batch (prepareBatch) and hands it to the grouped commit; resolves once loaded, with
 * the promise of its outcome (commitPrepared), so the caller can load the next batch meanwhile.
 */
export async function startBatch(
  deps: MigrationRunDeps,
  run: JobRun,
  batch: MigrationItem[],
): Promise<{ outcome: Promise<MigrationItem[]> }> {
  let prepared: PreparedBatch;
  try {
    prepared = await prepareBatch(deps, run, batch);
  } catch (error) {
    return { outcome: recover(deps, run, { batch, mode: 'grouped' }, error) };
  }
  return { outcome: commitPrepared(deps, run, prepared, 'grouped') };
}

/** Runs a batch on its own: loads, commits alone, deletes its sources (see commitPrepared). */
async function runBatch(
  deps: MigrationRunDeps,
  run: JobRun,
  batch: MigrationItem[],
): Promise<MigrationItem[]> {
  let prepared: PreparedBatch;
  try {
    prepared = await prepareBatch(deps, run, batch);
  } catch (error) {
    return recover(deps, run, { batch, mode: 'alone' }, error);
  }
  return commitPrepared(deps, run, prepared, 'alone');
}

/**
 * Commits a loaded batch in one transaction — with the other batches ready at the same time
 * (`run.commitGrouped`, commitGroup) or alone — then, when the job asks, deletes the sources of
 * its committed copies as a step of their own (migration-source-deletion.ts): a deletion that
 * fails stays pending, recorded, and never sends the batch back. A failed commit is recovered
 * (recover). Never rejects for an item's fault; rejects when even the failure can't be saved.
 */
async function commitPrepared(
  deps: MigrationRunDeps,
  run: JobRun,
  prepared: PreparedBatch,
  mode: CommitMode,
): Promise<MigrationItem[]> {
  try {
    if (mode === 'grouped') await run.commitGrouped(prepared);
    else await commitGroup(deps, run, [prepared]);
  } catch (error) {
    return recover(deps, run, { batch: prepared.batch, mode, groupSize: prepared.groupSize }, error);
  }
  killPoint('after-commit');
  const saved = prepared.saved ?? [];
  return run.job.deleteSource ? deleteSources(deps, run, saved) : saved;
}

/**
 * After a failure: a batch that failed in a group is tried alone, one that failed alone item by
 * item, so one bad item fails alone; a single item that fails is saved as FAILED.
 */
function recover(
  deps: MigrationRunDeps,
  run: JobRun,
  failed: { batch: MigrationItem[]; mode: CommitMode; groupSize?: number },
  error: unknown,
): Promise<MigrationItem[]> {
  const { batch, mode, groupSize = 1 } = failed;
  if (mode === 'grouped' && groupSize > 1) return runBatch(deps, run, batch);
  if (batch.length > 1) return retryOneByOne(deps, run, batch);
  return saveFailure(deps, run.job, batch[0], error);
}

/**
 * Transactions of one job committing at once. Batches ready while a lane commits share its next
 * transaction (at most twice `parallelism` batches): fewer, larger commits; a second lane does
 * its work while the first waits on the database.
 */
const COMMIT_LANES = 2;

/** The grouped commit of a job's prepared batches, over COMMIT_LANES lanes in turn. */
export function groupedCommits(
  deps: MigrationRunDeps,
  runOf: () => JobRun,
): (prepared: PreparedBatch) => Promise<void> {
  const lanes = Array.from({ length: COMMIT_LANES }, () =>
    groupCommit((group: PreparedBatch[]) => commitGroup(deps, runOf(), group), 2 * deps.parallelism),
  );
  let next = 0;
  return (prepared) => lanes[next++ % COMMIT_LANES](prepared);
}

/** Loads a batch's sources and existing targets; paces the store writes of a remote store. */
async function prepareBatch(
  deps: MigrationRunDeps,
  run: JobRun,
  batch: MigrationItem[],
): Promise<PreparedBatch> {
  const sources = await run.loadMany(batch.map((item) => item.name));
  const existing = await deps.storedSecrets.findManyInScope(
    run.principal,
    batch.map((item) => item.targetName),
    run.job.targetScope,
  );
  await run.pacing.store.take(sources.size);
  const createIds = new Map<string, string>();
  const replaceIds: string[] = [];
  for (const { targetName } of batch) {
    const target = existing.get(targetName);
    if (!target) createIds.set(targetName, randomUUID());
    else if (run.job.onConflict === 'OVERWRITE' || target.origin?.migrationId === run.job.id)
      replaceIds.push(target.id);
  }
  return { batch, sources, existing, createIds, replaceIds };
}

/**
 * Commits prepared batches in one audited transaction: plans every item, writes and verifies
 * the copies and saves the outcomes with their audit events, so they commit together (a copied
 * item's source deletion recorded pending in the same commit). On a remote store the entries the
 * group may write are journaled first (store-write-journal.ts): claimed by the transaction and
 * closed by its commit, so a failure undoes what was written at once and a crash leaves it to the
 * orphan collector; what committed is never touched. The error is rethrown.
 */
async function commitGroup(deps: MigrationRunDeps, run: JobRun, group: PreparedBatch[]): Promise<void> {
  for (const prepared of group) prepared.groupSize = group.length;
  const createIds = group.flatMap((prepared) => [...prepared.createIds.values()]);
  const replaceIds = group.flatMap((prepared) => prepared.replaceIds);
  const { journaled, history } = deps.storedSecrets;
  let pruned: PrunedVersions[];
  try {
    pruned = await journaled(createIds, 'create', (creates) =>
      journaled(replaceIds, 'update', (replaces) =>
        commitJournaled(deps, run, group, [...creates, ...replaces]),
      ),
    );
  } catch (error) {
    for (const prepared of group) prepared.saved = undefined;
    throw error;
  }
  for (const { secretId, storeVersions } of pruned) await history.destroyPruned(secretId, storeVersions);
}

/** The group's transaction, holding the journal's intents (none on the SQL store). */
async function commitJournaled(
  deps: MigrationRunDeps,
  run: JobRun,
  group: PreparedBatch[],
  intents: WriteIntent[],
): Promise<PrunedVersions[]> {
  const { job, principal } = run;
  return deps.audit.audited(async (trx, record) => {
    await claimIntents(trx, intents);
    const planned = [];
    for (const { batch, sources, existing, createIds } of group)
      planned.push(...(await planItems(deps, trx, run, batch, { sources, existing, createIds })));
    const pruned = await writeAndVerify(deps, trx, record, { principal }, planned);
    const saved = await saveItems(trx, record, { job, owner: deps.owner }, planned);
    await closeIntents(
      trx,
      intents.map((intent) => intent.id),
    );
    killPoint('after-copy');
    let at = 0;
    for (const prepared of group) {
      prepared.saved = saved.slice(at, at + prepared.batch.length);
      at += prepared.batch.length;
    }
    return pruned;
  });
}

/** Runs each item of a failed batch as a batch of its own, one after the other. */
async function retryOneByOne(
  deps: MigrationRunDeps,
  run: JobRun,
  batch: MigrationItem[],
): Promise<MigrationItem[]> {
  const out: MigrationItem[] = [];
  for (const item of batch) out.push(...(await runBatch(deps, run, [item])));
  return out;
}

/**
 * Saves one item as FAILED in its own audited transaction. A verification or user-facing error
 * is its message; anything else is logged (message only) and saved as "unexpected error".
 */
async function saveFailure(
  deps: Pick<MigrationRunDeps, 'audit' | 'log' | 'owner'>,
  job: Migration,
  item: MigrationItem,
  error: unknown,
): Promise<MigrationItem[]> {
  const expected = error instanceof VerificationError || error instanceof AppError;
  if (!expected)
    deps.log.error('migration item failed', {
      migrationId: job.id,
      name: item.name,
      error: (error as Error).message,
    });
  const failed = {
    item: {
      ...item,
      status: 'FAILED' as const,
      error: expected ? error.message : 'unexpected error',
      sourceDeleted: null,
    },
  };
  return deps.audit.audited((trx, record) => saveItems(trx, record, { job, owner: deps.owner }, [failed]));
}
