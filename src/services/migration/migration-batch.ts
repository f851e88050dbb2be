import { AppError } from '../../errors.js';
import type { Migration, MigrationItem } from './migration.js';
import { planItems, saveItems, VerificationError, writeAndVerify } from './migration-item.js';
import type { JobRun, MigrationRunDeps } from './migration-run.js';
import { deleteSources } from './migration-source-deletion.js';
import { committedSecretIds } from './source-deletion-repository.js';
import { killPoint } from './test-kill-point.js';

/**
 * Runs a batch of items in one transaction (see copyBatch), then, when the job asks, deletes
 * the sources of its committed copies as a step of their own (migration-source-deletion.ts):
 * a deletion that fails stays pending, recorded, and never sends the batch back. When the copy
 * fails, the store entries it wrote outside the transaction are discarded (only those whose
 * rows did not commit) and each item runs on its own, so one bad item fails alone; a single
 * item that fails is saved as FAILED. Never rejects for an item's fault; rejects when even the
 * failure can't be saved.
 */
export async function runBatch(
  deps: MigrationRunDeps,
  run: JobRun,
  batch: MigrationItem[],
): Promise<MigrationItem[]> {
  const created: string[] = [];
  let saved: MigrationItem[];
  try {
    saved = await copyBatch(deps, run, batch, created);
  } catch (error) {
    const committed = await committedSecretIds(deps.db, created);
    await deps.storedSecrets.discardEntries(created.filter((id) => !committed.has(id)));
    if (batch.length > 1) return retryOneByOne(deps, run, batch);
    return saveFailure(deps, run.job, batch[0], error);
  }
  killPoint('after-commit');
  return run.job.deleteSource ? deleteSources(deps, run, saved) : saved;
}

/**
 * Loads the sources and the existing targets, then in one audited transaction plans every
 * item, writes and verifies the copies and saves the outcomes with their audit events, so they
 * commit together; a copied item's source deletion is recorded pending in the same commit.
 * Store writes are paced for a remote store, before the transaction opens.
 */
async function copyBatch(
  deps: MigrationRunDeps,
  run: JobRun,
  batch: MigrationItem[],
  created: string[],
): Promise<MigrationItem[]> {
  const { job, principal } = run;
  const sources = await run.loadMany(batch.map((item) => item.name));
  const existing = await deps.storedSecrets.findManyInScope(
    principal,
    batch.map((item) => item.targetName),
    job.targetScope,
  );
  await run.pacing.store.take(sources.size);
  return deps.audit.audited(async (trx, record) => {
    const planned = await planItems(deps, trx, run, batch, { sources, existing });
    await writeAndVerify(deps, trx, record, { principal, created }, planned);
    const saved = await saveItems(trx, record, { job, owner: deps.owner }, planned);
    killPoint('after-copy');
    return saved;
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
