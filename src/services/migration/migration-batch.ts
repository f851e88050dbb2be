import { AppError } from '../../errors.js';
import type { ManagedSecret, SecretsManager } from '../managed-secrets/managed-secrets-service.js';
import type { Migration, MigrationItem, MigrationItemStatus } from './migration.js';
import { planItems, saveItems, VerificationError, writeAndVerify } from './migration-item.js';
import type { JobRun, MigrationRunDeps } from './migration-run.js';

const COPIED: ReadonlySet<MigrationItemStatus> = new Set(['MIGRATED', 'RENAMED', 'OVERWRITTEN', 'IDENTICAL']);

/**
 * Runs a batch of items in one transaction (see copyBatch). When the batch fails, the store
 * entries written outside the transaction are discarded and each item runs on its own, so one
 * bad item fails alone; a single item that fails is saved as FAILED. Never rejects for an
 * item's fault; rejects when even the failure can't be saved.
 */
export async function runBatch(
  deps: MigrationRunDeps,
  run: JobRun,
  batch: MigrationItem[],
): Promise<MigrationItem[]> {
  const created: string[] = [];
  try {
    return await copyBatch(deps, run, batch, created);
  } catch (error) {
    await deps.storedSecrets.discardEntries(created);
    if (batch.length > 1) return retryOneByOne(deps, run, batch);
    return saveFailure(deps, run.job, batch[0], error);
  }
}

/**
 * Loads the sources and the existing targets, then in one audited transaction plans every
 * item, writes and verifies the copies and saves the outcomes with their audit events, so they
 * commit together. Verified sources are deleted afterwards when the job asks for it.
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
  const saved = await deps.audit.audited(async (trx, record) => {
    const planned = await planItems(deps, trx, run, batch, { sources, existing });
    await writeAndVerify(deps, trx, record, { principal, created }, planned);
    return saveItems(trx, record, { job, owner: deps.owner }, planned);
  });
  if (job.deleteSource) await deleteSources(deps, run.manager, saved, sources);
  return saved;
}

/** Deletes the sources of the items copied (or found identical) that this batch read. */
async function deleteSources(
  deps: Pick<MigrationRunDeps, 'managedSecrets'>,
  manager: SecretsManager,
  saved: MigrationItem[],
  sources: Map<string, ManagedSecret>,
): Promise<void> {
  const verified = saved.filter((item) => COPIED.has(item.status) && sources.has(item.name));
  await Promise.all(verified.map((item) => deleteSource(deps, manager, item.name)));
}

/** Deletes a verified source's entries (named ones directly: the batch just read them). */
async function deleteSource(
  deps: Pick<MigrationRunDeps, 'managedSecrets'>,
  manager: SecretsManager,
  name: string,
): Promise<void> {
  const lookup = manager.scoping.entryLookup(manager.ctx, name);
  const entries =
    lookup.by === 'name'
      ? lookup.names
      : (await deps.managedSecrets.entriesOf(manager, name)).map((entry) => entry.name);
  await Promise.all(entries.map((entry) => manager.backend.delete(entry)));
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
    item: { ...item, status: 'FAILED' as const, error: expected ? error.message : 'unexpected error' },
  };
  return deps.audit.audited((trx, record) => saveItems(trx, record, { job, owner: deps.owner }, [failed]));
}
